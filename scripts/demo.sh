#!/usr/bin/env bash
# The demo: builds everything, packs the sample service into a container image, starts
# `probes phases --image` on the host (the native executable, as shipped), then starts three containers of the sample. Their
# startup is measured from the first probe on (they start after the attach), and the
# per-phase, per-container table is printed when they are done.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ $(id -u) -ne 0 ]]; then
    echo "demo: tracing needs root (BPF and uprobes); run: sudo $0" >&2
    exit 1
fi
if [[ ! -e /sys/bus/event_source/devices/uprobe/type ]]; then
    echo "demo: this kernel has no uprobe PMU (CONFIG_UPROBES); nothing can be traced" >&2
    exit 1
fi

bash scripts/setup.sh
echo "demo: building"
dotnet build Probes.sln -c Release -nologo -v quiet -clp:ErrorsOnly >/dev/null
echo "demo: compiling the native probes (Native AOT)"
probes=$(bash scripts/publish-native.sh)
image=localhost/probes-sample:demo
echo "demo: building the container image $image"
bash scripts/build-sample-image.sh "$image" >/dev/null

work=$(mktemp -d)
containers=(demo-web-1 demo-web-2 demo-web-3)
cleanup() {
    [[ -n ${tracer:-} ]] && kill -TERM "$tracer" 2>/dev/null || true
    podman rm --force --ignore -t 0 "${containers[@]}" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT
podman rm --force --ignore -t 0 "${containers[@]}" >/dev/null 2>&1 || true

"$probes" phases --image "$image" >"$work/report" 2>"$work/log" &
tracer=$!
for _ in $(seq 300); do
    grep -q attached "$work/log" && break
    kill -0 "$tracer" 2>/dev/null || { cat "$work/log" >&2; exit 1; }
    sleep 0.1
done
grep -q attached "$work/log" || { echo "demo: probes did not attach within 30 s" >&2; cat "$work/log" >&2; exit 1; }
echo "demo: $(head -1 "$work/log" | sed 's/^probes: //')"

for name in "${containers[@]}"; do
    podman --runtime runc run -d --name "$name" --network none \
        --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 \
        "$image" --requests 10 --interval-ms 20 >/dev/null
    echo "demo: started container $name"
done
podman wait "${containers[@]}" >/dev/null

# A background job ignores SIGINT in a script, so the report is asked for with SIGTERM.
kill -TERM "$tracer"
wait "$tracer"
tracer=
cat "$work/report"
tail -1 "$work/log"
