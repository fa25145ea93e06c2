#!/usr/bin/env bash
# bench/attach/run.sh: how long `probes trace` and bpftrace take to attach N USDT probes and to
# exit after SIGTERM, side by side in one run (A B A B ...).
#
#   sudo bench/attach/run.sh > report.md     (progress on stderr; about 20-40 minutes)
#
# Cases: a generated C file with N distinct probes (N in SIZES: 1 10 100 500 2000), each behind
# a semaphore (gen_fixture.sh), and libjvm.so's hotspot probes where a JDK is installed. A
# process of the traced file runs during each case, so the kernel puts the breakpoints into a
# live address space and raises its semaphores, as in production.
#
#   attach: $EPOCHREALTIME just before exec, to the time a reader (bash, no fork) sees
#           probes' stderr note "attached ..." / bpftrace's "READY" from BEGIN (which runs
#           after every probe is attached);
#   exit:   SIGTERM to the tracer, to its exit as seen by `wait` (all descriptors closed:
#           the kernel has removed every uprobe and lowered every semaphore by then).
#
# Tracers: probes (the default attach method, uprobe_multi links on this kernel), bpftrace
# 0.17, and probes with PROBES_UPROBE_ATTACH=perf-ioctl (one perf uprobe per site, how probes
# attached before; only for N up to PERF_MAX_N, as its exit takes about 50 ms per site).
#
# Knobs (environment): SIZES ("1 10 100 500 2000"), RUNS (5), RUNS_LARGE (3, for N >= 500 and
# libjvm), WARMUP (1: an unrecorded first run of each tracer per case; 0 for none), PERF_MAX_N (500), JVM (path of libjvm.so, found under /usr/lib/jvm when unset; "none"
# skips it), TIMEOUT (600 s per attach or exit), SKIP_BUILD (0), OUT (bench/attach/results:
# results.tsv, the plot attach.png), APPEND (1: add to OUT's results instead of starting them
# afresh), REPORT_ONLY (1: measure nothing, print the report of OUT's results).
set -euo pipefail

if [[ $(id -u) -ne 0 ]]; then
    echo "bench/attach/run.sh: must run as root (uprobes need CAP_SYS_ADMIN since Linux 6.16, and CAP_BPF): sudo $0" >&2
    exit 1
fi
for tool in gcc bpftrace dotnet hyperfine; do
    command -v "$tool" > /dev/null || { echo "bench/attach/run.sh: '$tool' not found" >&2; exit 1; }
done
echo '#include <sys/sdt.h>' | gcc -E -x c - > /dev/null 2>&1 || { echo "bench/attach/run.sh: <sys/sdt.h> missing: apt-get install systemtap-sdt-dev" >&2; exit 1; }

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
SIZES=${SIZES:-1 10 100 500 2000}
RUNS=${RUNS:-5}
RUNS_LARGE=${RUNS_LARGE:-3}
PERF_MAX_N=${PERF_MAX_N:-500}
TIMEOUT=${TIMEOUT:-600}
OUT=${OUT:-$here/results}
JVM=${JVM:-$(find /usr/lib/jvm -name libjvm.so -path '*server*' -exec readlink -f {} \; 2> /dev/null | sort -u | head -1)}
# PROBES=artifacts/probes-linux-x64/probes (scripts/publish-native.sh) times the shipped native
# executable; the default is the IL build this script compiles.
PROBES=${PROBES:-$repo/src/Probes.Consumer/bin/Release/net10.0/probes}

# bpftrace 0.17 refuses more than 512 programs ("trying to generate more than 2000 BPF
# programs") and to attach more than 512 probes: it makes one program and one perf event per
# site, so raise both limits above the largest case.
export BPFTRACE_MAX_BPF_PROGS=${BPFTRACE_MAX_BPF_PROGS:-10000}
export BPFTRACE_MAX_PROBES=${BPFTRACE_MAX_PROBES:-10000}
work=$(mktemp -d /tmp/attachbench.XXXXXX)
tracer_pid=""
target=""
cleanup() {
    # Only what this script started and has not reaped yet (a reaped pid may belong to someone else now).
    [[ -n $tracer_pid ]] && kill -KILL "$tracer_pid" 2> /dev/null
    [[ -n $target ]] && kill -KILL "$target" 2> /dev/null
    wait 2> /dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
log() { echo "# $*" >&2; }

if [[ ${SKIP_BUILD:-0} != 1 ]]; then
    log "building probes (Release)"
    dotnet build "$repo/src/Probes.Consumer" -c Release -nologo -v q > "$work/build.log" 2>&1 || { cat "$work/build.log" >&2; exit 1; }
fi
mkdir -p "$OUT"

# Prints "ms" between two $EPOCHREALTIME values.
elapsed_ms() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (b - a) * 1000 }'; }

