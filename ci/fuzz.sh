#!/usr/bin/env bash
# Fuzzes sockeye-proto with cargo-fuzz (libFuzzer; needs the nightly
# toolchain). Targets run one after another, never in parallel.
#
# Usage: ci/fuzz.sh [SECONDS] [TARGET...]   each target for SECONDS (default 60)
#        ci/fuzz.sh --ci                    each target for $FUZZ_CI_SECONDS
#                                           (default 10): a bounded run for CI
#        ci/fuzz.sh --list                  the targets
#
# Seeds come from fuzz/corpus/<target> (read only); what libFuzzer finds is
# kept in $FUZZ_CORPUS_DIR/<target> (default ~/.cache/sockeye-fuzz-corpus),
# never in the repository, so later runs start from it. A crash fails the
# script; its input lands in fuzz/artifacts/<target>/ (git-ignored).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

CARGO_FUZZ_VERSION=0.13.2
export CARGO_TARGET_DIR="${FUZZ_TARGET_DIR:-$HOME/.cache/sockeye-fuzz-target}"
CORPUS_DIR="${FUZZ_CORPUS_DIR:-$HOME/.cache/sockeye-fuzz-corpus}"
LOG_DIR="${FUZZ_LOG_DIR:-$HOME/.cache/sockeye-fuzz-logs}"

seconds=60
targets=()
case "${1:-}" in
  --ci) seconds=${FUZZ_CI_SECONDS:-10}; shift ;;
  --list) ls fuzz/fuzz_targets | sed 's/\.rs$//'; exit 0 ;;
  '' ) ;;
  *[!0-9]*) ;;
  *) seconds=$1; shift ;;
esac
targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then
  mapfile -t targets < <(ls fuzz/fuzz_targets | sed 's/\.rs$//')
fi

# The nightly toolchain (libFuzzer needs -Zsanitizer and coverage flags).
if ! rustup run nightly rustc --version >/dev/null 2>&1; then
  rustup toolchain install nightly --profile minimal
fi
# The nightly components cargo-fuzz uses: none beyond rustc and cargo for
# the default build; rust-src for `cargo fuzz build --build-std`/`--careful`.
rustup component add rust-src --toolchain nightly >/dev/null 2>&1 || true

# cargo-fuzz itself, pinned.
if [[ "$(cargo fuzz --version 2>/dev/null || true)" != "cargo-fuzz $CARGO_FUZZ_VERSION" ]]; then
  cargo install cargo-fuzz --locked --version "$CARGO_FUZZ_VERSION"
fi

# Build every target once (release optimisations with debug assertions and
# overflow checks, AddressSanitizer), then run them without rebuilding.
(cd fuzz && cargo +nightly fuzz build)

mkdir -p "$CORPUS_DIR" "$LOG_DIR"
summary=()
for t in "${targets[@]}"; do
  case $t in
    connection_*|server_handshake|client_handshake) max_len=16384 ;;
    proxy_tunnel) max_len=20000 ;;  # past the 16 KiB head limit
    *) max_len=4096 ;;
  esac
  mkdir -p "$CORPUS_DIR/$t"
  log="$LOG_DIR/$t.log"
  echo "--- fuzz $t for ${seconds}s (-max_len=$max_len)"
  status=0
  (cd fuzz && cargo +nightly fuzz run "$t" "$CORPUS_DIR/$t" "$ROOT/fuzz/corpus/$t" -- \
      -max_total_time="$seconds" -max_len="$max_len" -timeout=10 -rss_limit_mb=2048 \
      -print_final_stats=1) >"$log" 2>&1 || status=$?
  # A run that died before printing its stats must still reach the report below.
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1 || true)
  speed=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1 || true)
  cov=$(grep -o 'cov: [0-9]* ft: [0-9]*' "$log" | tail -1 || true)
  summary+=("$(printf '%-26s %10s runs %7s exec/s  %s' "$t" "${runs:-?}" "${speed:-?}" "${cov:-}")")
  if [[ $status -ne 0 ]]; then
    grep -E 'panicked|ERROR|SUMMARY|Test unit written|artifact|error' "$log" | head -20 || true
    tail -5 "$log"
    echo "fuzz target $t FAILED (exit $status); full log: $log" >&2
    printf '%s\n' "${summary[@]}"
    exit 1
  fi
done
echo "--- fuzzing summary (${seconds}s per target)"
printf '%s\n' "${summary[@]}"
