//! UTF-8 validation with AVX2, 32 bytes at a time, by table lookups: the
//! algorithm of Keiser and Lemire, "Validating UTF-8 in less than one
//! instruction per byte" (2021), which simdjson and simdutf8 also use.
//!
//! Every byte is checked against the (up to) three bytes before it. Two
//! nibbles of the byte before and the high nibble of the byte itself index
//! three 16-entry tables whose entries are sets of error kinds; a byte pair
//! is wrong when the three sets share a kind. The one error a pair cannot
//! show, a missing or extra third or fourth byte, comes from comparing the
//! bytes two and three back against `E0` and `F0`.
//!
//! What this kernel does differently from simdutf8: the three "bytes
//! before" vectors are plain unaligned loads one, two and three bytes back
//! (two loads a cycle) instead of lane-crossing shuffles, so no state runs
//! from one vector to the next; the last, partial vector is the last 32
//! bytes of the input, overlapping bytes already checked, instead of a copy
//! into a zero-padded buffer; and input of 32 to 64 bytes takes a
//! straight-line path with one test for "valid and complete". These matter
//! most for messages of a few dozen to a few hundred bytes, where simdutf8
//! spends a good part of its time on the tail copy (or, under 64 bytes,
//! hands the input to the standard library's byte-at-a-time validator).

pub(super) use x86::validate_avx2;

/// The shortest input [`validate_avx2`] takes: one vector.
pub(super) const MIN_LEN: usize = 32;

/// The longest input [`validate_avx2`] answers from its first and last
/// vector when it is all ASCII, so that callers need no ASCII scan in front.
pub(super) const WHOLE_LEN: usize = 64;

mod x86 {
    use super::super::Prefix;
    use core::arch::x86_64::*;

    // The error kinds, one bit each, as the tables below name them. A pair
    // (`lead`, `next`) is wrong when the entries for `lead`'s high nibble,
    // `lead`'s low nibble and `next`'s high nibble share a bit.
    /// A lead byte not followed by a continuation byte.
    const TOO_SHORT: u8 = 1 << 0;
    /// A continuation byte after an ASCII byte.
    const TOO_LONG: u8 = 1 << 1;
    /// `E0 80..9F`: a 3-byte form of a code point under U+0800.
    const OVERLONG_3: u8 = 1 << 2;
    /// `F4 90..BF` or `F5..FF 90..BF`: above U+10FFFF.
    const TOO_LARGE: u8 = 1 << 3;
    /// `ED A0..BF`: a UTF-16 surrogate.
    const SURROGATE: u8 = 1 << 4;
    /// `C0..C1 80..BF`: a 2-byte form of an ASCII character.
    const OVERLONG_2: u8 = 1 << 5;
    /// `F5..FF 80..8F`: above U+10FFFF (with `F0 80..8F`, same bit).
    const TOO_LARGE_1000: u8 = 1 << 6;
    /// `F0 80..8F`: a 4-byte form of a code point under U+10000.
    const OVERLONG_4: u8 = 1 << 6;
    /// Two continuation bytes in a row: wrong unless the byte two or three
    /// back leads a 3- or 4-byte sequence (checked separately).
    const TWO_CONTS: u8 = 1 << 7;
    /// Kinds decided by the high nibble of `lead` and of `next` alone.
    const CARRY: u8 = TOO_SHORT | TOO_LONG | TWO_CONTS;

    /// Indexed by the high nibble of the byte before.
    const BYTE_1_HIGH: [u8; 16] = [
        // 0___: ASCII
        TOO_LONG,
        TOO_LONG,
        TOO_LONG,
        TOO_LONG,
        TOO_LONG,
        TOO_LONG,
        TOO_LONG,
        TOO_LONG,
        // 10__: continuation
        TWO_CONTS,
        TWO_CONTS,
        TWO_CONTS,
        TWO_CONTS,
        // 1100: C0..CF
        TOO_SHORT | OVERLONG_2,
        // 1101: D0..DF
        TOO_SHORT,
        // 1110: E0..EF
        TOO_SHORT | OVERLONG_3 | SURROGATE,
        // 1111: F0..FF
        TOO_SHORT | TOO_LARGE | TOO_LARGE_1000 | OVERLONG_4,
    ];

