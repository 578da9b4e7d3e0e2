//! Incremental UTF-8 validation, and the validated-bytes type text messages
//! arrive in.
//!
//! A text message may arrive in many fragments, and a fragment may end in the
//! middle of a code point. [`Validator`] carries the incomplete code point
//! over to the next piece and reports an error at the first byte that cannot
//! start or continue a valid sequence — as soon as that byte arrives, not at
//! the end of the message (Autobahn's 6.x cases check this "fail fast"
//! behaviour). [`Validator::finish`] catches a sequence truncated by the end
//! of the message.

mod ascii;
mod dfa;
#[cfg(target_arch = "x86_64")]
mod lookup;

use ascii::ascii_len;
#[cfg(test)]
use ascii::SHORT_ASCII_LEN;
use bytes::Bytes;
use core::fmt;

/// The input is not valid UTF-8.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Utf8Error {
    /// Whether the error is a truncated sequence at the end of the message
    /// (as opposed to a byte that can never be valid where it stands).
    pub truncated: bool,
}

impl fmt::Display for Utf8Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.truncated {
            f.write_str("text ends in the middle of a UTF-8 sequence")
        } else {
            f.write_str("text contains an invalid UTF-8 sequence")
        }
    }
}

impl core::error::Error for Utf8Error {}

/// Validates a byte stream piece by piece. Create one per text message, call
/// [`feed`](Self::feed) with each piece in order, then
/// [`finish`](Self::finish) at the end of the message.
#[derive(Clone, Debug, Default)]
pub struct Validator {
    /// Where the previous piece left off: between code points, or inside
    /// one it cut (the automaton of [`dfa`] carries which bytes it owes).
    state: dfa::State,
}

/// Where the last sequence of `input` starts: its last byte that is not a
/// continuation byte, looked for among the last three (a sequence cut by
/// the end of the input has at most three bytes), or `input.len()` when
/// those are all continuation bytes.
#[inline]
fn last_sequence(input: &[u8]) -> usize {
    let from = input.len().saturating_sub(3);
    input[from..]
        .iter()
        .rposition(|&b| b & 0xC0 != 0x80)
        .map_or(input.len(), |i| from + i)
}

/// Whether `bytes` is valid UTF-8 (complete sequences only).
///
/// All-ASCII input, the usual text message, is decided by an ASCII scan:
/// 16-byte SSE2 loads up to 256 bytes (on x86_64; elsewhere words and the
/// standard library's `is_ascii`), an AVX2 kernel above that when the CPU
/// has it. Whatever follows the ASCII prefix goes to the full validator:
/// under 32 bytes a table-driven automaton; from 32 bytes, when the CPU
/// has AVX2, sockeye's own vector validator (`utf8::lookup`, which also
/// takes 32 to 64 bytes of ASCII without a scan in front); otherwise under
/// 64 bytes simdutf8 on a zero-padded 64-byte block, and simdutf8 itself
/// above (with the `std` feature on x86_64 its SSE4.2 code, chosen at run
/// time; on aarch64 its NEON code; elsewhere, without `std` unless the
/// target enables AVX2 or SSE4.2 at compile time, or under miri, the
/// standard library's validator).
#[inline]
pub fn validate(bytes: &[u8]) -> bool {
    let whole = |bytes: &[u8]| match validate_without_lookup(bytes) {
        true => Prefix::Complete,
        false => Prefix::Invalid,
    };
    classify_text(bytes, whole) == Prefix::Complete
}

/// What `bytes` (which start on a code point boundary) are: the ASCII scan,
/// then [`classify`] on whatever follows the ASCII prefix. Input the AVX2
/// kernel answers whole, ASCII included ([`lookup::MIN_LEN`] to
/// [`lookup::WHOLE_LEN`] bytes), goes to it directly: a scan in front would
/// read the same bytes twice.
#[inline(always)]
fn classify_text(bytes: &[u8], fallback: impl FnOnce(&[u8]) -> Prefix) -> Prefix {
    #[cfg(target_arch = "x86_64")]
    if (lookup::MIN_LEN..=lookup::WHOLE_LEN).contains(&bytes.len()) && crate::mask::has_avx2() {
        // SAFETY: the CPU supports AVX2 (or the crate was compiled for it).
        return unsafe { lookup::validate_avx2(bytes) };
    }
    // The prefix ends on a code point boundary (an ASCII byte precedes it),
    // so the rest is valid on its own exactly when the whole is.
    let ascii = ascii_len(bytes);
    if ascii == bytes.len() {
        return Prefix::Complete;
    }
    classify(&bytes[ascii..], fallback)
}

