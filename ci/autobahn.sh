#!/usr/bin/env bash
# Runs the real Autobahn testsuite (../shared/autobahn) against sockeye:
# fuzzingclient against `sockeye serve --deflate`, fuzzingserver against
# `sockeye autobahn-client` (which offers permessage-deflate, as every
# sockeye client does by default). Fails if any case fails.
#
# Usage: ci/autobahn.sh [--all] [--runtimes LIST] [-c CASES] [--write-docs]
#   (default)        what CI runs: the full suite for the tokio server and
#                    the tokio client side by side (about 13 minutes on two
#                    idle cores: wstest itself is the bottleneck in the
#                    compression cases 12.* and 13.*), and every case but
#                    12.*,13.* for std and async-std (the compression code is
#                    the core's, shared by every runtime); with
#                    SOCKEYE_AUTOBAHN_QUICK=1 the tokio pair skips 12.*,13.*
#                    too (a quick local check)
#   --all            all six runs in full, server and client of a runtime side
#                    by side (about 40 minutes); `just autobahn-all`
#   --runtimes LIST  only these runtimes (comma-separated: std,tokio,async-std)
#   -c CASES         only these case patterns in every run, e.g. '12.*,13.*'
#   --write-docs     regenerate docs/compliance.md from the reports
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
AUTOBAHN=${AUTOBAHN_DIR:-$ROOT/../shared/autobahn}
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/sockeye-target}"
ALL=0
RUNTIMES=std,tokio,async-std
CASES='*'
WRITE_DOCS=0
while [[ $# -gt 0 ]]; do
  case $1 in
    --all) ALL=1; shift ;;
    --runtimes) RUNTIMES=$2; shift 2 ;;
    -c) CASES=$2; shift 2 ;;
    --write-docs) WRITE_DOCS=1; shift ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done

cargo build --release -p sockeye-cli
BIN=$CARGO_TARGET_DIR/release/sockeye
REPORTS=$ROOT/autobahn-reports
rm -rf "$REPORTS"
mkdir -p "$REPORTS"

free_port() {
  local p=$1
  while (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; do p=$((p + 1)); done
  echo "$p"
}

# run_server RUNTIME EXCLUDE PORT_BASE: `sockeye serve --deflate` under fuzzingclient.
run_server() {
  local rt=$1 exclude=$2 port pid rc=0
  port=$(free_port "$3")
  "$BIN" serve --deflate --runtime "$rt" --port "$port" >"$REPORTS/serve-$rt.log" 2>&1 &
  pid=$!
  for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
  echo "--- server, $rt runtime (cases: $CASES; excluded: ${exclude:-none})"
  "$AUTOBAHN/test-server.sh" -a "sockeye-$rt" -o "$REPORTS/server-$rt" -c "$CASES" -x "$exclude" \
    -t 2400 "ws://127.0.0.1:$port" >"$REPORTS/server-$rt.out" 2>&1 || rc=1
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  echo "${exclude:-none}" >"$REPORTS/server-$rt/excluded"
  echo "--- server, $rt runtime: $(tail -n 1 "$REPORTS/server-$rt.out")"
  return $rc
}

# run_client RUNTIME EXCLUDE PORT_BASE: `sockeye autobahn-client` against fuzzingserver.
run_client() {
  local rt=$1 exclude=$2 port rc=0
  port=$(free_port "$3")
  echo "--- client, $rt runtime (cases: $CASES; excluded: ${exclude:-none})"
  "$AUTOBAHN/test-client.sh" -p "$port" -a "sockeye-$rt" -o "$REPORTS/client-$rt" -c "$CASES" -x "$exclude" \
    -t 2400 -- sh -c "exec '$BIN' autobahn-client \"\$AUTOBAHN_URL\" --agent \"\$AUTOBAHN_AGENT\" --runtime $rt" \
    >"$REPORTS/client-$rt.out" 2>&1 || rc=1
  echo "${exclude:-none}" >"$REPORTS/client-$rt/excluded"
  echo "--- client, $rt runtime: $(tail -n 1 "$REPORTS/client-$rt.out")"
  return $rc
}

# Server and client of one runtime side by side: each is bound by its own
# single-threaded wstest, so two of them use the machine's two cores.
run_pair() {
  local rt=$1 exclude=$2 a=0 b=0 pid
  run_server "$rt" "$exclude" 9301 &
  pid=$!
  run_client "$rt" "$exclude" 9401 || b=1
  wait "$pid" || a=1
  return $((a | b))
}

failed=0
IFS=, read -r -a rts <<<"$RUNTIMES"
for rt in "${rts[@]}"; do
  # The compression cases (12.*, 13.*) run for the tokio pair (unless
  # SOCKEYE_AUTOBAHN_QUICK=1), and for every runtime with --all.
  if [[ $ALL -eq 1 || ( $rt == tokio && ${SOCKEYE_AUTOBAHN_QUICK:-0} != 1 ) ]]; then
    run_pair "$rt" "" || failed=1
  else
    run_pair "$rt" "12.*,13.*" || failed=1
  fi
done

args=("$REPORTS")
[[ $WRITE_DOCS -eq 1 ]] && args+=(--write "$ROOT/docs/compliance.md")
python3 ci/compliance.py "${args[@]}"
exit $failed
