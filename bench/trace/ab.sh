#!/usr/bin/env bash
# bench/trace/ab.sh: two or more builds or attach methods of `probes trace --json` on the same
# probe, side by side in one run (A B C A B C ...), to tell whether a change made the traced
# program or the tracer slower. run.sh compares probes with bpftrace; this compares probes with
# itself.
#
#   sudo bench/trace/ab.sh "native=artifacts/probes-linux-x64/probes" \
#        "perf-ioctl=PROBES_UPROBE_ATTACH=perf-ioctl artifacts/probes-linux-x64/probes" \
#        "before=/path/to/an/older/build/probes"
#
# Each argument is NAME=COMMAND (COMMAND may start with VAR=value assignments). For every round
# and every tracer: start it on fixture.c's bench:hit (file level, 8 MiB ring), fire WARMUP
# uncounted hits, then N hits back to back; record the loop's ns per hit (the cost the traced
# program pays), the tracer's CPU ns per event and the events it lost. Prints a Markdown table
# of the medians and, per round, the ratio of each tracer's ns per hit to the first tracer's.
#
# Knobs (environment): N (1000000), WARMUP (100000), ROUNDS (5), RING (8388608).
set -euo pipefail

if [[ $(id -u) -ne 0 ]]; then
    echo "bench/trace/ab.sh: must run as root (eBPF programs and uprobes): sudo $0" >&2
    exit 2
fi
if [[ $# -lt 2 ]]; then
    echo "usage: bench/trace/ab.sh NAME=COMMAND NAME=COMMAND [...]" >&2
    exit 2
fi

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=measure.sh
source "$here/measure.sh"
N=${N:-1000000}
WARMUP=${WARMUP:-100000}
ROUNDS=${ROUNDS:-5}
RING=${RING:-8388608}
work=$(mktemp -d /tmp/traceab.XXXXXX)
trap 'kill $(jobs -p) 2> /dev/null || true; rm -rf "$work"' EXIT
gcc -O2 -Wall -o "$work/fixture" "$here/fixture.c"
FIX=$work/fixture

log() { echo "# $*" >&2; }
wait_attached() {
    local i
    for ((i = 0; i < 3000; i++)); do
        grep -q attached "$1" 2> /dev/null && return 0
        sleep 0.01
    done
    echo "bench/trace/ab.sh: no 'attached' from the tracer:" >&2
    cat "$1" >&2
    return 1
}

# One measurement: prints "ns_per_hit cpu_ns_per_event lost".
measure() {
    local command=$1 pid line cpu0 cpu1 summary received lost
    # shellcheck disable=SC2086 # COMMAND is word-split on purpose: leading VAR=value words are its environment
    env $command trace "$FIX" --probe bench:hit --json --ring-size "$RING" > /dev/null 2> "$work/err" &
    pid=$!
    wait_attached "$work/err"
    "$FIX" "$WARMUP" 0 10 > /dev/null
    sleep 0.3
    cpu0=$(cpu_ns "$pid")
    line=$("$FIX" "$N" 0 10)
    sleep 0.3
    cpu1=$(cpu_ns "$pid")
    kill -TERM "$pid"
    wait "$pid" || true
    summary=$(grep -E '^probes: [0-9]+ events' "$work/err")
    received=$(($(sed -nE 's/^probes: ([0-9]+) events.*/\1/p' <<< "$summary") - WARMUP))
    lost=$(sed -nE 's/^probes: [0-9]+ events, ([0-9]+) lost.*/\1/p' <<< "$summary")
    echo "$(field ns_per_hit "$line") $(((cpu1 - cpu0) / (received > 0 ? received : 1))) $lost"
}

names=()
commands=()
for spec in "$@"; do
    names+=("${spec%%=*}")
    commands+=("${spec#*=}")
done
log "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for ((round = 1; round <= ROUNDS; round++)); do
    for i in "${!names[@]}"; do
        read -r ns cpu lost < <(measure "${commands[$i]}")
        log "round $round ${names[$i]}: ${ns} ns/hit, tracer ${cpu} ns/event, lost $lost"
        echo "$round ${names[$i]} $ns $cpu $lost" >> "$work/results"
    done
done
log "load after: $(cut -d' ' -f1-3 /proc/loadavg)"

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
echo "| tracer | ns/hit in the loop (median) | / ${names[0]} (median of per-round ratios) | tracer CPU ns/event (median) | lost (sum) |"
echo "|---|---:|---:|---:|---:|"
for name in "${names[@]}"; do
    ns=$(awk -v n="$name" '$2 == n { print $3 }' "$work/results" | median)
    cpu=$(awk -v n="$name" '$2 == n { print $4 }' "$work/results" | median)
    lost=$(awk -v n="$name" '$2 == n { s += $5 } END { print s + 0 }' "$work/results")
    ratio=$(awk -v n="$name" -v first="${names[0]}" '$2 == first { f[$1] = $3 } $2 == n { v[$1] = $3 } END { for (r in v) print v[r] / f[r] }' "$work/results" | median)
    echo "| $name | $ns | $(printf '%.2f' "$ratio") | $cpu | $lost |"
done