/// Picks the validator for `bytes` (which start on a code point boundary)
/// by length and CPU: under [`PAD_FROM`] bytes the DFA, from
/// [`lookup::MIN_LEN`] with AVX2 the lookup kernel, otherwise `fallback`
/// (simdutf8, see [`validate_without_lookup`]). The first two tell a cut
/// code point from an error in the same pass.
#[inline(always)]
fn classify(bytes: &[u8], fallback: impl FnOnce(&[u8]) -> Prefix) -> Prefix {
    if bytes.len() < PAD_FROM {
        return dfa::prefix(bytes);
    }
    #[cfg(target_arch = "x86_64")]
    if bytes.len() >= lookup::MIN_LEN && crate::mask::has_avx2() {
        // SAFETY: the CPU supports AVX2 (or the crate was compiled for it).
        return unsafe { lookup::validate_avx2(bytes) };
    }
    fallback(bytes)
}

/// The validators of [`validate`] other than the DFA and the AVX2
/// kernel: simdutf8, directly or on a padded block.
#[inline]
fn validate_without_lookup(bytes: &[u8]) -> bool {
    if bytes.len() < SIMD_BLOCK {
        return validate_padded(bytes);
    }
    validate_simd(bytes)
}

/// What a piece of text starting on a code point boundary is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Prefix {
    /// Valid UTF-8, ending on a code point boundary.
    Complete,
    /// Valid UTF-8 but for its end, which cuts a code point: the next piece
    /// may complete it, starting from this state of the automaton.
    Incomplete(dfa::State),
    /// Not the beginning of any valid UTF-8.
    Invalid,
}

impl Prefix {
    /// The verdict on `bytes` when the first `checked` of them are known to
    /// be valid up to their last sequence: the automaton reads from that
    /// sequence (at most three bytes) to the end, which tells a cut code
    /// point from a complete one and from a byte that can lead nothing.
    /// `checked` is `bytes.len()` but where a vector validator's last
    /// vector stopped short of the end.
    #[inline]
    fn from_last_sequence(bytes: &[u8], checked: usize) -> Prefix {
        dfa::prefix(&bytes[last_sequence(&bytes[..checked])..])
    }
}

#[cfg(test)]
impl Prefix {
    /// The standard library's verdict in these terms: an error that is
    /// only the end of the input is a cut code point, whose state is the
    /// automaton's after the bytes from where the valid part ends.
    fn of_core(bytes: &[u8]) -> Prefix {
        match core::str::from_utf8(bytes) {
            Ok(_) => Prefix::Complete,
            Err(e) if e.error_len().is_none() => Prefix::Incomplete(
                dfa::State::START
                    .run(&bytes[e.valid_up_to()..])
                    .expect("core says this is a valid beginning"),
            ),
            Err(_) => Prefix::Invalid,
        }
    }
}

/// What `bytes`, which start on a code point boundary, are: the
/// validators of [`validate`], the simdutf8 ones given the input without
/// its last sequence, which the automaton reads.
#[inline]
fn prefix(bytes: &[u8]) -> Prefix {
    classify_text(bytes, prefix_without_lookup)
}

/// [`prefix`] by simdutf8 (on a padded block under 64 bytes): everything
/// before the last sequence must be valid, then the automaton reads that.
#[inline]
fn prefix_without_lookup(bytes: &[u8]) -> Prefix {
    let body = &bytes[..last_sequence(bytes)];
    if validate_without_lookup(body) {
        Prefix::from_last_sequence(bytes, bytes.len())
    } else {
        Prefix::Invalid
    }
}

