# Tasks for sockeye. Install just with `cargo install just`.
export CARGO_TARGET_DIR := env_var_or_default("CARGO_TARGET_DIR", env_var("HOME") + "/.cache/sockeye-target")

# Run every test in the workspace.
test:
    cargo test --workspace

# Formatting and clippy, as CI runs them.
lint:
    cargo fmt --all --check
    cargo clippy --workspace --all-targets -- -D warnings

# Build sockeye-proto for a bare-metal target with no std.
nostd:
    bash ci/nostd.sh

# Everything CI runs.
ci:
    bash .ci/run

# Criterion benchmarks of the kernels (masking, UTF-8, frames, handshake) side by side with
# peers (benches/); extra arguments go to criterion, e.g. `just bench --warm-up-time 1 --measurement-time 3`.
bench *ARGS:
    cargo bench -p sockeye-benches -- {{ARGS}}

# The Autobahn testsuite as CI runs it: full for tokio, without 12.*/13.* for std and async-std.
autobahn:
    bash ci/autobahn.sh

# All six Autobahn runs in full (about 40 minutes); updates docs/compliance.md.
autobahn-all:
    bash ci/autobahn.sh --all --write-docs

# Run the server on its default address (127.0.0.1:8080).
serve:
    cargo run --release -p sockeye-cli -- serve

# Interop tests against Node's ws, Python's websockets and headless Chromium (installs them; see docs/interop.md).
interop:
    bash ci/interop.sh

# Fuzz every target for SECONDS each (default 60), one at a time; `just fuzz 600` for ten minutes each.
fuzz seconds="60":
    bash ci/fuzz.sh {{seconds}}

# The unit tests that reach unsafe code, under Miri (nightly).
miri:
    bash ci/miri.sh

# End-to-end echo benchmarks against tokio-tungstenite, fastwebsockets, tokio-websockets and
# Node's ws (about 10 minutes; ROUNDS, WARMUP, DURATION, IDLE_CONNS override). Writes
# benches/e2e/results.json, docs/img/benchmarks.svg and the end-to-end part of docs/benchmarks.md.
bench-peers:
    bash benches/e2e/run.sh
