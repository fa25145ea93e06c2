#!/usr/bin/env bash
# bench/trace/run.sh: `probes trace --json` against bpftrace `printf`, side by side in one run.
#
#   sudo bench/trace/run.sh            (about 1-2 minutes; prints a Markdown table on stdout)
#
# Measures, on the same USDT probe (bench:hit in fixture.c, compiled here, file-level attach):
#   1. ingest: a tight loop fires the probe N times back to back while the tracer writes every
#      event to its output; fired / received / lost, events/s seen by the loop, the cost per
#      hit in the loop, and the tracer's CPU time per event. If the burst loses events, the
#      loop is paced and the highest lossless rate is searched (bisection).
#   2. the cost per hit when both tracers get the same paced rate (PACED_RATE/s, for 2 s).
#   3. start-up: time from exec of the tracer to "attached" (probes: stderr line containing
#      `attached`; bpftrace: `BEGIN { printf("READY\n") }` with -B line), median of RUNS.
#   4. reader capacity alone: the tracer is stopped while the loop fires into a big buffer,
#      then resumed; events/s while it catches up (probes, bpftrace -B line, bpftrace -B full).
#   5. TraceEventWriter alone (WriterCost/, no kernel): ns and bytes allocated per JSON line;
#      and two pieces of probes' start-up: the cold vmlinux BTF parse, and BPF_PROG_LOAD per
#      site by namespace access mode (BtfDirect / ProbeRead / none).
#
# Knobs (environment): N_PROBES (2000000) N_BPFTRACE (300000) RING (probes --ring-size,
# 8388608) BT_PAGES (BPFTRACE_PERF_RB_PAGES per CPU, 1024 = 4 MiB/CPU, 8 MiB on 2 CPUs)
# PACED_RATE (50000) RUNS (5) WARMUP (100000 uncounted hits before each measured loop) SKIP_BUILD (0).
set -euo pipefail

if [[ $(id -u) -ne 0 ]]; then
    echo "bench/trace/run.sh: must run as root (eBPF programs and uprobes need CAP_BPF, CAP_PERFMON and, since Linux 6.16, CAP_SYS_ADMIN): sudo $0" >&2
    exit 1
fi
for tool in gcc bpftrace dotnet; do
    command -v "$tool" > /dev/null || { echo "bench/trace/run.sh: '$tool' not found" >&2; exit 1; }
done
echo '#include <sys/sdt.h>' | gcc -E -x c - > /dev/null 2>&1 || { echo "bench/trace/run.sh: <sys/sdt.h> missing: apt-get install systemtap-sdt-dev" >&2; exit 1; }

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=measure.sh
source "$here/measure.sh"
repo=$(cd "$here/../.." && pwd)
N_PROBES=${N_PROBES:-2000000}
N_BPFTRACE=${N_BPFTRACE:-300000}
RING=${RING:-8388608}
BT_PAGES=${BT_PAGES:-1024}
PACED_RATE=${PACED_RATE:-50000}
WARMUP=${WARMUP:-100000}
N_DRAIN=${N_DRAIN:-3000000}
N_DRAIN_BT=${N_DRAIN_BT:-1000000}
DRAIN_RING=${DRAIN_RING:-1073741824}
DRAIN_BT_PAGES=${DRAIN_BT_PAGES:-32768}
RUNS=${RUNS:-5}
PROBES=${PROBES:-$repo/src/Probes.Consumer/bin/Release/net10.0/probes}

work=$(mktemp -d /tmp/tracebench.XXXXXX)
shm=$(mktemp -d /dev/shm/tracebench.XXXXXX)
started=()
cleanup() {
    local pid
    for pid in "${started[@]}"; do
        kill -TERM "$pid" 2> /dev/null || true
    done
    wait 2> /dev/null || true
    rm -rf "$work" "$shm"
}
trap cleanup EXIT

log() { echo "# $*" >&2; }

if [[ ${SKIP_BUILD:-0} != 1 ]]; then
    log "building probes (Release)"
    dotnet build "$repo/src/Probes.Consumer" -c Release -nologo -v q > "$work/build.log" 2>&1 || { cat "$work/build.log" >&2; exit 1; }
    dotnet build "$here/WriterCost" -c Release -nologo -v q > "$work/build.log" 2>&1 || { cat "$work/build.log" >&2; exit 1; }