/// simdutf8 with runtime-detected SIMD.
#[inline]
fn validate_simd(bytes: &[u8]) -> bool {
    #[cfg(not(miri))]
    {
        simdutf8::basic::from_utf8(bytes).is_ok()
    }
    // Under miri the standard library's validator stands in: miri checks
    // this crate's unsafe code, not simdutf8's (tested upstream), whose
    // vector code would be slow to interpret.
    #[cfg(miri)]
    {
        core::str::from_utf8(bytes).is_ok()
    }
}

/// simdutf8 hands input shorter than one 64-byte block to the standard
/// library's byte-at-a-time validator, which on text that is not ASCII
/// costs about a nanosecond a byte: 45-80 ns for 62 bytes of mixed text,
/// against 7.5 ns for a full 64-byte block through the vector code.
const SIMD_BLOCK: usize = 64;

/// Text shorter than [`SIMD_BLOCK`] is validated by [`dfa::prefix`]
/// below this length (about 0.45 ns a byte) and as a zero-padded block
/// ([`validate_padded`], a flat 14-22 ns: the copy's stores stall the
/// vector loads that read them back) from it on. A whole message of mixed
/// text through `Validator` (`benches/examples/utf8_interleaved.rs`): at
/// 16 bytes 10.2-11.8 ns with the DFA against 12-13 ns before; at 32 bytes
/// 16.6-17.8 ns either way; at 48 bytes 22 ns padded, 28-30 ns with the DFA.
/// With AVX2 the lookup kernel takes text from this length on instead
/// ([`lookup::MIN_LEN`]): 32 bytes of mixed text in 7-10 ns.
const PAD_FROM: usize = 32;

/// Validates `bytes` (shorter than [`SIMD_BLOCK`]) as the first bytes of a
/// block of NULs. A NUL is a complete one-byte character, so the block is
/// valid exactly when `bytes` is: padding cannot complete a sequence that
/// `bytes` leaves unfinished, nor break one it finishes.
#[inline(never)]
fn validate_padded(bytes: &[u8]) -> bool {
    let mut block = [0u8; SIMD_BLOCK];
    block[..bytes.len()].copy_from_slice(bytes);
    validate_simd(&block)
}

impl Validator {
    /// Creates a validator at the start of a message.
    pub const fn new() -> Self {
        Validator {
            state: dfa::State::START,
        }
    }

    /// Validates the next piece. Returns an error as soon as the bytes seen
    /// so far cannot be the beginning of valid UTF-8. Bytes already fed are
    /// never looked at again.
    ///
    /// Each piece goes through the validators of [`validate`] in one pass,
    /// which also tell whether its end cuts a code point; the cut code point
    /// (at most 3 bytes) is then run through the automaton of the shortest
    /// text, whose state is carried to the next piece.
    #[inline]
    pub fn feed(&mut self, mut input: &[u8]) -> Result<(), Utf8Error> {
        if !self.state.is_start() {
            input = self.finish_cut(input)?;
        }
        match prefix(input) {
            Prefix::Complete => Ok(()),
            Prefix::Invalid => Err(Self::INVALID),
            Prefix::Incomplete(state) => {
                self.state = state;
                Ok(())
            }
        }
    }

    /// The error of a byte that cannot stand where it does.
    const INVALID: Utf8Error = Utf8Error { truncated: false };

    /// Finishes the code point the previous piece cut with the first (at
    /// most three) bytes of `input`, and returns the rest: empty, with the
    /// code point still unfinished, if `input` is too short to finish it.
    /// Out of line: the common message is one piece.
    #[cold]
    #[inline(never)]
    fn finish_cut<'a>(&mut self, input: &'a [u8]) -> Result<&'a [u8], Utf8Error> {
        let mut used = 0;
        while !self.state.is_start() {
            let Some(&byte) = input.get(used) else {
                // Still incomplete: `input` is exhausted.
                return Ok(&[]);
            };
            self.state = self.state.step(byte).ok_or(Self::INVALID)?;
            used += 1;
        }
        Ok(&input[used..])
    }

    /// Ends the message: an incomplete trailing sequence is an error.
    /// Resets the validator for the next message.
    pub fn finish(&mut self) -> Result<(), Utf8Error> {
        let truncated = !self.state.is_start();
        self.state = dfa::State::START;
        if truncated {
            Err(Utf8Error { truncated: true })
        } else {
            Ok(())
        }
    }

    /// Whether the bytes fed so far end inside a code point.
    pub fn is_incomplete(&self) -> bool {
        !self.state.is_start()
    }
}

