//! Criterion benchmarks of sockeye's kernels, side by side with peers. The
//! benchmarks live in `benches/`; run them with `just bench` (or
//! `cargo bench -p sockeye-benches`). This library holds what they share:
//! the clock and the inputs.

use std::time::Duration;

use criterion::measurement::{Measurement, ValueFormatter, WallTime};
use criterion::Criterion;

/// Criterion's clock for these benchmarks: the CPU time of the measuring
/// thread rather than wall-clock time. On a machine shared with builds and
/// other jobs, time the benchmark spends preempted is not counted, so two
/// functions measured a minute apart compare fairly. (Caches shared with
/// other processes still add noise.) Reported like wall time.
pub struct ThreadCpuTime(WallTime);

impl Measurement for ThreadCpuTime {
    type Intermediate = cpu_time::ThreadTime;
    type Value = Duration;

    fn start(&self) -> Self::Intermediate {
        cpu_time::ThreadTime::now()
    }
    fn end(&self, start: Self::Intermediate) -> Self::Value {
        start.elapsed()
    }
    fn add(&self, v1: &Self::Value, v2: &Self::Value) -> Self::Value {
        *v1 + *v2
    }
    fn zero(&self) -> Self::Value {
        Duration::ZERO
    }
    fn to_f64(&self, value: &Self::Value) -> f64 {
        value.as_nanos() as f64
    }
    fn formatter(&self) -> &dyn ValueFormatter {
        self.0.formatter()
    }
}

/// The criterion configuration every benchmark here uses: the
/// [`ThreadCpuTime`] clock, settings from the command line.
pub fn criterion() -> Criterion<ThreadCpuTime> {
    Criterion::default()
        .with_measurement(ThreadCpuTime(WallTime))
        .configure_from_args()
}

/// Text of `len` bytes in which `multibyte_percent` characters in 300 are
/// multi-byte code points (2, 3 and 4 bytes long, in turn), the rest ASCII.
/// Deterministic. With 30 ("mixed30") about 23% of the bytes of long text
/// are multi-byte, and short text holds few such characters (6.2% of the
/// bytes at 32 B, 12.5% at 16 B).
pub fn mixed_text(len: usize, multibyte_percent: usize) -> String {
    let mut s = String::with_capacity(len + 4);
    let mut state = 0x2545_f491_u32;
    let wide = ['é', 'ж', '€', '中', '𝄞', 'ü'];
    let mut next_wide = 0;
    while s.len() < len {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        // One character in 300 per percent: with 30, 23% of the bytes.
        if (state % 300) < multibyte_percent as u32 {
            let c = wide[next_wide % wide.len()];
            next_wide += 1;
            if s.len() + c.len_utf8() > len {
                break;
            }
            s.push(c);
        } else {
            s.push(char::from(b'a' + (state % 26) as u8));
        }
    }
    while s.len() < len {
        s.push('.');
    }
    s
}

/// `len` bytes of printable ASCII.
pub fn ascii_text(len: usize) -> String {
    (0..len)
        .map(|i| char::from(b' ' + (i % 95) as u8))
        .collect()
}

/// The payload sizes masking is measured at, 16 B to 1 MiB (criterion's
/// `mask` group and `examples/mask_interleaved.rs`).
pub const MASK_SIZES: [usize; 9] = [
    16,
    64,
    256,
    1024,
    4096,
    16 * 1024,
    64 * 1024,
    256 * 1024,
    1024 * 1024,
];

/// The mask key of the masking benchmarks.
pub const MASK_KEY: [u8; 4] = [0x37, 0xfa, 0x21, 0x3d];
