#!/usr/bin/env bash
# Where an echo server's CPU goes: the share of its samples spent in the
# kernel and in user space (perf record), next to messages/s and server CPU
# per message, for each server in one scenario.
#
#   bash benches/e2e/profile.sh "--conns 1 --size 16 --inflight 1" sockeye-tokio fastwebsockets
#
# Needs `perf` and the binaries run.sh builds (run `just bench-peers` or
# run.sh with SCENARIOS=' ' once first). Server on core SERVER_CPU (0), load
# generator on LOADGEN_CPU (1), DURATION seconds (4) sampled per server
# (the load runs 4 s longer, around the samples); every
# process started here is stopped here.
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
SOCKEYE="${SOCKEYE_TARGET_DIR:-${CARGO_TARGET_DIR:-$HOME/.cache/sockeye-target}}/release/sockeye"
E2E="${E2E_TARGET_DIR:-$HOME/.cache/sockeye-e2e-target}/release"
SERVER_CPU="${SERVER_CPU:-0}"
LOADGEN_CPU="${LOADGEN_CPU:-1}"
DURATION="${DURATION:-4}"
PORT="${BASE_PORT:-20900}"
WORK="$(mktemp -d)"
PIDS=()
cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    [[ -n "${KEEP:-}" ]] || rm -rf "$WORK"
}
trap cleanup EXIT

scenario="$1"
shift
command -v perf >/dev/null || { echo "perf is not installed" >&2; exit 2; }
printf '%-18s %10s %12s %8s %8s\n' server msgs/s "CPU us/msg" kernel user
for server in "$@"; do
    PORT=$((PORT + 1))
    case "$server" in
        sockeye-tokio) cmd=("$SOCKEYE" serve --runtime tokio --threads 1 --port "$PORT") ;;
        sockeye-std) cmd=("$SOCKEYE" serve --runtime std --port "$PORT") ;;
        tokio-tungstenite) cmd=("$E2E/peer-server" --impl tungstenite --port "$PORT") ;;
        fastwebsockets) cmd=("$E2E/peer-server" --impl fastwebsockets --port "$PORT") ;;
        tokio-websockets) cmd=("$E2E/peer-server" --impl tokio-websockets --port "$PORT") ;;
        node-ws) cmd=(node "$HERE/ws_server.js" --port "$PORT") ;;
        *) echo "unknown server $server" >&2; exit 2 ;;
    esac
    taskset -c "$SERVER_CPU" "${cmd[@]}" >/dev/null &
    spid=$!
    PIDS=("$spid")
    sleep 0.5
    # shellcheck disable=SC2086
    timeout 60 taskset -c "$LOADGEN_CPU" "$E2E/loadgen" --port "$PORT" $scenario \
        --warmup 1 --duration "$((DURATION + 4))" --server-pid "$spid" >"$WORK/load.json" &
    lpid=$!
    PIDS+=("$lpid")
    sleep 1.5
    perf record -q -F 2000 -p "$spid" -o "$WORK/perf.data" -- sleep "$DURATION" 2>/dev/null
    wait "$lpid"
    kill -TERM "$spid" 2>/dev/null || true
    wait "$spid" 2>/dev/null || true
    PIDS=()
    perf report -i "$WORK/perf.data" --no-children --sort dso --stdio -g none 2>/dev/null >"$WORK/dso.txt"
    python3 - "$server" "$WORK" <<'EOF'
import json, re, sys
server, work = sys.argv[1], sys.argv[2]
load = json.load(open(f"{work}/load.json"))
kernel = user = 0.0
for line in open(f"{work}/dso.txt"):
    m = re.match(r"\s*([\d.]+)%\s+(\S+)", line)
    if m:
        if m.group(2).startswith("[kernel"):
            kernel += float(m.group(1))
        else:
            user += float(m.group(1))
print(f"{server:<18} {load['msgs_per_s']:>10.0f} {load['server_cpu_us_per_msg']:>12.2f} "
      f"{kernel:>7.1f}% {user:>7.1f}%")
EOF
done
