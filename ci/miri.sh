#!/usr/bin/env bash
# Runs the sockeye-proto unit tests that reach unsafe code under Miri
# (nightly): `Utf8Bytes::as_str` (from_utf8_unchecked, reached by every text
# event), the masking kernels (SSE2 and AVX2 intrinsics), the UTF-8 ASCII
# scan (AVX2 intrinsics) and the connection tests that drive them (payloads
# are unmasked in place).
#
# On x86_64 the crate is built with `-C target-feature=+avx2`, so Miri
# emulates AVX2: the dispatching `apply_mask` then picks the AVX2 kernel,
# the kernel tests cover portable, SSE2 and AVX2 in one pass, and the UTF-8
# tests reach the AVX2 ASCII scan.
#
# Miri runs about a thousand times slower than native code, so proptest
# cases are cut down (PROPTEST_CASES, default 4) and a few tests are skipped
# here: exhaustive sweeps and proptests over safe code that run natively in
# `cargo test` (and under the fuzzers) and would take many minutes here.
#
# Usage: ci/miri.sh [TEST_FILTER...]   (default: mask:: utf8:: connection::,
#                                       minus the skips below)
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/sockeye-target}"
export PROPTEST_CASES="${PROPTEST_CASES:-4}"
# proptest reads the environment and looks for its regression files.
export MIRIFLAGS="${MIRIFLAGS:--Zmiri-disable-isolation}"
LIMIT="${MIRI_TIME_LIMIT:-600}"

if ! rustup run nightly rustc --version >/dev/null 2>&1; then
  rustup toolchain install nightly --profile minimal
fi
rustup component add miri rust-src --toolchain nightly
cargo +nightly miri setup

args=("$@")
if [[ ${#args[@]} -eq 0 ]]; then
  args=(mask:: utf8:: connection::
    # every alignment x offset x length, per kernel: ~10 min each under Miri
    --skip every_alignment_offset_and_length
    # 100,000 pings
    --skip ping_flood_is_answered_once
    # whole-connection proptests (safe code; minutes under Miri)
    --skip encode_decode_identity --skip split_invariance
    # the Validator is safe code; agrees_with_core covers it here
    --skip agrees_with_core_on_mostly_valid_text)
fi
if [[ $(uname -m) == x86_64 ]]; then
  export RUSTFLAGS="${RUSTFLAGS:-} -C target-feature=+avx2"
fi

start=$(date +%s)
echo "--- miri: cargo +nightly miri test -p sockeye-proto --lib -- ${args[*]}"
timeout "$LIMIT" cargo +nightly miri test -p sockeye-proto --lib -- "${args[@]}"
echo "miri: done in $(( $(date +%s) - start ))s"
