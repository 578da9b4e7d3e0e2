#!/usr/bin/env bash
# Builds a #![no_std] static library that links sockeye-proto with default
# features off, for a bare-metal target where `std` does not exist.
set -euo pipefail
cd "$(dirname "$0")/nostd-check"
rustup target add thumbv7em-none-eabihf >/dev/null
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/sockeye-target}/nostd"
cargo build --release --target thumbv7em-none-eabihf
echo "no_std: sockeye-proto builds for thumbv7em-none-eabihf"