fi
gcc -O2 -Wall -o "$work/fixture" "$here/fixture.c"
FIX=$work/fixture
BT_FIELDS='printf("{\"time\":%llu,\"pid\":%d,\"tid\":%d,\"comm\":\"%s\",\"probe\":\"bench:hit\",\"args\":[%lld,%lld]}\n", nsecs, pid, tid, comm, arg0, arg1)'
BT_PROGRAM="BEGIN { printf(\"READY\\n\") } usdt:$FIX:bench:hit { $BT_FIELDS }"

# Waits until FILE contains PATTERN (grep -E), up to 30 s; fails otherwise.
wait_for() {
    local file=$1 pattern=$2 i
    for ((i = 0; i < 3000; i++)); do
        grep -qE "$pattern" "$file" 2> /dev/null && return 0
        sleep 0.01
    done
    echo "bench/trace/run.sh: timed out waiting for '$pattern' in $file:" >&2
    cat "$file" >&2
    return 1
}


# Waits until FILE stops growing (the reader caught up), at most 10 s.
wait_quiet() {
    local file=$1 last=-1 size i
    for ((i = 0; i < 100; i++)); do
        size=$(stat -c %s "$file")
        [[ $size == "$last" ]] && return 0
        last=$size
        sleep 0.2
    done
}

stop() {
    kill -TERM "$1" 2> /dev/null || true
    wait "$1" 2> /dev/null || true
}


# Fires the uncounted warm-up hits and sets warm_traced to how many of them a tracer can
# have seen. A loop under 50 ns/hit was not trapped at all although its semaphore was
# raised (seen here with `probes trace` sessions started shortly after another one, see
# README): then none of its hits count, and the case is reported on stderr.
warm_up() {
    local line ns
    line=$("$FIX" "$WARMUP" 0 10) || { echo "bench/trace/run.sh: fixture failed under $1 (semaphore never raised?)" >&2; return 1; }
    ns=$(field ns_per_hit "$line")
    warm_traced=$WARMUP
    if awk -v ns="$ns" 'BEGIN { exit !(ns < 50) }'; then
        log "WARNING: $1: the warm-up loop ran untrapped ($ns ns/hit) although its semaphore was raised"
        echo "$1 warm-up untrapped: $line" >> "$work/untrapped"
        warm_traced=0
    fi
}

# One ingest run. Prints: tracer n rate(0=burst) fired received lost fix_rate ns_per_hit probe_ns cpu_ns_per_event
ingest() {
    local tracer=$1 n=$2 rate=$3 pid out fixline received lost cpu0 cpu1
    if [[ $tracer == probes ]]; then
        "$PROBES" trace "$FIX" --probe bench:hit --json --ring-size "$RING" > /dev/null 2> "$work/p.err" &
        pid=$!
        started+=("$pid")
        wait_for "$work/p.err" attached
    else
        BPFTRACE_PERF_RB_PAGES=$BT_PAGES bpftrace -B line -e "$BT_PROGRAM" > "$work/bt.out" 2> "$work/bt.err" &
        pid=$!
        started+=("$pid")
        wait_for "$work/bt.out" '^READY$'
    fi
    # Warm-up hits (not counted): the tracer's first events pay for JIT / page faults.
    warm_up "$tracer" || { stop "$pid"; return 1; }
    sleep 0.3
    cpu0=$(cpu_ns "$pid")
    if ! fixline=$("$FIX" "$n" "$rate" 10); then
        echo "bench/trace/run.sh: fixture failed under $tracer (semaphore never raised?)" >&2
        stop "$pid"
        return 1
    fi
    if [[ $tracer == probes ]]; then
        sleep 0.3 # a poll interval or a few: let the reader catch up before reading its CPU time
        cpu1=$(cpu_ns "$pid")
        stop "$pid"
        out=$(grep -E '^probes: [0-9]+ events' "$work/p.err")
        received=$(($(sed -nE 's/^probes: ([0-9]+) events, ([0-9]+) lost.*/\1/p' <<< "$out") - warm_traced))
        lost=$(sed -nE 's/^probes: ([0-9]+) events, ([0-9]+) lost.*/\2/p' <<< "$out")
    else
        wait_quiet "$work/bt.out"
        cpu1=$(cpu_ns "$pid")
        stop "$pid"
        received=$(($(grep -c '^{"time"' "$work/bt.out" || true) - warm_traced))
        # bpftrace reports perf-buffer loss as "Lost N events" (if at all): count what it delivered.
        local said
        said=$(cat "$work/bt.out" "$work/bt.err" | sed -nE 's/.*Lost ([0-9]+) events.*/\1/p' | awk '{ s += $1 } END { print s + 0 }')
        lost=$((n - received))
        [[ -n $said && $said != 0 ]] && log "bpftrace said: Lost $said events"
    fi
    local fired
    fired=$(field fired "$fixline")
    echo "$tracer $n $rate $fired $received $lost $(field rate "$fixline") $(field ns_per_hit "$fixline") $(field probe_ns_per_hit "$fixline") $(((cpu1 - cpu0) / (received > 0 ? received : 1)))"
}

