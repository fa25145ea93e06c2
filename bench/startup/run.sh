#!/usr/bin/env bash
# bench/startup/run.sh: start-up of `probes list`, side by side in one run (results in bench/README.md):
#   1. `probes list libstdc++.so.6`: native (Native AOT) and IL build against `readelf -n`  (goal: native <= 1.5x)
#   2. `probes list --pid P` of the running .NET sample: native and IL build against
#      `bpftrace -l 'usdt:*' -p P`                                                       (goal: native <= 2x)
#   3. peak RSS of each (GNU time %M, median of 15 alternating runs)                      (goal: native < 20 MB)
# Needs root (reading another process's maps for --pid), hyperfine, bpftrace, readelf, /usr/bin/time.
#
#   bench/startup/run.sh [RUNS]     RUNS per command, default 40
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-40}
for tool in hyperfine bpftrace readelf /usr/bin/time; do
    command -v "$tool" > /dev/null || { echo "bench/startup/run.sh: '$tool' not found (apt-get install hyperfine bpftrace binutils time)" >&2; exit 1; }
done

library=/usr/lib/x86_64-linux-gnu/libstdc++.so.6
dotnet build Probes.sln -c Release -nologo -clp:ErrorsOnly > /dev/null
native=$PWD/$(bash scripts/publish-native.sh)
il=$PWD/src/Probes.Consumer/bin/Release/net10.0/probes
sample_dir=samples/Probes.Sample/bin/Release/net10.0

# The sample runs until killed; it maps its shim at its first probe use.
PROBES_LIBRARY= dotnet "$sample_dir/Probes.Sample.dll" --requests 1000000 --interval-ms 100 > /dev/null &
sample=$!
trap 'kill "$sample" 2> /dev/null || true' EXIT
for _ in $(seq 300); do
    grep -q libprobes.so "/proc/$sample/maps" 2> /dev/null && break
    sleep 0.1
done
grep -q libprobes.so "/proc/$sample/maps" || { echo "bench/startup/run.sh: the sample did not map its shim" >&2; exit 1; }

echo "## load average before: $(cut -d' ' -f1-3 /proc/loadavg); native $(stat -c %s "$native") bytes"
hyperfine -N -w 5 -r "$runs" --style basic \
    "$native list $library" "readelf -n $library" "$il list $library"
hyperfine -N -w 5 -r "$runs" --style basic \
    "$native list --pid $sample" "bpftrace -l usdt:* -p $sample" "$il list --pid $sample"

# Peak RSS, alternating A B C A B C ..., median per command.
declare -A peaks
commands=("$native list $library" "readelf -n $library" "$il list $library" "$native list --pid $sample" "bpftrace -l usdt:* -p $sample" "$il list --pid $sample")
for _ in $(seq 15); do
    for i in "${!commands[@]}"; do
        # shellcheck disable=SC2086 # the command is split on purpose
        peaks[$i]+="$(/usr/bin/time -f %M ${commands[$i]} 2>&1 > /dev/null | tail -1) "
    done
done
echo "## peak RSS (median of 15, KiB)"
for i in "${!commands[@]}"; do
    median=$(tr ' ' '\n' <<< "${peaks[$i]}" | grep . | sort -n | sed -n 8p)
    echo "$median  ${commands[$i]}"
done
echo "## load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