# Reads lines from stdin and writes each with the time it was read; bash builtins only.
stamp() { local line; while IFS= read -r line; do printf '%s %s\n' "$EPOCHREALTIME" "$line"; done; }

# One run of one tracer: prints "ATTACH_MS EXIT_MS". $1 = tracer name, $2 = case, $3 = target file.
measure() {
    local tracer=$1 case=$2 file=$3 lines=$work/lines.$RANDOM marker t0 t1 t2 pid i seen=""
    : > "$lines"
    case $tracer in
        probes | probes-perf)
            marker=' attached '
            local env=()
            [[ $tracer == probes-perf ]] && env=(PROBES_UPROBE_ATTACH=perf-ioctl)
            t0=$EPOCHREALTIME
            env "${env[@]}" "$PROBES" trace "$file" --probe "$(selector "$case")" > /dev/null 2> >(stamp > "$lines") &
            pid=$!
            ;;
        bpftrace)
            marker=' READY'
            t0=$EPOCHREALTIME
            bpftrace -B line -e "BEGIN { printf(\"READY\\n\") } usdt:$file:$(bt_selector "$case") { @hits = count(); }" > >(stamp > "$lines") 2> "$lines.err" &
            pid=$!
            ;;
    esac
    tracer_pid=$pid
    for ((i = 0; i < TIMEOUT * 500; i++)); do
        seen=$(grep -m1 -- "$marker" "$lines" 2> /dev/null || true)
        [[ -n $seen ]] && break
        if ! kill -0 "$pid" 2> /dev/null; then
            echo "bench/attach/run.sh: $tracer exited before attaching ($case):" >&2
            cat "$lines" "$lines.err" >&2 2> /dev/null || true
            exit 1
        fi
        sleep 0.002
    done
    [[ -n $seen ]] || { echo "bench/attach/run.sh: $tracer did not attach within $TIMEOUT s ($case)" >&2; exit 1; }
    t1=${seen%% *}
    sleep 0.5 # let it settle: the exit is measured on its own
    t2=$EPOCHREALTIME
    kill -TERM "$pid"
    # bpftrace 0.17 now and then ignores a SIGTERM that comes soon after BEGIN (seen here: it
    # sat in epoll_wait for minutes until a second one): resend it every second, saying so; the
    # exit is still timed from the first.
    (
        sleep 1
        while kill -TERM "$pid" 2> /dev/null; do
            log "  $tracer ($case): still running, SIGTERM sent again"
            sleep 1
        done
    ) &
    local resender=$!
    wait "$pid" 2> /dev/null || true
    local t3=$EPOCHREALTIME
    kill "$resender" 2> /dev/null || true
    wait "$resender" 2> /dev/null || true
    tracer_pid=""
    echo "$(elapsed_ms "$t0" "$t1") $(elapsed_ms "$t2" "$t3")"
    rm -f "$lines" "$lines.err"
}

# What probes created in the kernel for a case (its --verbose attach line), untimed.
summary() {
    local file=$1 case=$2 pid line
    : > "$work/verbose" # emptied here, not by the redirection below, which may come after the first grep
    "$PROBES" trace "$file" --probe "$(selector "$case")" --verbose > /dev/null 2> "$work/verbose" &
    pid=$!
    for ((i = 0; i < TIMEOUT * 100; i++)); do grep -q ' attached ' "$work/verbose" && break; sleep 0.01; done
    kill -TERM "$pid"
    wait "$pid" 2> /dev/null || true
    line=$(grep -m1 'attach: ' "$work/verbose" | sed 's/.*attach: //')
    echo "$line"
}

selector() { [[ $1 == libjvm ]] && echo '*:*' || echo 'bench:*'; }
bt_selector() { [[ $1 == libjvm ]] && echo '*:*' || echo 'bench:*'; }

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) exit; if (NR % 2) print v[(NR + 1) / 2]; else printf "%.1f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

results=$OUT/results.tsv
if [[ ${APPEND:-0} != 1 && ${REPORT_ONLY:-0} != 1 ]]; then
    printf 'case\tprobes\ttracer\trun\tattach_ms\texit_ms\n' > "$results"
    : > "$OUT/created.tsv"
fi

cases=()
for n in $SIZES; do cases+=("$n"); done
[[ -n $JVM && $JVM != none && -f $JVM ]] && cases+=(libjvm)
[[ ${REPORT_ONLY:-0} == 1 ]] && cases=()

