#!/usr/bin/env bash
# The hook's own wall time, which is what a runtime waits for before the container's process runs:
# the hook run by hand on the state of an initialised container (its bundle's config.json and
# merged root filesystem are the runtime's), with the agent answering on its socket, against
# /bin/true reading the same state. hyperfine (its shell's start subtracted); prints hyperfine's table and p50/p99.
#   bench/agent/hook-direct.sh PROBES PROBES_HOOK IMAGE [RUNS]
set -euo pipefail
probes=$1 hook=$2 image=$3 runs=${4:-200}
work=$(mktemp -d)
name=probes-hookbench-$$
trap 'kill -TERM $agent 2>/dev/null || true; wait $agent 2>/dev/null || true; podman rm --force --ignore -t 0 "$name" >/dev/null; rm -rf "$work"' EXIT
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$probes" agent --listen "127.0.0.1:$port" --hook-socket "$work/agent.sock" --rescan-interval 60 2>"$work/agent.err" &
agent=$!
id=$(podman --runtime runc create --network none --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 --name "$name" "$image")
podman --runtime runc init "$name" >/dev/null   # the runtime's create: bundle written, root filesystem mounted
bundle=$(dirname "$(podman inspect -f '{{.OCIConfigPath}}' "$name")")
[[ -f $bundle/config.json ]] || { echo "no config.json in $bundle" >&2; exit 1; }
printf '{"ociVersion":"1.0.2","id":"%s","status":"created","pid":1,"bundle":"%s"}' "$id" "$bundle" > "$work/state.json"
for _ in $(seq 100); do [[ -S $work/agent.sock ]] && break; sleep 0.1; done
"$hook" "$work/agent.sock" < "$work/state.json"   # the first request attaches
hyperfine -w 5 -r "$runs" --export-json "$work/h.json" \
    -n true "/bin/true < $work/state.json" \
    -n probes-hook "$hook $work/agent.sock < $work/state.json" \
    -n "probes hook" "$probes hook --socket $work/agent.sock < $work/state.json" >&2
python3 - "$work/h.json" <<'PY'
import json, sys
for r in json.load(open(sys.argv[1]))["results"]:
    t = sorted(r["times"]); n = len(t)
    print(f"{r['command']}: p50 {t[n//2]*1000:.1f} ms, p99 {t[min(n-1, int(n*0.99))]*1000:.1f} ms, n={n}")
PY
curl -s "127.0.0.1:$port/metrics" | grep '^probes_agent_hook_' >&2
