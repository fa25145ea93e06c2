#!/usr/bin/env bash
# bench/phases: what a phase costs the traced application with `probes phases` attached (phases
# paired in the kernel, the default) against bpftrace `count()` on phase_begin and phase_end,
# side by side in one run (A B A B ...), and at the sample's maximum load the count against the
# sample's own, with the consumer's CPU and peak RSS, per-event mode against in-kernel; then
# PROCS samples at once at maximum load, traced at the file level, the same way.
# Root. Knobs: ROUNDS (4), LOAD_S (4), MAX_S (30), N_FLOOR (100000), PROCS (16),
# PROCS_S (MAX_S), PROCS_THREADS (1), PCT_REQUESTS (200), SECTIONS ("cost max procs"; "programs"
# and "percentiles" are extra: which parts run), SKIP_BUILD=1.
# Prints a Markdown report on stdout, progress on stderr.
set -euo pipefail
[[ $(id -u) == 0 ]] || { echo "bench/phases/run.sh: must run as root (uprobes and BPF)" >&2; exit 5; }
cd "$(dirname "$0")/../.."
ROUNDS=${ROUNDS:-4} LOAD_S=${LOAD_S:-4} MAX_S=${MAX_S:-30} N_FLOOR=${N_FLOOR:-100000}
PCT_REQUESTS=${PCT_REQUESTS:-200} PROCS=${PROCS:-16} PROCS_S=${PROCS_S:-$MAX_S} PROCS_THREADS=${PROCS_THREADS:-1} SECTIONS=${SECTIONS:-cost max procs}
section() { [[ " $SECTIONS " == *" $1 "* ]]; }
WORK=$(mktemp -d /tmp/bench-phases.XXXXXX)
trap 'for p in $(jobs -p); do pkill -TERM -P "$p" 2>/dev/null; kill -TERM "$p" 2>/dev/null; done; rm -rf "$WORK"' EXIT
log() { echo "bench/phases: $*" >&2; }

if [[ -z ${SKIP_BUILD:-} ]]; then
  log "building the consumer and the sample (Release)"
  dotnet build src/Probes.Consumer -c Release -nologo -clp:ErrorsOnly >&2
  dotnet build samples/Probes.Sample -c Release -nologo -clp:ErrorsOnly >&2
fi
PROBES=src/Probes.Consumer/bin/Release/net10.0/probes
SAMPLE_DIR=samples/Probes.Sample/bin/Release/net10.0
LIB=$(readlink -f "$SAMPLE_DIR/runtimes/linux-x64/native/libprobes.so")
FLOOR="$WORK/usdt_floor"
gcc -O2 -o "$FLOOR" bench/native/usdt_floor.c -ldl

BT_PHASES="usdt:$LIB:probes:phase_begin { @b = count(); } usdt:$LIB:probes:phase_end { @e = count(); }"
BT_SITE="usdt:$FLOOR:floor:hit { @h = count(); }"