# Highest lossless rate: the burst if it is lossless, else bisection on the paced rate.
max_lossless() {
    local tracer=$1 n=$2 line lo hi mid best="" i
    line=$(ingest "$tracer" "$n" 0)
    log "$line"
    echo "$line" > "$work/$tracer.burst"
    read -r _ _ _ _ _ lost burst _ <<< "$line"
    if [[ $lost == 0 ]]; then
        echo "burst $line"
        return
    fi
    lo=0
    hi=${burst%.*}
    for ((i = 0; i < 5; i++)); do
        mid=$(((lo + hi) / 2))
        # about 2 s of events, and always many ring-fulls
        line=$(ingest "$tracer" $((mid * 2 > 500000 ? mid * 2 : 500000)) "$mid")
        log "$line"
        read -r _ _ _ _ _ lost _ <<< "$line"
        if [[ $lost == 0 ]]; then
            lo=$mid
            best=$line
        else
            hi=$mid
        fi
    done
    echo "paced ${best:-none}"
}

# Reader capacity alone: stop the tracer (SIGSTOP), fire N hits into a buffer big enough to
# hold them all, resume it (SIGCONT) and time how long it takes to write them out: from
# SIGCONT to its CPU time's last increase (sampled every 20 ms; done after 200 ms without
# change). SINK "file" writes to tmpfs so that the lines can be counted; "null" is /dev/null
# (probes: its own count; bpftrace: not countable, "-").
# Prints: label sink n fired received drain_s events_per_s cpu_ns_per_event loop_ns_per_hit
drain() {
    local label=$1 n=$2 sink=$3 pid out fixline c0 c last t0 tlast still=0 bufmode=line
    [[ $sink == file ]] && out=$shm/$label.out || out=/dev/null
    case $label in
    probes*)
        # probes-past-threshold: a 64 MiB ring, so that the hits pass its 1/4-ring (16 MiB) wake-up threshold
        "$PROBES" trace "$FIX" --probe bench:hit --json --ring-size "$([[ $label == probes ]] && echo "$DRAIN_RING" || echo 67108864)" > "$out" 2> "$work/d.err" &
        pid=$!
        started+=("$pid")
        wait_for "$work/d.err" attached
        ;;
    bpftrace-*)
        bufmode=${label#bpftrace-}
        # -B full shows READY only at exit, and /dev/null shows nothing: wait 1 s (start-up is < 0.2 s).
        BPFTRACE_PERF_RB_PAGES=$DRAIN_BT_PAGES bpftrace -B "$bufmode" -e "$BT_PROGRAM" > "$out" 2> /dev/null &
        pid=$!
        started+=("$pid")
        sleep 1
        ;;
    esac
    warm_up "$label" || { stop "$pid"; return 1; }
    sleep 0.5
    kill -STOP "$pid"
    fixline=$("$FIX" "$n" 0 10)
    c0=$(cpu_ns "$pid")
    last=$c0
    t0=$EPOCHREALTIME
    tlast=$t0
    kill -CONT "$pid"
    while ((still < 10)); do
        sleep 0.02
        c=$(cpu_ns "$pid")
        if ((c != last)); then
            last=$c
            tlast=$EPOCHREALTIME
            still=0
        else
            still=$((still + 1))
        fi
    done
    stop "$pid"
    local got=-
    if [[ $sink == file ]]; then
        got=$(($(grep -c '^{"time"' "$out" || true) - warm_traced))
        rm -f "$out"
    elif [[ $label == probes* ]]; then
        got=$(($(sed -nE 's/^probes: ([0-9]+) events.*/\1/p' "$work/d.err") - warm_traced))
    fi
    awk -v l="$label" -v s="$sink" -v n="$n" -v f="$(field fired "$fixline")" -v got="$got" -v t0="$t0" -v t1="$tlast" -v cpu=$((last - c0)) -v hit="$(field ns_per_hit "$fixline")" \
        'BEGIN { d = t1 - t0; printf "%s %s %d %d %s %.2f %.0f %.0f %.0f\n", l, s, n, f, got, d, n / d, cpu / n, hit }'
}

