//! UTF-8 validation throughput, in one run: sockeye's incremental
//! `Validator` against simdutf8 (`basic::from_utf8`, runtime-detected SIMD)
//! and `core::str::from_utf8`, on ASCII and on mixed text ("mixed30": 30
//! characters in 300 multi-byte, about 23% of the bytes of long text), as
//! whole messages and in fragments (the
//! fragment size is chosen so that code points are split at the cuts).

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use sockeye_benches::ThreadCpuTime;
use sockeye_benches::{ascii_text, mixed_text};
use sockeye_proto::utf8::Validator;

fn sockeye_whole(data: &[u8]) -> bool {
    let mut v = Validator::new();
    v.feed(data).is_ok() && v.finish().is_ok()
}

fn sockeye_fragments(data: &[u8], fragment: usize) -> bool {
    let mut v = Validator::new();
    for piece in data.chunks(fragment) {
        if v.feed(piece).is_err() {
            return false;
        }
    }
    v.finish().is_ok()
}

fn whole(c: &mut Criterion<ThreadCpuTime>) {
    let mut group = c.benchmark_group("utf8");
    for (kind, make) in [
        ("ascii", ascii_text as fn(usize) -> String),
        ("mixed30", |n| mixed_text(n, 30)),
    ] {
        for size in [16usize, 128, 1024, 64 * 1024, 1024 * 1024] {
            let text = make(size);
            let data = text.as_bytes();
            let name = format!("{kind}/{}", size_name(size));
            group.throughput(Throughput::Bytes(size as u64));
            group.bench_function(BenchmarkId::new("sockeye", &name), |b| {
                b.iter(|| assert!(sockeye_whole(black_box(data))))
            });
            group.bench_function(BenchmarkId::new("simdutf8", &name), |b| {
                b.iter(|| assert!(simdutf8::basic::from_utf8(black_box(data)).is_ok()))
            });
            group.bench_function(BenchmarkId::new("core", &name), |b| {
                b.iter(|| assert!(core::str::from_utf8(black_box(data)).is_ok()))
            });
        }
    }
    group.finish();
}

/// A 1 MiB message in 4093-byte fragments (a prime, so code points
/// straddle the cuts): sockeye's incremental validator vs simdutf8 over the
/// whole message at once (the best a non-incremental validator can do) and
/// vs simdutf8's own streaming `compat` API driven the usual way
/// (validate, carry `valid_up_to` leftovers).
fn fragments(c: &mut Criterion<ThreadCpuTime>) {
    let mut group = c.benchmark_group("utf8_fragments");
    let size = 1024 * 1024;
    let fragment = 4093;
    for (kind, text) in [
        ("ascii", ascii_text(size)),
        ("mixed30", mixed_text(size, 30)),
    ] {
        let data = text.as_bytes();
        assert!(sockeye_fragments(data, fragment));
        group.throughput(Throughput::Bytes(size as u64));
        group.bench_function(BenchmarkId::new("sockeye", kind), |b| {
            b.iter(|| assert!(sockeye_fragments(black_box(data), fragment)))
        });
        group.bench_function(BenchmarkId::new("simdutf8_whole", kind), |b| {
            b.iter(|| assert!(simdutf8::basic::from_utf8(black_box(data)).is_ok()))
        });
        group.bench_function(BenchmarkId::new("simdutf8_compat_pieces", kind), |b| {
            b.iter(|| {
                let mut carry = [0u8; 8];
                let mut carry_len = 0;
                for piece in black_box(data).chunks(fragment) {
                    let mut piece = piece;
                    if carry_len > 0 {
                        let take = (4 - carry_len).min(piece.len());
                        carry[carry_len..carry_len + take].copy_from_slice(&piece[..take]);
                        let joined = &carry[..carry_len + take];
                        let used = match simdutf8::compat::from_utf8(joined) {
                            Ok(_) => take,
                            Err(e) => {
                                assert!(e.error_len().is_none() && e.valid_up_to() > 0);
                                e.valid_up_to() - carry_len
                            }
                        };
                        piece = &piece[used..];
                        carry_len = 0;
                    }
                    if let Err(e) = simdutf8::compat::from_utf8(piece) {
                        assert!(e.error_len().is_none());
                        let tail = &piece[e.valid_up_to()..];
                        carry[..tail.len()].copy_from_slice(tail);
                        carry_len = tail.len();
                    }
                }
                assert_eq!(carry_len, 0);
            })
        });
    }
    group.finish();
}

fn size_name(size: usize) -> String {
    match size {
        s if s >= 1 << 20 => format!("{}MiB", s >> 20),
        s if s >= 1 << 10 => format!("{}KiB", s >> 10),
        s => format!("{s}B"),
    }
}

criterion_group! {
    name = benches;
    config = sockeye_benches::criterion();
    targets = whole, fragments
}
criterion_main!(benches);
