//! Masking throughput, in one run: sockeye's `apply_mask` (and each of its
//! kernels) against `copy_from_slice` of the same size and against
//! fastwebsockets' `unmask`, at sizes from 16 B to 1 MiB; and at 64 KiB and
//! 1 MiB, at every start alignment 0..64 and key offset 0..4.
//!
//! `copy_from_slice` reads and writes as many bytes as masking does, into a
//! second buffer; in-place masking touches half the memory, so the target is
//! 1.2x its throughput at the large sizes.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use sockeye_benches::{ThreadCpuTime, MASK_KEY as KEY, MASK_SIZES as SIZES};
use sockeye_proto::mask::{apply_mask, apply_mask_with, Kernel};

fn size_name(size: usize) -> String {
    match size {
        s if s >= 1 << 20 => format!("{}MiB", s >> 20),
        s if s >= 1 << 10 => format!("{}KiB", s >> 10),
        s => format!("{s}B"),
    }
}

/// A buffer with room for `size` bytes at any start alignment 0..64 from a
/// 64-byte boundary; returns it and the index of that boundary.
fn aligned_buffer(size: usize) -> (Vec<u8>, usize) {
    let buf: Vec<u8> = (0..size + 128).map(|i| i as u8).collect();
    let base = buf.as_ptr().align_offset(64);
    (buf, base)
}

/// Every size: sockeye (dispatching entry point, and each available kernel)
/// vs fastwebsockets vs copy_from_slice, all 64-byte aligned.
fn sizes(c: &mut Criterion<ThreadCpuTime>) {
    let mut group = c.benchmark_group("mask");
    for size in SIZES {
        let name = size_name(size);
        let (mut buf, base) = aligned_buffer(size);
        let (src, sbase) = aligned_buffer(size);
        group.throughput(Throughput::Bytes(size as u64));
        group.bench_function(BenchmarkId::new("sockeye", &name), |b| {
            b.iter(|| apply_mask(black_box(&mut buf[base..base + size]), KEY, 0))
        });
        group.bench_function(BenchmarkId::new("fastwebsockets", &name), |b| {
            b.iter(|| fastwebsockets::unmask(black_box(&mut buf[base..base + size]), KEY))
        });
        group.bench_function(BenchmarkId::new("copy_from_slice", &name), |b| {
            b.iter(|| {
                buf[base..base + size].copy_from_slice(black_box(&src[sbase..sbase + size]));
                black_box(&mut buf);
            })
        });
        for kernel in Kernel::ALL.into_iter().filter(|k| k.is_available()) {
            group.bench_function(
                BenchmarkId::new(format!("sockeye_{}", kernel.name()), &name),
                |b| {
                    b.iter(|| {
                        apply_mask_with(kernel, black_box(&mut buf[base..base + size]), KEY, 0)
                    })
                },
            );
        }
    }
    group.finish();
}

/// 64 KiB and 1 MiB at every start alignment and key offset. Each sample
/// sweeps all 256 combinations, so one number covers them all; the
/// per-alignment minimum is checked by `alignment_extremes` below.
fn alignments(c: &mut Criterion<ThreadCpuTime>) {
    let mut group = c.benchmark_group("mask_all_alignments");
    group.sample_size(10);
    for size in [64 * 1024, 1024 * 1024] {
        let name = size_name(size);
        let (mut buf, base) = aligned_buffer(size);
        let (src, sbase) = aligned_buffer(size);
        group.throughput(Throughput::Bytes(size as u64 * 256));
        group.bench_function(BenchmarkId::new("sockeye", &name), |b| {
            b.iter(|| {
                for align in 0..64 {
                    for offset in 0..4 {
                        let s = base + align;
                        black_box(apply_mask(black_box(&mut buf[s..s + size]), KEY, offset));
                    }
                }
            })
        });
        group.bench_function(BenchmarkId::new("copy_from_slice", &name), |b| {
            b.iter(|| {
                for align in 0..64 {
                    for offset in 0..4 {
                        let s = base + align;
                        let t = sbase + (align + offset * 17) % 64;
                        buf[s..s + size].copy_from_slice(black_box(&src[t..t + size]));
                        black_box(&mut buf);
                    }
                }
            })
        });
    }
    group.finish();
}

/// The alignments that are hardest for a vector kernel (1, 31, 33, 63 bytes
/// past a cache line) at both large sizes and two key offsets, each its own
/// measurement, next to copy_from_slice at the same misalignment.
fn alignment_extremes(c: &mut Criterion<ThreadCpuTime>) {
    let mut group = c.benchmark_group("mask_alignment");
    for size in [64 * 1024, 1024 * 1024] {
        let name = size_name(size);
        let (mut buf, base) = aligned_buffer(size);
        let (src, sbase) = aligned_buffer(size);
        group.throughput(Throughput::Bytes(size as u64));
        for align in [0, 1, 31, 33, 63] {
            let s = base + align;
            for offset in [0, 3] {
                group.bench_function(
                    BenchmarkId::new("sockeye", format!("{name}/align{align}/off{offset}")),
                    |b| b.iter(|| apply_mask(black_box(&mut buf[s..s + size]), KEY, offset)),
                );
            }
            let t = sbase + (align * 7) % 64;
            group.bench_function(
                BenchmarkId::new("copy_from_slice", format!("{name}/align{align}")),
                |b| {
                    b.iter(|| {
                        buf[s..s + size].copy_from_slice(black_box(&src[t..t + size]));
                        black_box(&mut buf);
                    })
                },
            );
        }
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = sockeye_benches::criterion();
    targets = sizes, alignments, alignment_extremes
}
criterion_main!(benches);
