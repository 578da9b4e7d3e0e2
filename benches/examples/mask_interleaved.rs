//! Masking at every size, timed the way criterion cannot on a noisy shared
//! machine: sockeye's `apply_mask`, fastwebsockets' `unmask` and
//! `copy_from_slice` of the same size run in alternation, 300 rounds each,
//! and each reports its fastest round. Below a few hundred bytes a call
//! takes a few nanoseconds, and criterion's cells there move by ±25% with
//! code placement and neighbours (identical machine code measured 2x apart
//! in one run); the minimum over interleaved rounds is what the code itself
//! costs.
//!
//! Each function is called through `#[inline(never)]` wrappers, so that
//! none is inlined into the timing loop and laid out differently from the
//! others.
//!
//! A second table times the two sizes where the target compares masking
//! with a copy, 64 KiB and 1 MiB, at the hardest start alignments and key
//! offsets (each against a copy into a buffer at the same alignment).
//!
//! `taskset -c 1 cargo run --release -p sockeye-benches --example mask_interleaved`

use std::hint::black_box;
use std::time::Instant;

use sockeye_benches::{MASK_KEY as KEY, MASK_SIZES};
use sockeye_proto::mask::apply_mask;

/// sockeye's dispatching entry point, as a connection calls it.
#[inline(never)]
fn sockeye(buf: &mut [u8], _src: &[u8]) {
    apply_mask(buf, KEY, 0);
}

/// fastwebsockets' public `unmask`, the fastest peer masking one can call.
#[inline(never)]
fn fastwebsockets(buf: &mut [u8], _src: &[u8]) {
    fastwebsockets::unmask(buf, KEY);
}

/// A copy of the same size into a second buffer.
#[inline(never)]
fn copy(buf: &mut [u8], src: &[u8]) {
    buf.copy_from_slice(src);
}

type Kernel = fn(&mut [u8], &[u8]);

/// Nanoseconds per call of `f` over `iters` calls.
fn time(f: impl Fn(&mut [u8], &[u8]), buf: &mut [u8], src: &[u8], iters: u32) -> f64 {
    let start = Instant::now();
    for _ in 0..iters {
        f(black_box(&mut *buf), black_box(src));
    }
    start.elapsed().as_nanos() as f64 / f64::from(iters)
}

/// The criterion bench's sizes, plus sizes off the 32-byte grid.
fn sizes_to_time() -> Vec<usize> {
    let mut sizes: Vec<usize> = MASK_SIZES.into_iter().chain([31, 100, 255, 1000]).collect();
    sizes.sort_unstable();
    sizes
}

const ROUNDS: usize = 300;

fn main() {
    sizes();
    alignments();
}

/// Every size, 64-byte aligned, key offset 0.
fn sizes() {
    println!(
        "| size | sockeye ns | fastwebsockets ns | copy ns | sockeye / fastwebsockets | sockeye / copy |"
    );
    println!("| --- | --- | --- | --- | --- | --- |");
    for size in sizes_to_time() {
        // 64-byte aligned buffers, as in the criterion bench.
        let mut raw = vec![0x5au8; size + 64];
        let mut raw_src = vec![0xa5u8; size + 64];
        let base = raw.as_ptr().align_offset(64);
        let sbase = raw_src.as_ptr().align_offset(64);
        let buf = &mut raw[base..base + size];
        let src = &mut raw_src[sbase..sbase + size];
        // About 1 ms per round whatever the size.
        let iters = (1_000_000 / (size + 32)).max(1) as u32;
        let mut best = [f64::MAX; 3];
        let fns: [Kernel; 3] = [sockeye, fastwebsockets, copy];
        for _ in 0..ROUNDS {
            for (f, best) in fns.iter().zip(&mut best) {
                *best = best.min(time(*f, buf, src, iters));
            }
        }
        let [ours, theirs, copied] = best;
        println!(
            "| {size} B | {ours:.2} | {theirs:.2} | {copied:.2} | {:.2}x | {:.2}x |",
            theirs / ours,
            copied / ours
        );
    }
}

/// 64 KiB and 1 MiB at start alignments 0, 1, 31, 33 and 63 and key
/// offsets 0 and 3: sockeye against `copy_from_slice` with its destination
/// at the same alignment.
fn alignments() {
    println!();
    println!("| size | alignment | key offset | sockeye ns | copy ns | sockeye / copy |");
    println!("| --- | --- | --- | --- | --- | --- |");
    for size in [64 * 1024, 1024 * 1024] {
        let mut raw = vec![0x5au8; size + 128];
        let raw_src = vec![0xa5u8; size + 128];
        let base = raw.as_ptr().align_offset(64);
        let sbase = raw_src.as_ptr().align_offset(64);
        let iters = (1_000_000 / size).max(1) as u32;
        for align in [0, 1, 31, 33, 63] {
            for offset in [0, 3] {
                let buf = &mut raw[base + align..base + align + size];
                let src = &raw_src[sbase..sbase + size];
                let (mut ours, mut copied) = (f64::MAX, f64::MAX);
                for _ in 0..ROUNDS {
                    ours = ours.min(time(|b, _| mask_at(b, offset), buf, src, iters));
                    copied = copied.min(time(copy, buf, src, iters));
                }
                println!(
                    "| {} KiB | {align} | {offset} | {ours:.0} | {copied:.0} | {:.2}x |",
                    size >> 10,
                    copied / ours
                );
            }
        }
    }
}

/// sockeye's `apply_mask` from key offset `offset`.
#[inline(never)]
fn mask_at(buf: &mut [u8], offset: usize) {
    apply_mask(buf, KEY, offset);
}