for case in "${cases[@]}"; do
    if [[ $case == libjvm ]]; then
        file=$JVM
        count=$(readelf -n "$file" | grep -c 'Provider:')
        # A process that maps libjvm.so: the JVM itself, idle.
        java=$(dirname "$(dirname "$(dirname "$file")")")/bin/java
        echo 'public class Idle { public static void main(String[] a) throws Exception { System.out.println("ready"); Thread.sleep(86400000L); } }' > "$work/Idle.java"
        "$java" "$work/Idle.java" > "$work/target.out" 2>&1 &
    else
        count=$case
        "$here/gen_fixture.sh" "$case" > "$work/fixture$case.c"
        gcc -O2 -o "$work/fixture$case" "$work/fixture$case.c"
        file=$work/fixture$case
        "$file" > "$work/target.out" &
    fi
    target=$!
    for ((i = 0; i < 3000; i++)); do grep -q ready "$work/target.out" 2> /dev/null && break; sleep 0.01; done
    runs=$RUNS
    [[ $case == libjvm || $case -ge 500 ]] && runs=$RUNS_LARGE
    tracers=(probes bpftrace)
    [[ $case != libjvm && $case -le $PERF_MAX_N ]] && tracers+=(probes-perf)
    log "case $case: $count probe sites in $file, $runs runs of ${tracers[*]}$( ((${WARMUP:-1} > 0)) && echo ' (plus one warm-up each)')"
    created=$(summary "$file" "$case")
    log "  probes --verbose: $created"
    printf '%s\t%s\n' "$case" "$created" >> "$OUT/created.tsv"
    for ((run = 1 - ${WARMUP:-1}; run <= runs; run++)); do
        for tracer in "${tracers[@]}"; do
            measure "$tracer" "$case" "$file" > "$work/measured"
            read -r attach exit_ms < "$work/measured"
            log "  run $run $tracer: attach $attach ms, exit $exit_ms ms"
            ((run > 0)) && printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$case" "$count" "$tracer" "$run" "$attach" "$exit_ms" >> "$results"
        done
    done
    kill -KILL "$target" 2> /dev/null || true
    wait "$target" 2> /dev/null || true
    target=""
done

# The report covers every case in the results (those of earlier APPEND runs too).
mapfile -t cases < <(awk -F'\t' 'NR > 1 && !seen[$1]++ { print $1 }' "$results")

# .NET start-up: the part of the 1-probe attach any `probes` command pays before its own work.
log "start-up: probes --version, bpftrace --version (hyperfine)"
hyperfine -N --warmup 3 --runs 20 --export-json "$work/startup.json" "$PROBES --version" "bpftrace --version" > /dev/null 2>&1
startup=$(grep -o '"median": [0-9.]*' "$work/startup.json" | awk '{ printf "%.1f ", $2 * 1000 }')

# The report: medians per case and tracer, ratios to bpftrace.
medians=$OUT/medians.tsv
printf 'probes\tprobes_attach\tbpftrace_attach\tperf_attach\tprobes_exit\tbpftrace_exit\tperf_exit\n' > "$medians"
echo "| case | probe sites | probes attach ms | bpftrace attach ms | ratio | probes exit ms | bpftrace exit ms | ratio | probes (perf-ioctl) attach / exit ms |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
for case in "${cases[@]}"; do
    row() { awk -F'\t' -v c="$case" -v t="$1" -v col="$2" '$1 == c && $3 == t { print $col }' "$results" | median; }
    pa=$(row probes 5); pe=$(row probes 6); ba=$(row bpftrace 5); be=$(row bpftrace 6)
    fa=$(row probes-perf 5); fe=$(row probes-perf 6)
    count=$(awk -F'\t' -v c="$case" '$1 == c { print $2; exit }' "$results")
    ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3g", a / b; else print "-" }'; }
    echo "| $case | $count | $pa | $ba | $(ratio "$pa" "$ba") | $pe | $be | $(ratio "$pe" "$be") | ${fa:--} / ${fe:--} |"
    [[ $case != libjvm ]] && printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$count" "$pa" "$ba" "${fa:-NaN}" "$pe" "$be" "${fe:-NaN}" >> "$medians"
done
read -r probes_startup bpftrace_startup <<< "$startup"
echo
echo "What probes created in the kernel (its \`--verbose\` attach line):"
echo
awk -F'\t' '{ printf "- %s: %s\n", $1, $2 }' "$OUT/created.tsv"
echo
echo "Start-up alone (hyperfine, median of 20): \`probes --version\` $probes_startup ms, \`bpftrace --version\` $bpftrace_startup ms."

if command -v gnuplot > /dev/null; then
    gnuplot -e "medians='$medians'; output='$OUT/attach.png'" "$here/plot.gp" && log "plot: $OUT/attach.png"
else
    log "gnuplot not installed (apt-get install gnuplot-nox): no plot"
fi
