#!/usr/bin/env bash
# End-to-end echo benchmarks: sockeye against its peers, side by side.
#
#   bash benches/e2e/run.sh            # or: just bench-peers
#
# Builds everything in release mode, installs Node's ws + bufferutil into
# benches/e2e/node_modules, then runs every scenario against every server,
# ROUNDS times, round-robin (each round visits every server, starting from a
# different one), each server pinned to core SERVER_CPU and the load
# generator to core LOADGEN_CPU. Then the idle-connection memory test. Then
# writes benches/e2e/results.json, docs/img/benchmarks.svg and the "End to
# end" section of docs/benchmarks.md.
#
# Knobs (environment): ROUNDS (3), WARMUP (1 s), DURATION (3 s), IDLE_CONNS
# (10000), SERVERS and SCENARIOS (space-separated subsets), SERVER_CPU (0),
# LOADGEN_CPU (1), BASE_PORT (20000), NICE (0; e.g. -10 as root to shield
# the measured processes from concurrent builds), SKIP_BUILD=1, NO_REPORT=1,
# NOISE_NOTE (what else ran meanwhile, for the report), STEAL_WARN (5: the
# percentage of CPU steal, measured before the run and in every cell, above
# which the run warns that the hypervisor is giving these cores to others).
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
cd "$HERE"

ROUNDS="${ROUNDS:-3}"
WARMUP="${WARMUP:-1}"
DURATION="${DURATION:-3}"
IDLE_CONNS="${IDLE_CONNS:-10000}"
SERVER_CPU="${SERVER_CPU:-0}"
LOADGEN_CPU="${LOADGEN_CPU:-1}"
NICE="${NICE:-0}"
PORT="${BASE_PORT:-20000}"
ALL_SERVERS="sockeye-tokio sockeye-std tokio-tungstenite fastwebsockets tokio-websockets node-ws"
SERVERS="${SERVERS:-$ALL_SERVERS}"
# name connections payload-bytes in-flight-per-connection
SCENARIO_TABLE="
latency-16B      1   16       1
pipelined-16B    100 16       16
64KiB            10  65536    4
1MiB             1   1048576  2
16KiB-100conns   100 16384    1
"
SCENARIOS="${SCENARIOS:-$(echo "$SCENARIO_TABLE" | awk 'NF {print $1}' | tr '\n' ' ')}"

SOCKEYE_TARGET="${SOCKEYE_TARGET_DIR:-${CARGO_TARGET_DIR:-$HOME/.cache/sockeye-target}}"
E2E_TARGET="${E2E_TARGET_DIR:-$HOME/.cache/sockeye-e2e-target}"
SOCKEYE="$SOCKEYE_TARGET/release/sockeye"
PEER="$E2E_TARGET/release/peer-server"
LOADGEN="$E2E_TARGET/release/loadgen"

STEAL_WARN="${STEAL_WARN:-5}"

# The jiffies the hypervisor stole from this machine's CPUs, and all
# jiffies, from the `cpu` line of /proc/stat (user nice system idle iowait
# irq softirq steal; guest time is already counted in user and nice).
cpu_jiffies() { awk '/^cpu / { print $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9; exit }' /proc/stat; }
# The percentage of CPU time stolen between two cpu_jiffies readings.
steal_pct() {
    awk -v a="$1" -v b="$2" 'BEGIN { split(a, x, " "); split(b, y, " "); d = y[2] - x[2];
        printf "%.1f", (d > 0 ? 100 * (y[1] - x[1]) / d : 0) }'
}
# Whether a steal percentage is above STEAL_WARN.
steal_high() { awk -v s="$1" -v w="$STEAL_WARN" 'BEGIN { exit !(s > w) }'; }