# Start-up: exec -> "attached"/READY, timestamped by a reader loop ($EPOCHREALTIME, no fork).
stamp() {
    local line
    while IFS= read -r line; do
        printf '%s %s\n' "$EPOCHREALTIME" "$line"
    done
}
startup() {
    local tracer=$1 t0 pid t1
    : > "$work/st.txt"
    t0=$EPOCHREALTIME
    if [[ $tracer == probes ]]; then
        "$PROBES" trace "$FIX" --probe bench:hit --json > /dev/null 2> >(stamp > "$work/st.txt") &
        pid=$!
        started+=("$pid")
        wait_for "$work/st.txt" attached
        t1=$(grep -m1 attached "$work/st.txt" | cut -d' ' -f1)
    else
        bpftrace -B line -e "$BT_PROGRAM" > >(stamp > "$work/st.txt") 2> /dev/null &
        pid=$!
        started+=("$pid")
        wait_for "$work/st.txt" ' READY$'
        t1=$(grep -m1 ' READY$' "$work/st.txt" | cut -d' ' -f1)
    fi
    stop "$pid"
    echo "$t0 $t1" | awk '{ printf "%.0f\n", ($2 - $1) * 1000 }'
}
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
log "load before: $load_before"

# Warm-up (page cache, JIT-independent: each run is a fresh process anyway).
startup probes > /dev/null
startup bpftrace > /dev/null

log "start-up x$RUNS"
p_starts=() b_starts=()
for ((r = 0; r < RUNS; r++)); do
    p_starts+=("$(startup probes)")
    b_starts+=("$(startup bpftrace)")
done
p_start=$(printf '%s\n' "${p_starts[@]}" | median)
b_start=$(printf '%s\n' "${b_starts[@]}" | median)

log "ingest"
p_max=$(max_lossless probes "$N_PROBES")
b_max=$(max_lossless bpftrace "$N_BPFTRACE")
log "same paced rate: $PACED_RATE/s"
p_paced=$(ingest probes $((PACED_RATE * 2)) "$PACED_RATE")
b_paced=$(ingest bpftrace $((PACED_RATE * 2)) "$PACED_RATE")
log "reader capacity alone (tracer stopped while the loop fires, then resumed)"
drains=()
for spec in "probes $N_DRAIN null" "probes $N_DRAIN file" "bpftrace-line $N_DRAIN_BT file" "bpftrace-full $N_DRAIN_BT file" "bpftrace-full $N_DRAIN_BT null" "probes-past-threshold 600000 null"; do
    # shellcheck disable=SC2086
    drains+=("$(drain $spec)")
    log "${drains[-1]}"
done
log "TraceEventWriter alone (no kernel)"
writer_cost=$("$here/WriterCost/bin/Release/net10.0/WriterCost" 2000000)
log "start-up pieces (no kernel attach): BTF parse, program load per site"
btf_cost=$("$here/WriterCost/bin/Release/net10.0/WriterCost" btf)
load_cost=$("$here/WriterCost/bin/Release/net10.0/WriterCost" load "$FIX")

