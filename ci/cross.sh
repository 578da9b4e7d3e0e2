#!/usr/bin/env bash
# Type-checks sockeye-proto for aarch64 (the NEON masking kernel and
# simdutf8's NEON validator), with and without `std`, lints included.
# No aarch64 machine is needed: this only compiles.
set -euo pipefail
cd "$(dirname "$0")/.."
rustup target add aarch64-unknown-linux-gnu >/dev/null
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/sockeye-target}"
cargo clippy --target aarch64-unknown-linux-gnu -p sockeye-proto -- -D warnings
cargo clippy --target aarch64-unknown-linux-gnu -p sockeye-proto --no-default-features -- -D warnings
echo "cross: sockeye-proto checks for aarch64-unknown-linux-gnu (NEON), with and without std"
