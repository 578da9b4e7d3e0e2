#!/usr/bin/env bash
# The 10 conns x 64 KiB cell, RUNS times per server, each run with a fresh
# server: messages/s, server CPU per message, and the median receive
# buffer (`rb` of `ss -tmi`) of the load generator's sockets three seconds
# in. The cell has two states on this VM (docs/benchmarks.md); the load
# generator's receive buffer, which the kernel autotunes, tells them apart.
#
#   bash benches/e2e/states.sh sockeye-tokio tokio-websockets
#   LOADGEN_ARGS="--rcvbuf 655360" bash benches/e2e/states.sh sockeye-tokio
#
# Needs the binaries run.sh builds. Server on core SERVER_CPU (0), load
# generator on LOADGEN_CPU (1), RUNS (8) runs of 4 s after 1 s of warm-up;
# every process started here is stopped here.
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=benches/e2e/probe_lib.sh
source "$HERE/probe_lib.sh"
RUNS="${RUNS:-8}"
PORT="${BASE_PORT:-21700}"

printf '%-18s %4s %10s %12s %14s\n' server run msgs/s "CPU us/msg" "loadgen rb"
for server in "$@"; do
    for run in $(seq 1 "$RUNS"); do
        PORT=$((PORT + 1))
        start_server "$server" "$PORT"
        # shellcheck disable=SC2086
        start_loadgen --port "$PORT" --conns 10 --size 65536 --inflight 4 --warmup 1 \
            --duration 4 --server-pid "$spid" ${LOADGEN_ARGS:-}
        sleep 3
        ss -tmi state established "( dport = :$PORT )" >"$WORK/ss.txt"
        finish_run
        python3 - "$server" "$run" "$WORK" <<'PY'
import json, re, sys
server, run, work = sys.argv[1], sys.argv[2], sys.argv[3]
load = json.load(open(f"{work}/load.json"))
rb = sorted(int(x) for x in re.findall(r"\brb(\d+)", open(f"{work}/ss.txt").read()))
median = f"{rb[len(rb) // 2] / 1024:.0f} KiB" if rb else "?"
print(f"{server:<18} {run:>4} {load['msgs_per_s']:>10.0f} "
      f"{load['server_cpu_us_per_msg']:>12.2f} {median:>14}")
PY
    done
done