/// Bytes known to hold valid UTF-8: the payload of a text message, shared
/// with the receive buffer rather than copied into a `String`.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Utf8Bytes(Bytes);

impl Utf8Bytes {
    /// An empty string.
    pub const fn new() -> Self {
        Utf8Bytes(Bytes::new())
    }

    /// Wraps a static string without copying it.
    pub const fn from_static(s: &'static str) -> Self {
        Utf8Bytes(Bytes::from_static(s.as_bytes()))
    }

    /// Validates `bytes` and wraps them, or returns them unchanged on error.
    pub fn try_from_bytes(bytes: Bytes) -> Result<Self, Bytes> {
        if validate(&bytes) {
            Ok(Utf8Bytes(bytes))
        } else {
            Err(bytes)
        }
    }

    /// Wraps bytes the caller has already validated (for example with a
    /// [`Validator`] that accepted every piece and `finish`ed).
    ///
    /// Only the crate calls this, right after validation.
    pub(crate) fn from_validated(bytes: Bytes) -> Self {
        debug_assert!(core::str::from_utf8(&bytes).is_ok());
        Utf8Bytes(bytes)
    }

    /// The text.
    #[inline]
    pub fn as_str(&self) -> &str {
        // SAFETY: every constructor either validates the bytes
        // (`try_from_bytes`, `From<String>`, `From<&str>`) or is given bytes
        // the crate validated (`from_validated`), and the bytes are immutable.
        unsafe { core::str::from_utf8_unchecked(&self.0) }
    }

    /// The underlying bytes, shared, without copying.
    pub fn as_bytes(&self) -> &Bytes {
        &self.0
    }

