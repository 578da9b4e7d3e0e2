//! Small-message UTF-8 validation, timed the way criterion cannot on a noisy
//! shared machine: sockeye's `Validator` and simdutf8 run in alternation,
//! 300 rounds each, and each reports its fastest round. At 16-128 bytes a
//! validation takes a few nanoseconds, so a neighbour's burst that inflates
//! one criterion sample by a nanosecond changes the ratio by 20%; the
//! minimum over interleaved rounds is what the code itself costs.
//!
//! `taskset -c 1 cargo run --release -p sockeye-benches --example utf8_interleaved`

use std::hint::black_box;
use std::time::Instant;

use sockeye_benches::{ascii_text, mixed_text};
use sockeye_proto::utf8::Validator;

/// A whole message through sockeye's incremental validator.
fn sockeye(data: &[u8]) -> bool {
    let mut v = Validator::new();
    v.feed(data).is_ok() && v.finish().is_ok()
}

/// simdutf8 with runtime-detected SIMD, the ecosystem's fastest validator.
fn simdutf8(data: &[u8]) -> bool {
    simdutf8::basic::from_utf8(data).is_ok()
}

/// Nanoseconds per call of `f` over `iters` calls.
fn time(f: fn(&[u8]) -> bool, data: &[u8], iters: u32) -> f64 {
    let start = Instant::now();
    for _ in 0..iters {
        assert!(f(black_box(data)));
    }
    start.elapsed().as_nanos() as f64 / f64::from(iters)
}

/// Message sizes: small ones of every validator path (DFA, padded block,
/// vector kernel), sizes that are and are not multiples of simdutf8's
/// 64-byte block, and long text.
const SIZES: [usize; 14] = [
    16, 32, 48, 64, 100, 128, 200, 256, 512, 1000, 1024, 4096, 16384, 65536,
];

fn main() {
    const ROUNDS: usize = 300;
    println!("| text | size | sockeye ns | simdutf8 ns | sockeye / simdutf8 (throughput) |");
    println!("| --- | --- | --- | --- | --- |");
    for size in SIZES {
        for (kind, text) in [
            ("ascii", ascii_text(size)),
            ("mixed30", mixed_text(size, 30)),
        ] {
            let data = text.as_bytes();
            // About 2 ms per round whatever the size.
            let iters = (2_000_000 / (size + 64)) as u32;
            let (mut ours, mut theirs) = (f64::MAX, f64::MAX);
            for _ in 0..ROUNDS {
                ours = ours.min(time(sockeye, data, iters));
                theirs = theirs.min(time(simdutf8, data, iters));
            }
            println!(
                "| {kind} | {size} B | {ours:.2} | {theirs:.2} | {:.2}x |",
                theirs / ours
            );
        }
    }
}
