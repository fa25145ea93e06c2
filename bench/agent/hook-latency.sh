#!/usr/bin/env bash
# The start latency `probes hook` adds to a podman container, A B A B in one run: the same
# `podman run --rm` with a hooks dir holding the prestart hook (the agent listening, native probes)
# and with an empty hooks dir. The container's command is one the image lacks, so each run ends
# right after the runtime ran the hooks and failed the exec: both arms stop at the same point and
# .NET start-up noise is left out.
# HOOK is the hook executable: `probes` (the .NET `probes hook`, the default) or native/build/probes-hook.
#   bench/agent/hook-latency.sh PROBES IMAGE [PAIRS] [HOOK]    prints "pair hook_ms no_hook_ms" lines
set -euo pipefail
probes=$1 image=$2 pairs=${3:-12} hook=${4:-$1}
work=$(mktemp -d)
trap 'kill -TERM $agent 2>/dev/null || true; wait $agent 2>/dev/null || true; rm -rf "$work"' EXIT
mkdir -p "$work/hooks" "$work/nohooks"
if [[ $hook == "$probes" ]]; then args='["probes", "hook", "--socket", "'$work/agent.sock'"]'; else args='["probes-hook", "'$work/agent.sock'"]'; fi
cat > "$work/hooks/probes.json" <<JSON
{"version": "1.0.0", "hook": {"path": "$hook", "args": $args}, "when": {"always": true}, "stages": ["prestart"]}
JSON
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$probes" agent --listen "127.0.0.1:$port" --hook-socket "$work/agent.sock" 2>"$work/agent.err" &
agent=$!
for _ in $(seq 100); do [[ -S $work/agent.sock ]] && break; sleep 0.1; done
[[ -S $work/agent.sock ]] || { cat "$work/agent.err" >&2; exit 1; }
run=(--runtime runc run --rm --network none --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 --entrypoint /nonexistent "$image")
echo "pair hook_ms no_hook_ms"
for i in $(seq "$pairs"); do
    a=$(date +%s%N); podman --hooks-dir "$work/hooks" "${run[@]}" >/dev/null 2>&1 || true
    b=$(date +%s%N); podman --hooks-dir "$work/nohooks" "${run[@]}" >/dev/null 2>&1 || true
    c=$(date +%s%N)
    echo "$i $(( (b - a) / 1000000 )) $(( (c - b) / 1000000 ))"
done
curl -s "127.0.0.1:$port/metrics" | grep '^probes_agent_hook_' >&2