load_after=$(cut -d' ' -f1-3 /proc/loadavg)

row() {
    # $1 = label, rest = ingest line
    local label=$1
    shift
    read -r tracer n rate fired received lost fixrate nsper probens cpuper <<< "$*"
    printf '| %s | %s | %s | %s | %s | %s | %.0f | %.0f | %.0f | %s |\n' "$label" "$tracer" \
        "$([[ $rate == 0 ]] && echo burst || echo "$rate/s")" "$fired" "$received" "$lost" "$fixrate" "$nsper" "$probens" "$cpuper"
}

echo "### probes trace vs bpftrace: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, $(uname -r), load $load_before -> $load_after"
echo
echo "| run | tracer | pacing | fired | received | lost | events/s (loop) | ns/hit (loop) | ns/hit (probe site) | tracer CPU ns/event |"
echo "|---|---|---|---:|---:|---:|---:|---:|---:|---:|"
for tracer in probes bpftrace; do
    [[ $tracer == probes ]] && m=$p_max || m=$b_max
    read -r kind rest <<< "$m"
    if [[ $kind == burst ]]; then
        row "burst = max lossless" "$rest"
    else
        row "burst (lossy)" "$(< "$work/$tracer.burst")"
        if [[ $rest == none ]]; then
            echo "| max lossless (paced) | $tracer | none found | | | | | | | |"
        else
            row "max lossless (paced)" "$rest"
        fi
    fi
done
row "same rate" "$p_paced"
row "same rate" "$b_paced"
echo
p_best=$(awk '{ print $7 }' <<< "${p_max#* }")
b_best=$(awk '{ print $7 }' <<< "${b_max#* }")
[[ $p_max == "paced none" ]] && p_best=0
[[ $b_max == "paced none" ]] && b_best=0
echo "| start-up to attached (median of $RUNS) | probes | bpftrace |"
echo "|---|---:|---:|"
echo "| ms | $p_start | $b_start |"
echo "| all runs, ms | ${p_starts[*]} | ${b_starts[*]} |"
echo
echo "Reader capacity alone: tracer stopped (SIGSTOP) while the loop fires, then resumed (SIGCONT); events/s while it catches up."
echo "probes ring $((DRAIN_RING >> 20)) MiB (the hits stay under its 1/4-ring wake-up threshold); bpftrace $DRAIN_BT_PAGES pages per CPU."
echo
echo "| reader | output | hits | fired | received | drain s | events/s | reader CPU ns/event | loop ns/hit (reader stopped) |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---:|"
for d in "${drains[@]}"; do
    read -r l sink n f got dur eps cpu hit <<< "$d"
    case $l in
    probes) l="probes trace --json" ;;
    probes-past-threshold) l="probes trace --json, 64 MiB ring (hits pass the 16 MiB wake-up threshold)" ;;
    bpftrace-line) l="bpftrace -B line" ;;
    bpftrace-full) l="bpftrace -B full" ;;
    esac
    [[ $sink == file ]] && sink="tmpfs file" || sink=/dev/null
    echo "| $l | $sink | $n | $f | $got | $dur | $eps | $cpu | $hit |"
done
echo
echo "TraceEventWriter --json alone, synthetic bench:hit record (bench/trace/WriterCost):"
echo
echo '```'
echo "$writer_cost"
echo '```'
echo
echo "Pieces of probes' start-up (bench/trace/WriterCost btf | load FIXTURE):"
echo
echo '```'
echo "$btf_cost"
echo "$load_cost"
echo '```'
echo
if [[ -s $work/untrapped ]]; then
    echo "Untrapped warm-up loops (semaphore raised, breakpoint missing; not counted):"
    echo
    sed 's/^/    /' "$work/untrapped"
    echo
fi
awk -v p="$p_best" -v b="$b_best" 'BEGIN { if (b > 0) printf "highest lossless rate: probes %.0f/s, bpftrace %.0f/s: %.1fx (goal 3x: %s)\n", p, b, p / b, (p >= 3 * b) ? "met" : "NOT met" }'
