//! The ASCII scan in front of UTF-8 validation: most text messages are
//! all ASCII, and an ASCII check is cheaper than any validator.

/// Pieces up to this many bytes are first checked for being all ASCII, the
/// usual small text message (JSON, chat). The standard library's word-wide
/// `is_ascii` decides such a piece in about half the time simdutf8 needs to
/// get going (a call through a function pointer, a 64-byte block set up):
/// 128 bytes in 3.0 ns against 5.2 ns (`benches/examples/utf8_interleaved.rs`).
/// Short text that is not ASCII pays for the failed check, about 1.5 ns at
/// 128 bytes. Longer pieces take [`ascii_prefix`]'s vector scan instead.
pub(super) const SHORT_ASCII_LEN: usize = 256;

/// The length of a prefix of `input` that is all ASCII, hence valid UTF-8
/// ending on a code point boundary: all of it or nothing by `is_ascii` up
/// to [`SHORT_ASCII_LEN`] bytes, [`ascii_prefix`] above.
#[inline]
pub(super) fn ascii_len(input: &[u8]) -> usize {
    if input.len() <= SHORT_ASCII_LEN {
        if input.is_ascii() {
            input.len()
        } else {
            0
        }
    } else {
        ascii_prefix(input)
    }
}

/// The length of a prefix of `input` that is all ASCII: all of it exactly
/// when the input is ASCII and the CPU has AVX2, otherwise where the scan
/// met the first 256-byte block holding a non-ASCII byte (possibly 0).
/// Without AVX2 it returns 0 and leaves the work to the full validator,
/// whose own loop checks for ASCII block by block.
#[inline]
pub(super) fn ascii_prefix(input: &[u8]) -> usize {
    #[cfg(target_arch = "x86_64")]
    if crate::mask::has_avx2() {
        // SAFETY: the CPU supports AVX2 (or the crate was compiled for it).
        return unsafe { x86::ascii_prefix_avx2(input) };
    }
    let _ = input;
    0
}

/// The x86_64 ASCII scan.
#[cfg(target_arch = "x86_64")]
mod x86 {
    use core::arch::x86_64::*;

    /// From this length on, the scan first brings the pointer to a 32-byte
    /// boundary so that no load splits a cache line: 2.2x simdutf8 at 64 KiB
    /// from an odd address against 1.1x without, while below it the extra
    /// step costs more than the split loads.
    const ALIGN_FROM: usize = 1024;

    /// Whether any of the 32 bytes at `p` has its high bit set.
    ///
    /// # Safety
    ///
    /// The CPU must support AVX2, and `p..p + 32` must be readable.
    #[inline]
    #[target_feature(enable = "avx2")]
    unsafe fn any_high(p: *const __m256i) -> bool {
        // SAFETY: the caller guarantees 32 readable bytes; the load is an
        // unaligned one.
        _mm256_movemask_epi8(unsafe { _mm256_loadu_si256(p) }) != 0
    }

    /// [`super::ascii_prefix`] with AVX2: 256 bytes a step (eight loads
    /// ORed together, one test of the sign bits), then 32, then
    /// `is_ascii` for the last 0-31 bytes. Stops at the first step that
    /// holds a non-ASCII byte and returns where that step began.
    ///
    /// # Safety
    ///
    /// The CPU must support AVX2.
    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn ascii_prefix_avx2(input: &[u8]) -> usize {
        let len = input.len();
        let ptr = input.as_ptr();
        let mut i = 0;
        if len >= ALIGN_FROM {
            // SAFETY: `len >= 32`, so bytes `0..32` lie inside `input`.
            if unsafe { any_high(ptr as *const __m256i) } {
                return 0;
            }
            // Bytes before the boundary were just checked (the step below
            // may check a few of them again).
            i = ptr.align_offset(32);
        }
        while i + 256 <= len {
            // SAFETY: bytes `i..i + 256` lie inside `input`; the loads are
            // unaligned ones.
            let any = unsafe {
                let p = ptr.add(i) as *const __m256i;
                let a = _mm256_or_si256(_mm256_loadu_si256(p), _mm256_loadu_si256(p.add(1)));
                let b = _mm256_or_si256(_mm256_loadu_si256(p.add(2)), _mm256_loadu_si256(p.add(3)));
                let c = _mm256_or_si256(_mm256_loadu_si256(p.add(4)), _mm256_loadu_si256(p.add(5)));
                let d = _mm256_or_si256(_mm256_loadu_si256(p.add(6)), _mm256_loadu_si256(p.add(7)));
                _mm256_or_si256(_mm256_or_si256(a, b), _mm256_or_si256(c, d))
            };
            if _mm256_movemask_epi8(any) != 0 {
                return i;
            }
            i += 256;
        }
        while i + 32 <= len {
            // SAFETY: bytes `i..i + 32` lie inside `input`.
            if unsafe { any_high(ptr.add(i) as *const __m256i) } {
                return i;
            }
            i += 32;
        }
        if input[i..].is_ascii() {
            len
        } else {
            i
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    /// Whether [`ascii_prefix`] scans here (AVX2) rather than returning 0.
    fn vector_scan() -> bool {
        #[cfg(target_arch = "x86_64")]
        return crate::mask::has_avx2();
        #[cfg(not(target_arch = "x86_64"))]
        false
    }

    #[test]
    fn ascii_prefix_stops_at_the_block_with_the_first_high_byte() {
        // Around every step of the AVX2 scan (the aligning step from 1 KiB,
        // 256, 32, then the tail), at every start alignment: the prefix is
        // ASCII, is all of an ASCII input when the CPU has AVX2, and
        // otherwise ends less than one 256-byte step before the first
        // non-ASCII byte.
        let lens: &[usize] = if cfg!(miri) {
            &[0, 31, 32, 255, 256, 289, 1100]
        } else {
            &[
                0, 1, 31, 32, 33, 127, 128, 129, 159, 160, 161, 255, 256, 257, 300, 383, 384, 385,
                511, 512, 513, 1000, 1023, 1024, 1025, 1100, 1311, 4099,
            ]
        };
        let mut buf: Vec<u8> = (0..4099 + 32).map(|i| b' ' + (i % 95) as u8).collect();
        for &len in lens {
            for align in [0, 1, 7, 16, 17, 31] {
                let ascii = &buf[align..align + len];
                let n = ascii_prefix(ascii);
                if vector_scan() {
                    assert_eq!(n, len, "len {len}, align {align}");
                } else {
                    assert!(n <= len);
                }
                let step = if cfg!(miri) { 37 } else { 1 };
                for at in (0..len).step_by(step).chain(len.checked_sub(1)) {
                    // The same start address as `ascii`, one byte changed
                    // (and restored after).
                    let saved = buf[align + at];
                    buf[align + at] = 0x80 | (at as u8);
                    let n = ascii_prefix(&buf[align..align + len]);
                    buf[align + at] = saved;
                    assert!(n <= at, "len {len}, align {align}, high byte at {at}: {n}");
                    if vector_scan() {
                        assert!(
                            at - n < 256,
                            "len {len}, align {align}, high byte at {at}: {n}"
                        );
                    }
                }
            }
        }
    }
}
