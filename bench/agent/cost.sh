#!/usr/bin/env bash
# bench/agent/cost.sh: what the node agent costs. (1) Its own CPU per second of wall time at
# known phase rates (idle, 10k and 100k phases/s from paced_phases.c, and the sample's maximum on
# 2 threads), from /proc/PID/stat. (2) What a phase costs the traced sample (CPU per phase at 2
# threads) with the agent attached against bpftrace count() on phase_begin and phase_end, A B A B
# in one run, as bench/phases/run.sh measures `probes phases`. (3) With OTLP=1: what exporting
# over OTLP/HTTP (to otlp_sink.py, which answers and decodes nothing) adds, A B C A B C: the agent
# alone, with --otlp-endpoint (histograms, and spans only for what the kernel sends anyway), and
# with --span-threshold 1ns (every phase a span): the sample's CPU per phase and the agent's CPU.
# OTLP=only runs (3) alone.
#   [OTLP=1|only] bench/agent/cost.sh PROBES [ROUNDS] [SECONDS]     root; Markdown on stdout, progress on stderr
# The agent attaches to every libprobes.so on the host: other processes' phases add to its CPU.
set -euo pipefail
[[ $(id -u) == 0 ]] || { echo "bench/agent/cost.sh: must run as root" >&2; exit 5; }
cd "$(dirname "$0")/../.."
probes=$1 rounds=${2:-4} seconds=${3:-5}
SAMPLE_DIR=samples/Probes.Sample/bin/Release/net10.0
LIB=$(readlink -f "$SAMPLE_DIR/runtimes/linux-x64/native/libprobes.so")
work=$(mktemp -d)
agent= bt= sink=
cleanup() { for p in $agent $bt $sink; do kill -TERM "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
gcc -O2 -o "$work/paced" bench/agent/paced_phases.c -ldl
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
ticks=$(getconf CLK_TCK)
cpu() { awk -v t="$ticks" '{ print ($14 + $15) / t }' "/proc/$1/stat"; }
start_agent() {
  "$probes" agent --listen "127.0.0.1:$port" --rescan-interval 0.5 "$@" 2> "$work/agent.err" & agent=$!
  for _ in $(seq 300); do grep -q "agent serving" "$work/agent.err" && return; sleep 0.1; done
  cat "$work/agent.err" >&2; exit 1
}
stop_agent() { kill -TERM "$agent"; wait "$agent" || true; agent=; }
sample_load() { dotnet "$SAMPLE_DIR/Probes.Sample.dll" --wait-for-tracer 30 --load "$seconds" --load-threads 2 | sed -n 's/^load phases=\([0-9]*\) cpu_ms=\([0-9]*\)$/\1 \2/p'; }

if [[ ${OTLP:-0} != only ]]; then
echo "| load | phases/s | agent CPU s per s |"
echo "|---|---:|---:|"
start_agent
sleep 2
before=$(cpu "$agent"); sleep "$seconds"; after=$(cpu "$agent")
echo "| idle | 0 | $(awk -v a="$after" -v b="$before" -v s="$seconds" 'BEGIN { printf "%.4f", (a - b) / s }') |"
for rate in 10000 100000; do
  before=$(cpu "$agent"); t0=$(date +%s.%N)
  out=$("$work/paced" "$LIB" "$rate" "$seconds")
  after=$(cpu "$agent"); t1=$(date +%s.%N)
  echo "bench/agent: paced $rate: $out" >&2
  echo "| paced_phases $rate/s | $(awk -v o="${out#phases=}" -v s="$seconds" 'BEGIN { split(o, f, " "); printf "%.0f", f[1] / s }') | $(awk -v a="$after" -v b="$before" -v t0="$t0" -v t1="$t1" 'BEGIN { printf "%.4f", (a - b) / (t1 - t0) }') |"
done
before=$(cpu "$agent"); t0=$(date +%s.%N)
read -r phases _ < <(sample_load)
after=$(cpu "$agent"); t1=$(date +%s.%N)
echo "| sample --load, 2 threads (max) | $(awk -v p="$phases" -v s="$seconds" 'BEGIN { printf "%.0f", p / s }') | $(awk -v a="$after" -v b="$before" -v t0="$t0" -v t1="$t1" 'BEGIN { printf "%.4f", (a - b) / (t1 - t0) }') |"
stop_agent

echo
echo "| round | tracer | phases | sample cpu_ms | ns per phase |"
echo "|---|---|---:|---:|---:|"
for round in $(seq "$rounds"); do
  for tracer in bpftrace agent; do
    if [[ $tracer == bpftrace ]]; then
      bpftrace -e "BEGIN { printf(\"READY\\n\") } usdt:$LIB:probes:phase_begin { @b = count(); } usdt:$LIB:probes:phase_end { @e = count(); }" > "$work/bt.out" 2> "$work/bt.err" & bt=$!
      for _ in $(seq 600); do grep -q READY "$work/bt.out" && break; sleep 0.05; done
    else
      start_agent
    fi
    read -r phases cpu_ms < <(sample_load)
    if [[ $tracer == bpftrace ]]; then kill -TERM "$bt"; wait "$bt" 2>/dev/null || true; bt=; else stop_agent; fi
    echo "| $round | $tracer | $phases | $cpu_ms | $(awk -v c="$cpu_ms" -v p="$phases" 'BEGIN { printf "%.0f", c * 1e6 / p }') |"
  done
done
fi

[[ ${OTLP:-0} != 0 ]] || exit 0
python3 bench/agent/otlp_sink.py "$work/sink.port" 2> "$work/sink.err" & sink=$!
for _ in $(seq 100); do [[ -s $work/sink.port ]] && break; sleep 0.1; done
endpoint="http://127.0.0.1:$(cat "$work/sink.port")"
echo
echo "| round | agent | phases | sample cpu_ms | ns per phase | agent CPU s per s |"
echo "|---|---|---:|---:|---:|---:|"
for round in $(seq "$rounds"); do
  for mode in plain otlp every-span; do
    case $mode in
      plain) start_agent ;;
      otlp) start_agent --otlp-endpoint "$endpoint" --otlp-protocol http/protobuf --otlp-interval 1 ;;
      every-span) start_agent --otlp-endpoint "$endpoint" --otlp-protocol http/protobuf --otlp-interval 1 --span-threshold 1ns ;;
    esac
    before=$(cpu "$agent"); t0=$(date +%s.%N)
    read -r phases cpu_ms < <(sample_load)
    after=$(cpu "$agent"); t1=$(date +%s.%N)
    grep -h "otlp\|OTLP" "$work/agent.err" | tail -2 >&2 || true
    stop_agent
    echo "| $round | $mode | $phases | $cpu_ms | $(awk -v c="$cpu_ms" -v p="$phases" 'BEGIN { printf "%.0f", c * 1e6 / p }') | $(awk -v a="$after" -v b="$before" -v t0="$t0" -v t1="$t1" 'BEGIN { printf "%.4f", (a - b) / (t1 - t0) }') |"
  done
done
kill -TERM "$sink"; wait "$sink" 2>/dev/null || true; sink=
cat "$work/sink.err" >&2