# start_bpftrace NAME PROGRAM: runs bpftrace in the background until stop; waits until attached.
start_bpftrace() {
  bpftrace -e "BEGIN { printf(\"READY\\n\") } $2" > "$WORK/$1.out" 2> "$WORK/$1.err" &
  echo $! > "$WORK/$1.pid"
  for _ in $(seq 600); do grep -q READY "$WORK/$1.out" 2>/dev/null && return; sleep 0.05; done
  log "bpftrace $1 did not attach"; cat "$WORK/$1.err" >&2; exit 1
}
# start_probes NAME ARGS...: `probes phases LIB ARGS`, under GNU time for CPU and peak RSS.
start_probes() {
  local name=$1; shift
  /usr/bin/time -f "%U %S %M" -o "$WORK/$name.time" "$PROBES" phases "$LIB" --format json "$@" > "$WORK/$name.out" 2> "$WORK/$name.err" &
  echo $! > "$WORK/$name.pid"
  for _ in $(seq 600); do grep -q attached "$WORK/$name.err" 2>/dev/null && return; sleep 0.05; done
  log "probes $name did not attach"; cat "$WORK/$name.err" >&2; exit 1
}
stop() {
  local pid; pid=$(cat "$WORK/$1.pid")
  # SIGTERM to the tracer itself (GNU time passes none on; a background job of a script
  # starts with SIGINT ignored), then wait for the wrapper.
  local child; child=$(pgrep -P "$pid" || true)
  kill -TERM "${child:-$pid}" 2>/dev/null || true
  # bpftrace 0.17 has been seen to miss a SIGTERM (parked in epoll_wait): kill it after 10 s.
  for _ in $(seq 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# One measurement with tracer A (bpftrace) or B (probes) attached: the C floor's begin+end pair
# (thread CPU ns, median of 5 rounds) and the sample's CPU per phase at 1 and 2 threads.
measure() {
  local tracer=$1 round=$2
  if [[ $tracer == bpftrace ]]; then
    start_bpftrace bt "$BT_PHASES $BT_SITE"
  else
    start_bpftrace site "$BT_SITE"
    start_probes probes
  fi
  local pair; pair=$("$FLOOR" -n "$N_FLOOR" -r 5 -w 20 "$LIB" | awk '$1 == "shim-pair" { print $4 }' || true)
  local t1 t2
  t1=$(dotnet "$SAMPLE_DIR/Probes.Sample.dll" --wait-for-tracer 20 --load "$LOAD_S" --load-threads 1 | sed -n 's/^load phases=\([0-9]*\) cpu_ms=\([0-9]*\)$/\1 \2/p')
  t2=$(dotnet "$SAMPLE_DIR/Probes.Sample.dll" --wait-for-tracer 20 --load "$LOAD_S" --load-threads 2 | sed -n 's/^load phases=\([0-9]*\) cpu_ms=\([0-9]*\)$/\1 \2/p')
  if [[ $tracer == bpftrace ]]; then stop bt; else stop probes; stop site; fi
  echo "$round $tracer $pair $t1 $t2" >> "$WORK/cost.txt"
  log "round $round $tracer: C pair ${pair} ns, sample 1 thread ${t1}, 2 threads ${t2} (phases cpu_ms)"
}

if section cost; then
log "cost per phase: $ROUNDS rounds of bpftrace count() then probes phases, $LOAD_S s of load each"
for round in $(seq "$ROUNDS"); do measure bpftrace "$round"; measure probes "$round"; done

echo "## bench/phases: cost per phase, \`probes phases\` (in-kernel pairing) against bpftrace \`count()\`"
echo
echo "$(date -u '+%Y-%m-%d %H:%M UTC'), load average $(cut -d' ' -f1-3 /proc/loadavg), $ROUNDS rounds A B A B, \`ROUNDS=$ROUNDS LOAD_S=$LOAD_S N_FLOOR=$N_FLOOR\`"
echo
echo "| round | C floor pair, bpftrace (ns) | C floor pair, probes (ns) | ratio | .NET 1 thread, bpftrace (ns/phase) | probes | ratio | .NET 2 threads, bpftrace | probes | ratio |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
awk '
  { key = $1; if ($2 == "bpftrace") { bp[key] = $3; b1[key] = $5 * 1e6 / $4; b2[key] = $7 * 1e6 / $6 }
    else { pp[key] = $3; p1[key] = $5 * 1e6 / $4; p2[key] = $7 * 1e6 / $6 } }
  END { for (r = 1; r in bp; r++) {
      printf "| %d | %.0f | %.0f | %.3f | %.0f | %.0f | %.3f | %.0f | %.0f | %.3f |\n", r, bp[r], pp[r], pp[r] / bp[r], b1[r], p1[r], p1[r] / b1[r], b2[r], p2[r], p2[r] / b2[r]
      sc += pp[r] / bp[r]; s1 += p1[r] / b1[r]; s2 += p2[r] / b2[r]; n++ }
    printf "| mean | | | %.3f | | | %.3f | | | %.3f |\n", sc / n, s1 / n, s2 / n }' "$WORK/cost.txt"
fi

# The programs alone: with kernel.bpf_stats_enabled the kernel times every BPF program run
# (run_time_ns, run_cnt). The C floor's pair under each tracer in turn (A B A B); the programs
# that ran at least once per pair are the tracer's phase_begin and phase_end programs. What they
# cost per pair, next to the pair's thread CPU, says how much of the ratio is program body.
# Needs bpftool.
program_ns() {  # program_ns PID MIN_RUNS: "runs ns" summed over that process's busy programs
  local id total_ns=0 total_runs=0
  # A program's fd and its links' fds all name its prog_id: each program once.
  for id in $(sed -n 's/^prog_id:\s*//p' /proc/"$1"/fdinfo/* 2>/dev/null | sort -un); do
    read -r runs ns name < <(bpftool prog show id "$id" --json | python3 -c 'import json,sys; p=json.load(sys.stdin); print(p.get("run_cnt", 0), p.get("run_time_ns", 0), p.get("name", "?"))')
    if (( runs >= $2 )); then
      total_ns=$((total_ns + ns)); total_runs=$((total_runs + runs))
      log "  program $name: $runs runs, $((ns / runs)) ns each"
    fi
  done
  echo "$total_runs $total_ns"
}
if section programs; then
  command -v bpftool > /dev/null || { log "programs: bpftool is missing (apt-get install bpftool)"; exit 3; }
  stats_before=$(sysctl -n kernel.bpf_stats_enabled)
  sysctl -q -w kernel.bpf_stats_enabled=1
  log "programs: $ROUNDS rounds of the C floor's pair under bpftrace count() then probes phases"
  for round in $(seq "$ROUNDS"); do
    for tracer in bpftrace probes; do
      start_bpftrace site "$BT_SITE"
      if [[ $tracer == bpftrace ]]; then start_bpftrace prog "$BT_PHASES"; else start_probes prog; fi
      pair=$("$FLOOR" -n "$N_FLOOR" -r 5 -w 20 "$LIB" | awk '$1 == "shim-pair" { print $4 }')
      tracer_pid=$(cat "$WORK/prog.pid"); [[ $tracer == probes ]] && tracer_pid=$(pgrep -P "$tracer_pid")
      read -r runs ns < <(program_ns "$tracer_pid" "$N_FLOOR")
      stop prog; stop site
      echo "$round $tracer $pair $runs $ns" >> "$WORK/programs.txt"
      log "programs round $round $tracer: pair ${pair} ns, ${runs} program runs, ${ns} ns in them"
    done
  done
  sysctl -q -w kernel.bpf_stats_enabled="$stats_before"
  echo
  echo "## bench/phases: the BPF programs alone (kernel.bpf_stats_enabled), C floor pair"
  echo
  echo "$(date -u '+%Y-%m-%d %H:%M UTC'), load average $(cut -d' ' -f1-3 /proc/loadavg), \`ROUNDS=$ROUNDS N_FLOOR=$N_FLOOR SECTIONS=programs\`"
  echo
  echo "| round | bpftrace: pair CPU (ns) | its programs per pair (ns) | probes: pair CPU (ns) | its programs per pair (ns) | pair difference (ns) | program difference (ns) |"
  echo "|---|---:|---:|---:|---:|---:|---:|"
  awk '
    { r = $1; per = $5 / $4 * 2; if ($2 == "bpftrace") { bc[r] = $3; bp[r] = per } else { pc[r] = $3; pp[r] = per } }
    END { for (r = 1; r in bc; r++) {
        printf "| %d | %.0f | %.0f | %.0f | %.0f | %.0f | %.0f |\n", r, bc[r], bp[r], pc[r], pp[r], pc[r] - bc[r], pp[r] - bp[r]
        sb += bp[r]; sp += pp[r]; sd += pc[r] - bc[r]; n++ }
      printf "| mean | | %.0f | | %.0f | %.0f | %.0f |\n", sb / n, sp / n, sd / n, (sp - sb) / n }' "$WORK/programs.txt"
fi

# Percentiles from the kernel's buckets against the exact ones, in one kernel-mode run: with
# `--slow 1ns` the program also sends every end with the duration it measured, so the report
# holds both the bucket percentiles and every instance (the 1,000 slowest are kept: PCT_REQUESTS
# stays under ~240). Exact p50/p90/p99 by nearest rank, per phase.
if section percentiles; then
  log "percentiles: $PCT_REQUESTS requests under probes phases --slow 1ns"
  start_probes pct --slow 1ns
  dotnet "$SAMPLE_DIR/Probes.Sample.dll" --wait-for-tracer 20 --requests "$PCT_REQUESTS" --interval-ms 0 > /dev/null
  stop pct
  echo
  echo "## bench/phases: percentiles from the kernel's buckets against the exact values"
  echo
  echo "$(date -u '+%Y-%m-%d %H:%M UTC'), \`PCT_REQUESTS=$PCT_REQUESTS SECTIONS=percentiles\`; exact = nearest rank over every instance the same run listed (\`--slow 1ns\`)"
  echo
  python3 - "$WORK/pct.out" <<'PY'
import json, math, sys
report = json.load(open(sys.argv[1]))
slow = report["slow"]
if slow["count"] != len(slow["instances"]):
    sys.exit(f"only {len(slow['instances'])} of {slow['count']} instances were kept; lower PCT_REQUESTS")
durations = {}
for i in slow["instances"]:
    durations.setdefault(i["name"], []).append(i["duration_ns"])
rows = {p["name"]: p for p in report["phases"]}
print("| phase | instances | p50 exact → buckets (ns) | error | p90 exact → buckets | error | p99 exact → buckets | error |")
print("|---|---:|---:|---:|---:|---:|---:|---:|")
worst = 0.0
for name in sorted(durations):
    d = sorted(durations[name]); row = rows[name]
    assert row["count"] == len(d), (name, row["count"], len(d))
    cells = []
    for q in (50, 90, 99):
        exact = d[max(0, math.ceil(q / 100 * len(d)) - 1)]
        got = row[f"p{q}_ns"]
        err = abs(got - exact) / exact * 100 if exact else 0.0
        worst = max(worst, err)
        cells.append(f"{exact} → {got} | {err:.2f}%")
    print(f"| {name} | {len(d)} | " + " | ".join(cells) + " |")
print(f"\nWorst error: {worst:.2f}% (bound: 1.56%, half a bucket's width relative to its lower edge)")
PY
fi

# Maximum load, 2 threads, MAX_S seconds: each mode in turn, the count against the sample's own.
if section max; then
echo
echo "## bench/phases: $MAX_S s at the sample's maximum load, 2 threads"
echo
echo "| mode | sample's own phases | counted | lost | evicted | consumer CPU (s per s traced) | consumer peak RSS (MiB) |"
echo "|---|---:|---:|---:|---:|---:|---:|"
for mode in per-event kernel; do
  extra=(); [[ $mode == per-event ]] && extra=(--per-event)
  start_probes "max-$mode" "${extra[@]}"
  started=$(date +%s.%N)
  own=$(dotnet "$SAMPLE_DIR/Probes.Sample.dll" --wait-for-tracer 20 --load "$MAX_S" --load-threads 2 | sed -n 's/^load phases=\([0-9]*\) .*/\1/p')
  stop "max-$mode"
  traced=$(echo "$(date +%s.%N) - $started" | bc)
  read -r user sys rss < "$WORK/max-$mode.time"
  python3 - "$WORK/max-$mode.out" "$own" "$mode" "$user" "$sys" "$rss" "$traced" <<'PY'
import json, sys
path, own, mode, user, sys_, rss, traced = sys.argv[1:]
r = json.load(open(path))
counted = sum(p["count"] for p in r["phases"] if p["name"] == "Load.Tick")
print(f"| {mode} | {own} | {counted} | {r['lost']} | {r.get('evicted_begins', '-')} | {(float(user) + float(sys_)) / float(traced):.3f} | {int(rss) / 1024:.0f} |")
PY
  log "max load $mode done: $(tail -1 "$WORK/max-$mode.err")"
done
fi

# PROCS samples at once at maximum load (PROCS_THREADS threads each, PROCS_S seconds), traced
# at the file level: each mode in turn, the count against the sum of the samples' own.
if section procs; then
echo
echo "## bench/phases: $PROCS processes at once at maximum load, $PROCS_THREADS thread(s) each, $PROCS_S s, file level"
echo
echo "$(date -u '+%Y-%m-%d %H:%M UTC'), load average $(cut -d' ' -f1-3 /proc/loadavg), \`PROCS=$PROCS PROCS_S=$PROCS_S PROCS_THREADS=$PROCS_THREADS\`"
echo
echo "| mode | processes | their own phases (sum) | counted | lost | evicted | consumer CPU (s per s traced) | consumer peak RSS (MiB) |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|"
for mode in per-event kernel; do
  extra=(); [[ $mode == per-event ]] && extra=(--per-event)
  start_probes "procs-$mode" "${extra[@]}"
  started=$(date +%s.%N)
  samples=()
  for i in $(seq "$PROCS"); do
    dotnet "$SAMPLE_DIR/Probes.Sample.dll" --wait-for-tracer 60 --load "$PROCS_S" --load-threads "$PROCS_THREADS" > "$WORK/procs-$mode-$i.out" 2>&1 &
    samples+=($!)
  done
  wait "${samples[@]}"
  stop "procs-$mode"
  traced=$(echo "$(date +%s.%N) - $started" | bc)
  own=$(cat "$WORK"/procs-"$mode"-*.out | sed -n 's/^load phases=\([0-9]*\) .*/\1/p' | awk '{ s += $1; n++ } END { print s, n }')
  read -r user sys rss < "$WORK/procs-$mode.time"
  python3 - "$WORK/procs-$mode.out" "$own" "$mode" "$user" "$sys" "$rss" "$traced" <<'PY'
import json, sys
path, own, mode, user, sys_, rss, traced = sys.argv[1:]
total, reported = own.split()
r = json.load(open(path))
counted = sum(p["count"] for p in r["phases"] if p["name"] == "Load.Tick")
print(f"| {mode} | {reported} | {total} | {counted} | {r['lost']} | {r.get('evicted_begins', '-')} | {(float(user) + float(sys_)) / float(traced):.3f} | {int(rss) / 1024:.0f} |")
PY
  log "$PROCS processes $mode done: $(tail -1 "$WORK/procs-$mode.err")"
done
fi
