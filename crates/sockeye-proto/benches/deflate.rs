//! permessage-deflate throughput: compress and inflate a 64 KiB message of
//! JSON-like text per compression level and window size.
//!
//! `cargo bench -p sockeye-proto --bench deflate`

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use sockeye_proto::deflate::{Compressor, Inflater};
use sockeye_proto::BytesMut;

/// 64 KiB of repetitive but not trivial text, like a feed of JSON events.
fn message() -> Vec<u8> {
    let mut out = Vec::with_capacity(64 << 10);
    let mut i: u64 = 0;
    while out.len() < 64 << 10 {
        i = i
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        out.extend_from_slice(
            format!(
                "{{\"id\":{},\"user\":\"user{}\",\"price\":{}.{:02},\"side\":\"{}\"}}\n",
                i >> 40,
                (i >> 20) % 1000,
                (i >> 8) % 10000,
                i % 100,
                if i & 1 == 0 { "buy" } else { "sell" }
            )
            .as_bytes(),
        );
    }
    out.truncate(64 << 10);
    out
}

fn compress(c: &mut Criterion) {
    let msg = message();
    let mut group = c.benchmark_group("deflate/compress");
    group.throughput(Throughput::Bytes(msg.len() as u64));
    for (level, bits) in [(1, 15), (6, 15), (9, 15), (6, 12), (6, 9), (1, 9)] {
        let mut comp = Compressor::new(level, bits);
        let mut out = BytesMut::with_capacity(msg.len());
        group.bench_function(
            BenchmarkId::new(format!("level{level}"), format!("w{bits}")),
            |b| {
                b.iter(|| {
                    out.clear();
                    comp.compress(black_box(&msg), true, &mut out).unwrap();
                    comp.reset();
                    black_box(out.len())
                })
            },
        );
    }
    group.finish();
}

fn inflate(c: &mut Criterion) {
    let msg = message();
    let mut group = c.benchmark_group("deflate/inflate");
    group.throughput(Throughput::Bytes(msg.len() as u64));
    for (level, bits) in [(1, 15), (6, 15), (6, 9)] {
        let mut comp = Compressor::new(level, bits);
        let mut packed = BytesMut::new();
        comp.compress(&msg, true, &mut packed).unwrap();
        let mut inf = Inflater::new();
        let mut out = BytesMut::with_capacity(msg.len() * 2);
        group.bench_function(
            BenchmarkId::new(format!("level{level}"), format!("w{bits}")),
            |b| {
                b.iter(|| {
                    out.clear();
                    inf.inflate(black_box(&packed), true, &mut out, usize::MAX - 1)
                        .unwrap();
                    inf.reset();
                    black_box(out.len())
                })
            },
        );
    }
    group.finish();
}

/// The cost of state per message without context takeover: a fresh
/// compressor each time versus one reused (what the pool provides).
fn fresh_vs_reused(c: &mut Criterion) {
    let msg = &message()[..2048];
    let mut group = c.benchmark_group("deflate/no-takeover-2KiB");
    group.throughput(Throughput::Bytes(msg.len() as u64));
    let mut out = BytesMut::with_capacity(4096);
    group.bench_function("fresh-state", |b| {
        b.iter(|| {
            out.clear();
            let mut comp = Box::new(Compressor::new(6, 15));
            comp.compress(black_box(msg), true, &mut out).unwrap();
            black_box(out.len())
        })
    });
    let mut comp = Box::new(Compressor::new(6, 15));
    group.bench_function("reused-state", |b| {
        b.iter(|| {
            out.clear();
            comp.reconfigure(6, 15);
            comp.compress(black_box(msg), true, &mut out).unwrap();
            black_box(out.len())
        })
    });
    group.finish();
}

criterion_group!(benches, compress, inflate, fresh_vs_reused);
criterion_main!(benches);
