#!/usr/bin/env bash
# The client against REAL proxy servers: installs tinyproxy and danted
# (ci/setup-proxies.sh, which keeps their system services stopped), then
# runs the `real-proxies` tests of sockeye-cli, which start their own
# instances on free ports of 127.0.0.1 and kill them by PID.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/sockeye-target}"
start=$(date +%s)
if [[ $(id -u) -eq 0 ]]; then
  bash ci/setup-proxies.sh
else
  echo "proxies: not root, assuming tinyproxy, danted and the SOCKS user are installed"
fi
timeout 900 cargo test -p sockeye-cli --features real-proxies --test real_proxies
echo "proxies: done in $(( $(date +%s) - start ))s"
