//! The ASCII scan in front of UTF-8 validation: most text messages are
//! all ASCII, and an ASCII check is cheaper than any validator.

/// Pieces up to this many bytes are first checked for being all ASCII, the
/// usual small text message (JSON, chat), by [`is_ascii_short`]: in about
/// half the time simdutf8 needs to get going (a call through a function
/// pointer, a 64-byte block set up). Short text that is not ASCII pays for
/// the failed check, about 1.5 ns at 128 bytes. Longer pieces take
/// [`ascii_prefix`]'s AVX2 scan instead.
pub(super) const SHORT_ASCII_LEN: usize = 256;

/// The length of a prefix of `input` that is all ASCII, hence valid UTF-8
/// ending on a code point boundary: all of it or nothing by
/// [`is_ascii_short`] up to [`SHORT_ASCII_LEN`] bytes, [`ascii_prefix`]
/// above.
#[inline]
pub(super) fn ascii_len(input: &[u8]) -> usize {
    if input.len() <= SHORT_ASCII_LEN {
        if is_ascii_short(input) {
            input.len()
        } else {
            0
        }
    } else {
        ascii_prefix(input)
    }
}

/// Whether `input` (meant for up to a few hundred bytes) is all ASCII.
///
/// The standard library's `is_ascii` checks 64 bytes a step and then the
/// rest of the input one byte at a time: 100 bytes took 18 ns against
/// 2.6 ns for 128 (`benches/examples/utf8_interleaved.rs`). Here the last
/// step is a load of the last 16 (or 8, or 4) bytes, overlapping bytes
/// already checked, so every length costs about what the next multiple of
/// 16 does. Stops at the first 64 bytes holding a non-ASCII byte.
#[inline]
pub(super) fn is_ascii_short(input: &[u8]) -> bool {
    #[cfg(target_arch = "x86_64")]
    if input.len() >= 16 {
        // SAFETY: SSE2 is part of every x86_64 CPU (the target's baseline).
        return unsafe { x86::is_ascii_sse2(input) };
    }
    // (Longer input here only on other architectures.)
    if input.len() > 16 {
        return input.is_ascii();
    }
    // The first and the last 8 (or 4) bytes, overlapping when shorter
    // than twice that.
    const HIGH: u64 = 0x8080_8080_8080_8080;
    if let (Some(first), Some(last)) = (input.first_chunk::<8>(), input.last_chunk::<8>()) {
        return (u64::from_ne_bytes(*first) | u64::from_ne_bytes(*last)) & HIGH == 0;
    }
    if let (Some(first), Some(last)) = (input.first_chunk::<4>(), input.last_chunk::<4>()) {
        return (u32::from_ne_bytes(*first) | u32::from_ne_bytes(*last)) & HIGH as u32 == 0;
    }
    input.iter().fold(0, |acc, &b| acc | b) < 0x80
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
        // The last 0-31 bytes: as the last 32 when there are 32.
        let rest_ascii = if i == len {
            true
        } else if len >= 32 {
            // SAFETY: bytes `len - 32..len` lie inside `input`.
            !unsafe { any_high(ptr.add(len - 32) as *const __m256i) }
        } else {
            super::is_ascii_short(&input[i..])
        };
        if rest_ascii {
            len
        } else {
            i
        }
    }

    /// [`super::is_ascii_short`] for 16 bytes or more, with SSE2 (part of
    /// every x86_64 CPU): the first 16 bytes, then from the start 64 a step
    /// (four loads ORed, one test of the sign bits), then 16 at a time,
    /// then the last 16.
    #[inline]
    #[target_feature(enable = "sse2")]
    pub(super) fn is_ascii_sse2(input: &[u8]) -> bool {
        let len = input.len();
        debug_assert!(len >= 16);
        let ptr = input.as_ptr();
        // SAFETY (every load below): `load(i)` reads bytes `i..i + 16`,
        // inside `input` at each call (the loops' conditions, and
        // `len >= 16` for the last one); the loads are unaligned ones.
        let load = |i: usize| unsafe { _mm_loadu_si128(ptr.add(i) as *const __m128i) };
        // Text that is not ASCII mostly shows it in its first 16 bytes
        // (checked again below: starting the steps at 16 would cost ASCII
        // text of 64 and 128 bytes a quarter of its speed).
        if _mm_movemask_epi8(load(0)) != 0 {
            return false;
        }
        let mut i = 0;
        while i + 64 <= len {
            let any = _mm_or_si128(
                _mm_or_si128(load(i), load(i + 16)),
                _mm_or_si128(load(i + 32), load(i + 48)),
            );
            if _mm_movemask_epi8(any) != 0 {
                return false;
            }
            i += 64;
        }
        let mut any = load(len - 16);
        while i + 16 <= len {
            any = _mm_or_si128(any, load(i));
            i += 16;
        }
        _mm_movemask_epi8(any) == 0
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
    fn short_check_sees_a_high_byte_anywhere() {
        // Every length of the word paths and around the SSE2 steps, at
        // every start alignment within 16 bytes; a high byte of every kind
        // at every position.
        let lens: Vec<usize> = if cfg!(miri) {
            alloc::vec![0, 3, 4, 7, 8, 15, 16, 17, 63, 64, 100, 256]
        } else {
            (0..=300).collect()
        };
        let mut buf: Vec<u8> = (0..300 + 16).map(|i| b' ' + (i % 95) as u8).collect();
        for &len in &lens {
            for align in 0..16 {
                assert!(
                    is_ascii_short(&buf[align..align + len]),
                    "len {len}, align {align}"
                );
                let step = if cfg!(miri) { 13 } else { 1 };
                for at in (0..len).step_by(step).chain(len.checked_sub(1)) {
                    let saved = buf[align + at];
                    for high in [0x80, 0xC3, 0xFF] {
                        buf[align + at] = high;
                        assert!(
                            !is_ascii_short(&buf[align..align + len]),
                            "len {len}, align {align}, {high:x} at {at}"
                        );
                    }
                    buf[align + at] = saved;
                }
            }
        }
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