    /// Indexed by the low nibble of the byte before.
    const BYTE_1_LOW: [u8; 16] = [
        // _0: C0, E0, F0
        CARRY | OVERLONG_2 | OVERLONG_3 | OVERLONG_4,
        // _1: C1
        CARRY | OVERLONG_2,
        CARRY,
        CARRY,
        // _4: F4
        CARRY | TOO_LARGE,
        // _5.._F: F5..FF
        CARRY | TOO_LARGE | TOO_LARGE_1000,
        CARRY | TOO_LARGE | TOO_LARGE_1000,
        CARRY | TOO_LARGE | TOO_LARGE_1000,
        CARRY | TOO_LARGE | TOO_LARGE_1000,
        CARRY | TOO_LARGE | TOO_LARGE_1000,
        CARRY | TOO_LARGE | TOO_LARGE_1000,
        CARRY | TOO_LARGE | TOO_LARGE_1000,
        CARRY | TOO_LARGE | TOO_LARGE_1000,
        // _D: ED
        CARRY | TOO_LARGE | TOO_LARGE_1000 | SURROGATE,
        CARRY | TOO_LARGE | TOO_LARGE_1000,
        CARRY | TOO_LARGE | TOO_LARGE_1000,
    ];

    /// Indexed by the high nibble of the byte itself.
    const BYTE_2_HIGH: [u8; 16] = [
        // 0___: ASCII
        TOO_SHORT,
        TOO_SHORT,
        TOO_SHORT,
        TOO_SHORT,
        TOO_SHORT,
        TOO_SHORT,
        TOO_SHORT,
        TOO_SHORT,
        // 1000: 80..8F
        TOO_LONG | OVERLONG_2 | TWO_CONTS | OVERLONG_3 | TOO_LARGE_1000 | OVERLONG_4,
        // 1001: 90..9F
        TOO_LONG | OVERLONG_2 | TWO_CONTS | OVERLONG_3 | TOO_LARGE,
        // 101_: A0..BF
        TOO_LONG | OVERLONG_2 | TWO_CONTS | SURROGATE | TOO_LARGE,
        TOO_LONG | OVERLONG_2 | TWO_CONTS | SURROGATE | TOO_LARGE,
        // 11__: a lead byte
        TOO_SHORT,
        TOO_SHORT,
        TOO_SHORT,
        TOO_SHORT,
    ];

    /// The largest byte each of the last 32 may be when the input ends on
    /// a code point boundary: below `F0` three from the end, below `E0`
    /// two from the end, below `C0` last.
    const LAST_MAX: [u8; 32] = {
        let mut max = [0xFF; 32];
        max[29] = 0xF0 - 1;
        max[30] = 0xE0 - 1;
        max[31] = 0xC0 - 1;
        max
    };

    /// The 32 bytes as a vector.
    #[inline]
    #[target_feature(enable = "avx2")]
    fn load32(bytes: &[u8; 32]) -> __m256i {
        // SAFETY: `bytes` is 32 readable bytes; the load is an unaligned one.
        unsafe { _mm256_loadu_si256(bytes.as_ptr() as *const __m256i) }
    }

    /// A 16-entry table in both 128-bit lanes, for `_mm256_shuffle_epi8`.
    #[inline]
    #[target_feature(enable = "avx2")]
    fn table(t: &[u8; 16]) -> __m256i {
        let mut both = [0u8; 32];
        both[..16].copy_from_slice(t);
        both[16..].copy_from_slice(t);
        load32(&both)
    }

    /// The constants of the checks, loaded once per call.
    struct Tables {
        byte_1_high: __m256i,
        byte_1_low: __m256i,
        byte_2_high: __m256i,
        low_nibble: __m256i,
    }

    impl Tables {
        #[inline]
        #[target_feature(enable = "avx2")]
        fn new() -> Self {
            Tables {
                byte_1_high: table(&BYTE_1_HIGH),
                byte_1_low: table(&BYTE_1_LOW),
                byte_2_high: table(&BYTE_2_HIGH),
                low_nibble: _mm256_set1_epi8(0x0F),
            }
        }

