# The echo servers of the end-to-end benchmarks by name, for run.sh and the
# probing scripts (through probe_lib.sh). Source it; it expects SOCKEYE (the
# sockeye binary), PEER (the peer-server binary) and HERE (this directory).

# Sets the array `cmd` to the command line that starts echo server $1 on
# port $2.
server_cmd() {
    local name="$1" port="$2"
    case "$name" in
        sockeye-tokio) cmd=("$SOCKEYE" serve --runtime tokio --threads 1 --port "$port") ;;
        sockeye-std) cmd=("$SOCKEYE" serve --runtime std --port "$port") ;;
        tokio-tungstenite) cmd=("$PEER" --impl tungstenite --port "$port") ;;
        fastwebsockets) cmd=("$PEER" --impl fastwebsockets --port "$port") ;;
        tokio-websockets) cmd=("$PEER" --impl tokio-websockets --port "$port") ;;
        node-ws) cmd=(node "$HERE/ws_server.js" --port "$port") ;;
        *) echo "unknown server $name" >&2; exit 2 ;;
    esac
}
