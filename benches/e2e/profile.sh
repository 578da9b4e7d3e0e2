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
# shellcheck source=benches/e2e/probe_lib.sh
source "$HERE/probe_lib.sh"
DURATION="${DURATION:-4}"
PORT="${BASE_PORT:-20900}"

scenario="$1"
shift
command -v perf >/dev/null || { echo "perf is not installed" >&2; exit 2; }
printf '%-18s %10s %12s %8s %8s\n' server msgs/s "CPU us/msg" kernel user
for server in "$@"; do
    PORT=$((PORT + 1))
    start_server "$server" "$PORT"
    # shellcheck disable=SC2086
    start_loadgen --port "$PORT" $scenario --warmup 1 --duration "$((DURATION + 4))" \
        --server-pid "$spid"
    sleep 1.5
    perf record -q -F 2000 -p "$spid" -o "$WORK/perf.data" -- sleep "$DURATION" 2>/dev/null
    finish_run
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
