#!/usr/bin/env bash
# Interop tests against real peers: Node's ws, Python's websockets and
# headless Chromium (see docs/interop.md). Installs the peers, builds the
# `sockeye` binary the CLI and browser tests start, then runs the tests.
# Writes docs/img/chat.png (the chat page, screenshotted by the browser test).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/sockeye-target}"

start=$(date +%s)
SOCKEYE_INTEROP_PYTHON=$(bash ci/setup-interop.sh | tail -n 1)
export SOCKEYE_INTEROP_PYTHON
echo "interop: peers ready ($(( $(date +%s) - start ))s)"

cargo build -p sockeye-cli
export SOCKEYE_BIN="$CARGO_TARGET_DIR/debug/sockeye"

# Every test bounds itself (peer processes exit by themselves after 150 s,
# every receive times out after 30 s); this is the last resort.
timeout 900 cargo test -p sockeye-interop --features interop "$@"
echo "interop: done in $(( $(date +%s) - start ))s"
