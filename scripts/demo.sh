#!/usr/bin/env bash
# Builds everything and runs the demo: the sample service, traced from outside by bpftrace
# through the USDT probes its SDK fires, printing how long each phase took.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ $(id -u) -ne 0 ]]; then
    echo "demo: tracing needs root (BPF and uprobes); run: sudo $0" >&2
    exit 1
fi
if [[ ! -e /sys/bus/event_source/devices/uprobe/type ]]; then
    echo "demo: this kernel has no uprobe support (CONFIG_UPROBES); nothing can be traced" >&2
    exit 1
fi

bash scripts/setup.sh
dotnet build Probes.sln -c Release -nologo -v quiet -clp:ErrorsOnly

out=samples/Probes.Sample/bin/Release/net10.0
shim=$PWD/$out/runtimes/linux-x64/native/libprobes.so
requests=${REQUESTS:-8}

# The sample waits until a tracer raises its probe semaphore, so its startup is traced too.
dotnet "$out/Probes.Sample.dll" --wait-for-tracer 60 --requests "$requests" --interval-ms 20 >/dev/null &
sample=$!
trap 'kill $sample 2>/dev/null || true' EXIT
echo "demo: tracing sample pid $sample through $shim"

# Phases end on other threads after awaits, so begin and end pair by span id, not thread.
# The last request's mark ends the trace; bpftrace prints its maps, awk makes the table.
bpftrace -p "$sample" -e "
usdt:$shim:probes:phase_begin { @start[arg2] = nsecs; }
usdt:$shim:probes:phase_end /@start[arg2]/ {
    \$us = (nsecs - @start[arg2]) / 1000;
    @count[str(arg1)] = count(); @avg[str(arg1)] = avg(\$us); @max[str(arg1)] = max(\$us);
    if (arg3 != 0) { @faulted[str(arg1)] = count(); }
    delete(@start[arg2]);
}
usdt:$shim:probes:mark /arg2 == $requests/ { exit(); }
END { clear(@start); }
" 2>/dev/null | awk '
    # Lines look like "@avg[WarmCaches]: 27012"; plain POSIX awk, no gawk extensions.
    /^@[a-z]+\[.*\]: [0-9]+$/ {
        stat = substr($0, 2, index($0, "[") - 2)
        rest = substr($0, index($0, "[") + 1)
        phase = substr(rest, 1, index(rest, "]: ") - 1)
        value[phase, stat] = substr(rest, index(rest, "]: ") + 3)
        phases[phase] = 1
    }
    END {
        printf "%-20s %7s %10s %10s %8s\n", "phase", "count", "avg (us)", "max (us)", "faulted"
        for (p in phases) {
            printf "%-20s %7d %10d %10d %8d\n", p, value[p, "count"], value[p, "avg"], value[p, "max"], value[p, "faulted"] | "sort"
        }
    }'
wait "$sample"
