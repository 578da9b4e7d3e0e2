# Shared by the probing scripts (profile.sh, states.sh); source it after
# setting HERE (this directory). It sets the binaries' paths (SOCKEYE,
# PEER, LOADGEN), the cores (SERVER_CPU 0 and LOADGEN_CPU 1 unless set), a
# work directory WORK removed on exit (unless KEEP is set) and PIDS, the
# processes to stop on exit. `start_server NAME PORT` starts echo server NAME on PORT, pinned
# to SERVER_CPU, sets `spid` and gives it a moment to listen;
# `start_loadgen ARGS...` starts the load generator on LOADGEN_CPU with its
# JSON output going to $WORK/load.json and sets `lpid`; `finish_run` waits
# for the load generator, then stops the server.

SOCKEYE="${SOCKEYE_TARGET_DIR:-${CARGO_TARGET_DIR:-$HOME/.cache/sockeye-target}}/release/sockeye"
PEER="${E2E_TARGET_DIR:-$HOME/.cache/sockeye-e2e-target}/release/peer-server"
LOADGEN="${E2E_TARGET_DIR:-$HOME/.cache/sockeye-e2e-target}/release/loadgen"
SERVER_CPU="${SERVER_CPU:-0}"
LOADGEN_CPU="${LOADGEN_CPU:-1}"
WORK="$(mktemp -d)"
PIDS=()
cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    [[ -n "${KEEP:-}" ]] || rm -rf "$WORK"
}
trap cleanup EXIT

start_server() {
    server_cmd "$1" "$2"
    taskset -c "$SERVER_CPU" "${cmd[@]}" >/dev/null &
    spid=$!
    PIDS=("$spid")
    sleep 0.5
}

start_loadgen() {
    timeout 60 taskset -c "$LOADGEN_CPU" "$LOADGEN" "$@" >"$WORK/load.json" &
    lpid=$!
    PIDS+=("$lpid")
}

finish_run() {
    wait "$lpid"
    kill -TERM "$spid" 2>/dev/null || true
    wait "$spid" 2>/dev/null || true
    PIDS=()
}

# shellcheck source=benches/e2e/servers.sh
source "$HERE/servers.sh"
