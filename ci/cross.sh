#!/usr/bin/env bash
# sockeye-proto on aarch64: lints it with and without `std`, then builds
# its tests for aarch64 and runs them under qemu's user-mode emulator, so
# the code this x86_64 machine never executes runs somewhere: the NEON
# masking kernel, simdutf8's NEON validator behind `utf8::validate` and
# `Validator`, and the non-x86 paths of the ASCII checks.
#
# Installs qemu-user and the aarch64 cross linker and C library with apt
# when they are missing (about 20 s), and the Rust target with rustup.
set -euo pipefail
cd "$(dirname "$0")/.."
TARGET=aarch64-unknown-linux-gnu
rustup target add "$TARGET" >/dev/null
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/sockeye-target}"
cargo clippy --target "$TARGET" -p sockeye-proto -- -D warnings
cargo clippy --target "$TARGET" -p sockeye-proto --no-default-features -- -D warnings
echo "cross: sockeye-proto lints clean for $TARGET (NEON), with and without std"

missing=()
command -v qemu-aarch64 >/dev/null 2>&1 || missing+=(qemu-user)
command -v aarch64-linux-gnu-gcc >/dev/null 2>&1 || missing+=(gcc-aarch64-linux-gnu)
[[ -d /usr/aarch64-linux-gnu/lib ]] || missing+=(libc6-dev-arm64-cross)
if [[ ${#missing[@]} -gt 0 ]]; then
  echo "cross: apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER="qemu-aarch64 -L /usr/aarch64-linux-gnu"
cargo test -p sockeye-proto --target "$TARGET"
echo "cross: sockeye-proto's tests pass on $TARGET under qemu-aarch64"