        /// The errors in the 32 bytes `input`, given the 32 bytes that start
        /// one, two and three bytes earlier: nonzero bytes where a byte
        /// cannot follow the ones before it.
        #[inline]
        #[target_feature(enable = "avx2")]
        fn errors(
            &self,
            input: __m256i,
            prev1: __m256i,
            prev2: __m256i,
            prev3: __m256i,
        ) -> __m256i {
            let high = |v| _mm256_and_si256(_mm256_srli_epi16::<4>(v), self.low_nibble);
            let pairs = _mm256_and_si256(
                _mm256_and_si256(
                    _mm256_shuffle_epi8(self.byte_1_high, high(prev1)),
                    _mm256_shuffle_epi8(self.byte_1_low, _mm256_and_si256(prev1, self.low_nibble)),
                ),
                _mm256_shuffle_epi8(self.byte_2_high, high(input)),
            );
            // The high bit where the byte two back is E0 or above, or the
            // byte three back F0 or above: then this byte must continue a
            // sequence, which is exactly where `pairs` has TWO_CONTS.
            let third = _mm256_subs_epu8(prev2, _mm256_set1_epi8((0xE0u8 - 0x80) as i8));
            let fourth = _mm256_subs_epu8(prev3, _mm256_set1_epi8((0xF0u8 - 0x80) as i8));
            let must_continue = _mm256_and_si256(
                _mm256_or_si256(third, fourth),
                _mm256_set1_epi8(TWO_CONTS as i8),
            );
            _mm256_xor_si256(must_continue, pairs)
        }
    }

    /// Nonzero where the 32 bytes `last` end inside a sequence: a 4-byte
    /// lead among the last three, a 3-byte lead among the last two, or any
    /// lead last (see [`LAST_MAX`]).
    #[inline]
    #[target_feature(enable = "avx2")]
    fn ends_incomplete(last: __m256i) -> __m256i {
        _mm256_subs_epu8(last, load32(&LAST_MAX))
    }

    /// Whether `input` (at least [`super::MIN_LEN`] bytes) is valid UTF-8,
    /// and if not, whether it is a valid beginning that its end cuts inside
    /// a code point ([`Prefix::Incomplete`], with the automaton's state).
    ///
    /// Input of up to 64 bytes that is all ASCII is answered from the first
    /// and the last 32 bytes, so that the caller needs no ASCII scan in
    /// front for those lengths. Otherwise the first 32 bytes are checked
    /// with NUL as the bytes before them, and every later vector loads its
    /// three "bytes before" vectors from the input itself. Above 64 bytes a
    /// loop takes 64 bytes a step, skipping the table lookups for a step
    /// that is all ASCII (then only a sequence cut off by its start can be
    /// wrong, which the 32 bytes before it show), and a 32-byte step may
    /// follow. The last 32 bytes are always checked, overlapping bytes
    /// already checked, so the code is straight-line for short input. When
    /// only one or two bytes follow the first vector they go to the
    /// automaton instead. Every byte is checked against the bytes before it,
    /// so with no error found only the last sequence can be wrong (short of
    /// bytes, or a last byte that can lead nothing): one test of the errors
    /// and the end together decides the common case, valid text ending on a
    /// code point boundary.
    ///
    /// # Safety
    ///
    /// The CPU must support AVX2.
    #[target_feature(enable = "avx2")]
    pub(in crate::utf8) unsafe fn validate_avx2(input: &[u8]) -> Prefix {
        let len = input.len();
        debug_assert!(len >= super::MIN_LEN);
        let ptr = input.as_ptr();
        // SAFETY (every load below): `loadu(i)` reads bytes `i..i + 32`,
        // and each call site keeps that inside `input` (the comment there
        // says why); the loads are unaligned ones.
        let loadu = |i: usize| unsafe { _mm256_loadu_si256(ptr.add(i) as *const __m256i) };

        // `len >= 32`: bytes 0..32 and `len - 32..len` are inside, and
        // cover all the input when `len <= 64`.
        let first = loadu(0);
        let last = loadu(len - 32);
        if len <= super::WHOLE_LEN && _mm256_movemask_epi8(_mm256_or_si256(first, last)) == 0 {
            return Prefix::Complete;
        }
        let t = Tables::new();
        // Bytes 0..32: the bytes before the text count as NUL. `before` is
        // [0; 16] then bytes 0..16, so `alignr` by 16 - n per lane gives the
        // input shifted n bytes later.
        let before = _mm256_permute2x128_si256::<0x08>(first, first);
        let mut error = t.errors(
            first,
            _mm256_alignr_epi8::<15>(first, before),
            _mm256_alignr_epi8::<14>(first, before),
            _mm256_alignr_epi8::<13>(first, before),
        );
        // Bytes `i..i + 32`, for 3 <= i <= len - 32.
        let check = |i: usize| t.errors(loadu(i), loadu(i - 1), loadu(i - 2), loadu(i - 3));

        if len > 64 {
            let mut i = 32;
            while i + 64 <= len {
                // `i >= 32` and `i + 64 <= len`: loads from `i - 32` to
                // `i + 32` stay inside.
                let a = loadu(i);
                let b = loadu(i + 32);
                if _mm256_movemask_epi8(_mm256_or_si256(a, b)) == 0 {
                    error = _mm256_or_si256(error, ends_incomplete(loadu(i - 32)));
                } else {
                    error = _mm256_or_si256(error, _mm256_or_si256(check(i), check(i + 32)));
                }
                i += 64;
            }
            if i + 32 < len {
                // `32 <= i < len - 32`; the last 32 bytes below cover the rest.
                error = _mm256_or_si256(error, check(i));
            }
        } else if len < 35 {
            // 32 to 34 bytes: the one or two after the first vector, with
            // the sequence they may continue, go to the automaton.
            return error_or_cut(input, error, 32);
        }
        // `len - 32 >= 3`.
        error = _mm256_or_si256(error, check(len - 32));
        let suspect = _mm256_or_si256(error, ends_incomplete(last));
        if _mm256_testz_si256(suspect, suspect) == 1 {
            Prefix::Complete
        } else {
            error_or_cut(input, error, len)
        }
    }

