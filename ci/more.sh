#!/usr/bin/env bash
# Checks beyond unit tests, run by .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."
# The API documentation builds without broken links or warnings.
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --all-features
# Every fuzz target for a short bounded time (a crash fails CI), then Miri.
bash ci/fuzz.sh --ci
bash ci/miri.sh
# sockeye-proto for aarch64 (NEON kernels), type-checked and linted.
bash ci/cross.sh
# The hyper integration of sockeye-tokio (feature `hyper`, off by default,
# so the workspace-wide clippy and test runs skip it): lint it (with the
# hyper and axum examples) and test it, from hyper and from axum.
cargo clippy -p sockeye-tokio --features hyper --all-targets -- -D warnings
cargo test -p sockeye-tokio --features hyper --test hyper --test axum
bash ci/autobahn.sh
# The client through real tinyproxy and danted (installs them).
bash ci/proxies.sh
# Real peers (Node ws, Python websockets, headless Chromium); installs them.
bash ci/interop.sh