    /// Unwraps the underlying bytes.
    pub fn into_bytes(self) -> Bytes {
        self.0
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the text is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl core::ops::Deref for Utf8Bytes {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Utf8Bytes {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<[u8]> for Utf8Bytes {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for Utf8Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Utf8Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<alloc::string::String> for Utf8Bytes {
    /// Takes the string's buffer without copying.
    fn from(s: alloc::string::String) -> Self {
        Utf8Bytes(Bytes::from(s.into_bytes()))
    }
}

impl From<&str> for Utf8Bytes {
    fn from(s: &str) -> Self {
        Utf8Bytes(Bytes::copy_from_slice(s.as_bytes()))
    }
}

impl From<Utf8Bytes> for Bytes {
    fn from(s: Utf8Bytes) -> Bytes {
        s.0
    }
}

impl PartialEq<str> for Utf8Bytes {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Utf8Bytes {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;
    use proptest::prelude::*;

    fn validate_split(data: &[u8], cuts: &[usize]) -> Result<(), Utf8Error> {
        let mut v = Validator::new();
        let mut pos = 0;
        for &cut in cuts.iter().chain(core::iter::once(&data.len())) {
            let cut = cut.clamp(pos, data.len());
            v.feed(&data[pos..cut])?;
            pos = cut;
        }
        v.finish()
    }

    #[test]
    fn fails_at_first_invalid_byte() {
        // "κόσμε" followed by an invalid byte and more text: the error comes
        // with the piece that holds the bad byte, not at finish().
        let mut v = Validator::new();
        v.feed("κόσμε".as_bytes()).unwrap();
        assert!(v.feed(&[0xED, 0xA0]).is_err()); // surrogate prefix
        let mut v = Validator::new();
        assert!(v.feed(&[0xF4]).is_ok());
        assert!(v.feed(&[0x90]).is_err()); // > U+10FFFF
        let mut v = Validator::new();
        assert!(v.feed(&[0xC0]).is_err()); // never valid
    }

    #[test]
    fn short_ascii_shortcut_keeps_every_check() {
        // Around the shortcut's length limit, one bad byte anywhere in an
        // otherwise ASCII piece is still caught, by `validate` and by a
        // validator at the start of a message or finishing a code point.
        for len in [
            1,
            15,
            16,
            17,
            SHORT_ASCII_LEN - 1,
            SHORT_ASCII_LEN,
            SHORT_ASCII_LEN + 1,
        ] {
            let ascii = alloc::vec![b'a'; len];
            assert!(validate(&ascii));
            assert_eq!(validate_split(&ascii, &[]), Ok(()));
            // Every position natively; under miri (which interprets each
            // byte) every 7th, and the last.
            let step = if cfg!(miri) { 7 } else { 1 };
            for at in (0..len).step_by(step).chain([len - 1]) {
                for bad in [0x80, 0xC0, 0xFF] {
                    let mut data = ascii.clone();
                    data[at] = bad;
                    assert!(!validate(&data), "len {len}, {bad:#x} at {at}");
                    assert!(
                        validate_split(&data, &[]).is_err(),
                        "len {len}, {bad:#x} at {at}"
                    );
                }
            }
            // A code point split before an ASCII piece: the piece must
            // finish it, and ASCII cannot.
            let mut v = Validator::new();
            assert_eq!(v.feed(&[0xE2, 0x82]), Ok(()));
            assert_eq!(v.feed(&ascii), Err(Utf8Error { truncated: false }));
            let mut v = Validator::new();
            assert_eq!(v.feed(&[0xE2, 0x82]), Ok(()));
            assert_eq!(v.feed(&[0xAC]), Ok(()));
            assert_eq!(v.feed(&ascii), Ok(()));
            assert_eq!(v.finish(), Ok(()));
        }
    }

    #[test]
    fn long_ascii_then_every_kind_of_bad_byte() {
        // `validate` past the short-ASCII limit: a long ASCII run, then an
        // invalid or truncated sequence, or a valid one, at every offset
        // from a step boundary of the ASCII scan.
        let ascii = alloc::vec![b'x'; 600];
        let tails: &[(&[u8], bool)] = &[
            (&[0xFF], false),
            (&[0x80], false),
            (&[0xE2, 0x82], false),
            (&[0xED, 0xA0, 0x80], false),
            ("é".as_bytes(), true),
            ("𝄞".as_bytes(), true),
        ];
        let step = if cfg!(miri) { 29 } else { 1 };
        for prefix in (SHORT_ASCII_LEN - 2..600).step_by(step) {
            for &(tail, ok) in tails {
                for after in [0, 5, 200] {
                    let mut data = ascii[..prefix].to_vec();
                    data.extend_from_slice(tail);
                    data.extend_from_slice(&ascii[..after]);
                    assert_eq!(
                        validate(&data),
                        ok,
                        "{prefix} ASCII, {tail:x?}, {after} ASCII"
                    );
                    assert_eq!(core::str::from_utf8(&data).is_ok(), ok);
                }
            }
        }
    }

    #[test]
    fn padded_block_agrees_with_core() {
        // Every length the padding covers (and one either side), ending in
        // every kind of complete, truncated and invalid sequence.
        let text = long_mixed_text();
        let ends: &[&[u8]] = &[
            b"",
            "é".as_bytes(),
            "€".as_bytes(),
            "𝄞".as_bytes(),
            &[0xC3],
            &[0xE2, 0x82],
            &[0xF0, 0x9D, 0x84],
            &[0xFF],
            &[0x80],
            &[0xED, 0xA0, 0x80],
            &[0xC0, 0x80],
            &[0xF4, 0x90, 0x80, 0x80],
        ];
        for len in PAD_FROM - 1..=SIMD_BLOCK {
            for end in ends {
                for body in [&text[..], &[b'a'; SIMD_BLOCK][..]] {
                    let Some(keep) = len.checked_sub(end.len()) else {
                        continue;
                    };
                    let mut data = body[..keep].to_vec();
                    data.extend_from_slice(end);
                    assert_eq!(data.len(), len);
                    assert_eq!(
                        validate(&data),
                        core::str::from_utf8(&data).is_ok(),
                        "{data:x?}"
                    );
                }
            }
        }
    }

    #[test]
    fn prefix_of_every_window_agrees_with_core() {
        // Windows of mixed text that start and end anywhere: inside a code
        // point (invalid at the start, cut at the end) or between two. Both
        // the validator `prefix` picks on this CPU and the simdutf8 one it
        // falls back to elsewhere must tell a cut code point from an error.
        let text = long_mixed_text().repeat(3);
        let step = if cfg!(miri) { 23 } else { 1 };
        for start in (0..24).step_by(step) {
            for len in (0..=200).step_by(step) {
                let window = &text[start..start + len];
                let expected = Prefix::of_core(window);
                assert_eq!(prefix(window), expected, "{start}+{len}");
                assert_eq!(prefix_without_lookup(window), expected, "{start}+{len}");
            }
        }
    }

    #[test]
    fn truncated_at_end_of_message() {
        let mut v = Validator::new();
        v.feed(&[0xE2, 0x82]).unwrap();
        assert!(v.is_incomplete());
        assert_eq!(v.finish(), Err(Utf8Error { truncated: true }));
        // Reset for the next message.
        v.feed(b"ok").unwrap();
        v.finish().unwrap();
    }

    #[test]
    fn code_point_split_byte_by_byte() {
        let s = "€𝄞ü".as_bytes();
        let cuts: Vec<usize> = (1..s.len()).collect();
        validate_split(s, &cuts).unwrap();
    }

    /// Feeds `data` cut at `cuts` and returns where the validator failed:
    /// `Some(i)` if the feed of piece `pos..cut` (`i` = the piece's start and
    /// end) failed, `Some((len, len))` if only `finish` did, `None` if valid.
    fn failure_point(data: &[u8], cuts: &[usize]) -> Option<(usize, usize)> {
        let mut v = Validator::new();
        let mut pos = 0;
        for &cut in cuts.iter().chain(core::iter::once(&data.len())) {
            let cut = cut.clamp(pos, data.len());
            if v.feed(&data[pos..cut]).is_err() {
                return Some((pos, cut));
            }
            pos = cut;
        }
        v.finish().err().map(|_| (data.len(), data.len()))
    }

    /// Checks the validator against `core::str::from_utf8` on `data` cut at
    /// `cuts`: same verdict, and an invalid byte is reported by the feed of
    /// the piece that reveals it (fail fast), not later.
    fn check_against_core(data: &[u8], cuts: &[usize]) {
        let got = failure_point(data, cuts);
        match core::str::from_utf8(data) {
            Ok(_) => assert_eq!(got, None),
            Err(e) => {
                let (start, end) = got.expect("invalid input accepted");
                match e.error_len() {
                    // Truncated at the end: only `finish` can tell.
                    None => assert_eq!(start, data.len(), "{e:?} {cuts:?}"),
                    Some(n) => {
                        // The bytes `valid_up_to..valid_up_to + n` are the
                        // invalid sequence; the byte revealing it is the
                        // last of them or the one after.
                        let bad = e.valid_up_to();
                        assert!(
                            end > bad,
                            "{e:?}: reported before the error at {start}..{end}"
                        );
                        assert!(start <= bad + n, "{e:?}: reported late, at {start}..{end}");
                    }
                }
            }
        }
    }

    /// Text long enough (> 64 bytes) for the SIMD validator to run, with
    /// code points of every length.
    fn long_mixed_text() -> Vec<u8> {
        "ASCII, then é ж € 中 𝄞 ü — and more ASCII to pass the 64-byte SIMD block: κόσμε 𝄞𝄞 end."
            .as_bytes()
            .to_vec()
    }

    #[test]
    fn every_split_point_of_long_text() {
        let data = long_mixed_text();
        assert!(data.len() > 64);
        // Under miri, fewer pairs of cuts (it is ~1000x slower).
        let step = if cfg!(miri) { 41 } else { 7 };
        for i in 0..=data.len() {
            check_against_core(&data, &[i]);
            for j in (i..=data.len()).step_by(step) {
                check_against_core(&data, &[i, j]);
            }
        }
    }

    #[test]
    fn every_invalid_byte_at_every_position_of_long_text() {
        let text = long_mixed_text();
        let bad: &[&[u8]] = &[
            &[0xFF],
            &[0xC0, 0x80],
            &[0xED, 0xA0, 0x80],
            &[0xF4, 0x90],
            &[0x80],
            &[0xE2, 0x82],
        ];
        let positions: Vec<usize> = if cfg!(miri) {
            (0..=text.len()).step_by(23).collect()
        } else {
            (0..=text.len()).collect()
        };
        for junk in bad {
            for &at in &positions {
                let mut data = text.clone();
                data.splice(at..at, junk.iter().copied());
                check_against_core(&data, &[]);
                for cut in (0..=data.len()).step_by(if cfg!(miri) { 37 } else { 3 }) {
                    check_against_core(&data, &[cut]);
                }
            }
        }
    }

    /// Strings of arbitrary characters, `chars` of them (a fifth as many
    /// under miri, where proptest's generation is slow; there the standard
    /// validator stands in for simdutf8, so longer text would add nothing).
    fn text(chars: core::ops::Range<usize>) -> impl Strategy<Value = alloc::string::String> {
        let chars = if cfg!(miri) {
            chars.start / 5..chars.end / 5
        } else {
            chars
        };
        proptest::collection::vec(any::<char>(), chars).prop_map(|v| v.into_iter().collect())
    }

    /// `data` with `junk` inserted at `at` (or at the end).
    fn with_junk(mut data: Vec<u8>, junk: Vec<u8>, at: usize) -> Vec<u8> {
        let at = at.min(data.len());
        data.splice(at..at, junk);
        data
    }

    fn sorted(mut cuts: Vec<usize>) -> Vec<usize> {
        cuts.sort_unstable();
        cuts
    }

    proptest! {
        #![proptest_config(crate::test_support::proptest_config())]
        #[test]
        fn agrees_with_core(data in proptest::collection::vec(any::<u8>(), 0..64), cuts in proptest::collection::vec(0usize..64, 0..8)) {
            let mut cuts = cuts;
            cuts.sort_unstable();
            let expected = core::str::from_utf8(&data).is_ok();
            prop_assert_eq!(validate_split(&data, &cuts).is_ok(), expected);
        }

        #[test]
        fn agrees_with_core_on_long_text(s in text(20..120), junk in proptest::collection::vec(any::<u8>(), 0..3), at in 0usize..600, cuts in proptest::collection::vec(0usize..600, 0..8)) {
            check_against_core(&with_junk(s.into_bytes(), junk, at), &sorted(cuts));
        }

        #[test]
        fn agrees_with_core_after_long_ascii(ascii in 0usize..1200, s in text(0..40), junk in proptest::collection::vec(any::<u8>(), 0..3), at in 0usize..200, cuts in proptest::collection::vec(0usize..1400, 0..4)) {
            let mut data: Vec<u8> = (0..ascii).map(|i| b' ' + (i % 95) as u8).collect();
            data.extend_from_slice(&with_junk(s.into_bytes(), junk, at));
            prop_assert_eq!(validate(&data), core::str::from_utf8(&data).is_ok());
            check_against_core(&data, &sorted(cuts));
        }

        #[test]
        fn agrees_with_core_on_mostly_valid_text(s in text(0..40), junk in proptest::collection::vec(any::<u8>(), 0..3), at in 0usize..200, cuts in proptest::collection::vec(0usize..200, 0..8)) {
            let data = with_junk(s.into_bytes(), junk, at);
            let expected = core::str::from_utf8(&data).is_ok();
            prop_assert_eq!(validate_split(&data, &sorted(cuts)).is_ok(), expected);
        }
    }
}