    /// The verdict on `input` when the checks of its first `checked` bytes
    /// found `error`, or may have left a sequence unfinished: invalid if
    /// any byte failed its checks; otherwise every checked byte fits the
    /// bytes before it, and only the last sequence (with any bytes after
    /// `checked`) can still be short of bytes or be a byte that leads
    /// nothing (`C0`, `C1`, `F5..FF`): the automaton reads it. Out of line:
    /// valid text ending on a code point boundary never comes here from
    /// input of 35 bytes or more.
    #[inline(never)]
    #[target_feature(enable = "avx2")]
    fn error_or_cut(input: &[u8], error: __m256i, checked: usize) -> Prefix {
        if _mm256_testz_si256(error, error) == 0 {
            Prefix::Invalid
        } else {
            Prefix::from_last_sequence(input, checked)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::Prefix;
    use super::*;
    use alloc::vec::Vec;

    /// Input lengths that take every path of the kernel: 32, one vector;
    /// 33 and 34, one vector and the automaton; 35 and 64, the first and
    /// an overlapping last vector (up to 64, also the ASCII answer from
    /// those two); 80, a 32-byte step before the last vector; 128, a
    /// 64-byte step and the last vector; 161 and 200, two 64-byte steps,
    /// with a 32-byte step before the last vector in 200.
    const LENS: [usize; 9] = [32, 33, 34, 35, 64, 80, 128, 161, 200];

    /// Where a sequence starting at that position meets a seam of the
    /// kernel for an input of `len` bytes: the text's start, the ends of
    /// the first vector and of each step, the start of the overlapping last
    /// vector and the text's end (a 4-byte sequence starting 3 bytes before
    /// a seam, or at it, straddles it or starts it).
    fn seams(len: usize) -> Vec<usize> {
        let mut at: Vec<usize> = [0, 1]
            .into_iter()
            .chain(
                [32, 64, 96, 128, 160, 192, len.saturating_sub(32)]
                    .into_iter()
                    .filter(|&s| s >= 3)
                    .flat_map(|s| [s - 3, s - 1, s]),
            )
            .chain([len - 3, len - 2, len - 1])
            .filter(|&p| p < len)
            .collect();
        at.sort_unstable();
        at.dedup();
        at
    }

    /// Places `seq` at every seam of ASCII text of every length in [`LENS`]
    /// (cut off where it runs past the end) and checks the kernel's verdict
    /// against the standard library's (including whether an invalid input
    /// is only cut short).
    fn check_at_every_seam(seq: &[u8], buf: &mut Vec<u8>) {
        // Under miri (about a thousand times slower), which is there for
        // the loads rather than the verdicts, two lengths that between them
        // load at every bound (the last vector three bytes after the start,
        // the loop, a 32-byte step and the last vector) and every third
        // seam: enough to take both sides of the loop's ASCII branch.
        let (lens, every): (&[usize], usize) = if cfg!(miri) {
            (&[35, 200], 3)
        } else {
            (&LENS, 1)
        };
        for &len in lens {
            for at in seams(len).into_iter().step_by(every) {
                buf.clear();
                buf.resize(len, b'a');
                let n = seq.len().min(len - at);
                buf[at..at + n].copy_from_slice(&seq[..n]);
                // SAFETY: the callers return early without AVX2.
                let got = unsafe { validate_avx2(buf) };
                assert_eq!(got, Prefix::of_core(buf), "{seq:x?} at {at} of {len}");
            }
        }
    }

    /// Bytes at the edges of every class the tables tell apart.
    const EDGES: [u8; 18] = [
        0x00, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xED, 0xF0,
        0xF4, 0xF5, 0xFF,
    ];

    #[test]
    fn every_byte_pair_at_every_seam() {
        if !crate::mask::has_avx2() {
            return;
        }
        // Every first byte; of the second, the tables see the high nibble
        // only, and so does the standard library's verdict on a pair (every
        // range it accepts after a lead byte, 80-BF, A0-BF, 80-9F, 90-BF,
        // 80-8F, ends on nibble boundaries): both ends of every nibble.
        // Under miri (about a thousand times slower) a sample: a byte of
        // each class before a byte of each class.
        let (firsts, highs): (Vec<u8>, Vec<u8>) = if cfg!(miri) {
            (
                alloc::vec![0x41, 0x80, 0xC1, 0xE0, 0xF4],
                alloc::vec![0x00, 0x80, 0xA0, 0xC0],
            )
        } else {
            ((0..=255).collect(), (0..=0xF0).step_by(0x10).collect())
        };
        let mut buf = Vec::new();
        for &a in &firsts {
            for &high in &highs {
                for b in [high, high | 0x0F] {
                    check_at_every_seam(&[a, b], &mut buf);
                }
            }
        }
    }

    #[test]
    fn three_and_four_byte_sequences_at_every_seam() {
        if !crate::mask::has_avx2() {
            return;
        }
        // Lead bytes of every row of the tables, either end of each range;
        // under miri the leads with narrowed second bytes and a few
        // second, third and fourth bytes around their edges.
        let (leads, seconds, thirds, fourths): (&[u8], &[u8], &[u8], &[u8]) = if cfg!(miri) {
            (
                &[0xE0, 0xED, 0xF0, 0xF4],
                &[0x8F, 0xA0],
                &[0x80, 0xC2],
                &[0x7F],
            )
        } else {
            (
                &[
                    0x41, 0x80, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xE1, 0xEC, 0xED, 0xEE, 0xEF, 0xF0,
                    0xF1, 0xF3, 0xF4, 0xF5, 0xF8, 0xFF,
                ],
                &EDGES,
                &EDGES,
                &[0x7F, 0x80, 0xBF, 0xC2],
            )
        };
        let mut buf = Vec::new();
        for &lead in leads {
            for &b in seconds {
                for &c in thirds {
                    check_at_every_seam(&[lead, b, c], &mut buf);
                }
                if lead >= 0xF0 {
                    for &c in thirds {
                        for &d in fourths {
                            check_at_every_seam(&[lead, b, c, d], &mut buf);
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn valid_text_of_every_length_and_alignment() {
        if !crate::mask::has_avx2() {
            return;
        }
        // Code points of every length, so that every seam falls inside one
        // somewhere; every window of it that starts and ends on a code
        // point boundary is valid, and any other one is not.
        let text = "é ж € 中 𝄞 ü κόσμε 𝄞𝄞 ascii ".repeat(8);
        let text = text.as_bytes();
        let step = if cfg!(miri) { 29 } else { 1 };
        for start in (0..40).step_by(step) {
            for end in (start + MIN_LEN..=text.len()).step_by(step) {
                let window = &text[start..end];
                // SAFETY: AVX2 was detected above.
                let got = unsafe { validate_avx2(window) };
                assert_eq!(got, Prefix::of_core(window), "{start}..{end}");
            }
        }
    }
}