# Every process this script starts is recorded here and killed on exit.
PIDS=()
cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${PIDS[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    PIDS=()
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { printf '[bench-peers %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# The source the binaries are built from, recorded now: edits made while
# the benchmark runs do not change what it measures.
COMMIT="$(git -C "$ROOT" rev-parse --short HEAD)"
DIRTY="$(git -C "$ROOT" status --porcelain -- crates | wc -l)"
if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
    say "building sockeye (release) into $SOCKEYE_TARGET"
    (cd "$ROOT" && CARGO_TARGET_DIR="$SOCKEYE_TARGET" cargo build --release --quiet -p sockeye-cli)
    say "building peer servers and loadgen (release) into $E2E_TARGET"
    CARGO_TARGET_DIR="$E2E_TARGET" cargo build --release --quiet
    say "installing ws and bufferutil (npm, no lockfile)"
    npm install --no-package-lock --no-audit --no-fund --loglevel=error >/dev/null
fi
node -e "require('ws'); require('bufferutil')" || { say "node ws/bufferutil missing"; exit 1; }

# 10,000 connections need 10,000 descriptors on each side.
want_fds=$((IDLE_CONNS + 1000))
if [[ "$(ulimit -n)" != unlimited && "$(ulimit -n)" -lt "$want_fds" ]]; then
    ulimit -n "$want_fds" 2>/dev/null || ulimit -n "$(ulimit -Hn)"
fi
say "open file limit: $(ulimit -n)"

export CLK_TCK="$(getconf CLK_TCK)"

# shellcheck source=benches/e2e/servers.sh
source "$HERE/servers.sh"

# Starts server $1 on port $2, pinned; sets SERVER_PID.
start_server() {
    server_cmd "$1" "$2"
    nice -n "$NICE" taskset -c "$SERVER_CPU" "${cmd[@]}" >/dev/null &
    SERVER_PID=$!
    PIDS+=("$SERVER_PID")
}

stop_server() {
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    local kept=() pid
    for pid in "${PIDS[@]}"; do [[ "$pid" != "$SERVER_PID" ]] && kept+=("$pid"); done
    PIDS=("${kept[@]}")
}

# Runs the load generator pinned, bounded in time; prints its JSON.
loadgen() {
    local limit="$1"; shift
    timeout --kill-after=5 "$limit" nice -n "$NICE" taskset -c "$LOADGEN_CPU" "$LOADGEN" "$@" &
    local pid=$!
    PIDS+=("$pid")
    local rc=0
    wait "$pid" || rc=$?
    local kept=() p
    for p in "${PIDS[@]}"; do [[ "$p" != "$pid" ]] && kept+=("$p"); done
    PIDS=("${kept[@]}")
    return "$rc"
}

RAW="$HERE/raw"
mkdir -p "$RAW"
CELLS="$RAW/cells.jsonl"
IDLE="$RAW/idle.jsonl"
META="$RAW/meta.json"
: >"$CELLS"
: >"$IDLE"

read -r -a server_list <<<"$SERVERS"
n_servers=${#server_list[@]}
started_at="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
j0="$(cpu_jiffies)"; sleep 2; steal_before="$(steal_pct "$j0" "$(cpu_jiffies)")"
say "CPU steal in the 2 s before the run: $steal_before%"
if steal_high "$steal_before"; then
    say "WARNING: the hypervisor is running other guests on these cores; single cells will spread widely"
fi
t_start=$(date +%s)
cell_limit=$(awk -v w="$WARMUP" -v d="$DURATION" 'BEGIN { printf "%d", w + d + 30 }')

for round in $(seq 1 "$ROUNDS"); do
    for scenario in $SCENARIOS; do
        read -r _ conns size inflight < <(echo "$SCENARIO_TABLE" | awk -v s="$scenario" '$1 == s')
        [[ -n "${conns:-}" ]] || { say "unknown scenario $scenario"; exit 2; }
        for i in $(seq 0 $((n_servers - 1))); do
            server="${server_list[$(( (i + round - 1) % n_servers ))]}"
            PORT=$((PORT + 1))
            load="$(cut -d' ' -f1 /proc/loadavg)"
            start_server "$server" "$PORT"
            j0="$(cpu_jiffies)"
            ok=1
            out="$(loadgen "$cell_limit" --port "$PORT" --conns "$conns" --size "$size" \
                --inflight "$inflight" --warmup "$WARMUP" --duration "$DURATION" --server-pid "$SERVER_PID")" || ok=0
            steal="$(steal_pct "$j0" "$(cpu_jiffies)")"
            if [[ $ok == 1 ]]; then
                printf '{"round":%d,"scenario":"%s","server":"%s","loadavg":%s,"steal":%s,"result":%s}\n' \
                    "$round" "$scenario" "$server" "$load" "$steal" "$out" >>"$CELLS"
                say "round $round $scenario $server: $(echo "$out" | sed -E 's/.*"msgs_per_s":([0-9.]+).*"server_cpu_us_per_msg":([0-9.a-zN]+).*/\1 msg\/s, \2 us CPU\/msg/'), steal $steal%$(steal_high "$steal" && echo " (HIGH)")"
            else
                say "round $round $scenario $server: FAILED"
                printf '{"round":%d,"scenario":"%s","server":"%s","loadavg":%s,"steal":%s,"result":null}\n' \
                    "$round" "$scenario" "$server" "$load" "$steal" >>"$CELLS"
            fi
            stop_server
        done
    done
done

if [[ "$IDLE_CONNS" -gt 0 ]]; then
    for server in "${server_list[@]}"; do
        PORT=$((PORT + 1))
        start_server "$server" "$PORT"
        if out="$(loadgen 180 --port "$PORT" --idle "$IDLE_CONNS" --server-pid "$SERVER_PID")"; then
            printf '{"server":"%s","result":%s}\n' "$server" "$out" >>"$IDLE"
            say "idle $server: $(echo "$out" | sed -E 's/.*"kib_per_conn":([0-9.]+).*/\1 KiB\/conn/')"
        else
            say "idle $server: FAILED"
        fi
        stop_server
        # Let the kernel reap the sockets before the next server.
        sleep 1
    done
fi

t_end=$(date +%s)
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$META" <<EOF
import json, subprocess, sys
def sh(c):
    try:
        return subprocess.run(c, shell=True, capture_output=True, text=True).stdout.strip()
    except Exception:
        return ""
meta = {
    "started_at": "$started_at",
    "wall_s": $t_end - $t_start,
    "rounds": $ROUNDS, "warmup_s": $WARMUP, "duration_s": $DURATION,
    "idle_conns": $IDLE_CONNS,
    "server_cpu": $SERVER_CPU, "loadgen_cpu": $LOADGEN_CPU, "nice": $NICE,
    "loadavg_before": "$load_before", "loadavg_after": "$load_after",
    "steal_before": $steal_before, "steal_warn": $STEAL_WARN,
    "noise_note": """${NOISE_NOTE:-}""",
    "nproc": sh("nproc"),
    "cpu_model": sh("lscpu | sed -n 's/^Model name: *//p'"),
    "lscpu": sh("lscpu | grep -E '^(Architecture|CPU\\\\(s\\\\)|Model name|Thread|Core|Socket|L1d|L2|L3|CPU max MHz|Hypervisor)'"),
    "kernel": sh("uname -r"),
    "memory": sh("free -g | awk '/Mem:/ {print \$2 \" GiB\"}'"),
    "rustc": sh("rustc --version"),
    "node": sh("node --version"),
    "ws": sh("node -p \"require('ws/package.json').version\""),
    "bufferutil": sh("node -p \"require('bufferutil/package.json').version\""),
    "sockeye_commit": "$COMMIT",
    "sockeye_dirty": "$DIRTY" != "0",
    "command": "just bench-peers (bash benches/e2e/run.sh)",
    "env": {"ROUNDS": "$ROUNDS", "WARMUP": "$WARMUP", "DURATION": "$DURATION", "IDLE_CONNS": "$IDLE_CONNS", "NICE": "$NICE", "SKIP_BUILD": "${SKIP_BUILD:-0}"},
    # With SKIP_BUILD=1 the binaries may be older than the commit above.
    "skip_build": "${SKIP_BUILD:-0}" == "1",
}
json.dump(meta, open(sys.argv[1], "w"), indent=1)
EOF
say "measured in $((t_end - t_start)) s; load average before: $load_before, after: $load_after"

if [[ "${NO_REPORT:-0}" != 1 ]]; then
    python3 "$HERE/report.py" collect "$RAW" "$HERE/results.json"
    python3 "$HERE/report.py" render "$HERE/results.json" "$ROOT/docs"
    say "wrote benches/e2e/results.json, docs/img/benchmarks.svg, docs/benchmarks.md"
fi
