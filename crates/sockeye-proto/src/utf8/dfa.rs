//! A shift-based DFA for short text that is not ASCII.
//!
//! The automaton has nine states: a whole sequence read (the start), a
//! sequence rejected, one, two or three continuation bytes still owed, and
//! the four second bytes RFC 3629 narrows (after `E0`, `ED`, `F0`, `F4`).
//! Each state is a shift amount, a multiple of 6; the table row of a byte
//! holds, at bit offset *s*, the shift amount of the state that byte leads
//! to from state *s*. One step is then `row[byte] >> state`: the load does
//! not depend on the state, so the chain from byte to byte is a single
//! shift, about a cycle and a half a byte. simdutf8 leaves input shorter
//! than its 64-byte block to the standard library, whose validator takes
//! about twice that on text that is not ASCII.

use super::Prefix;

/// The states, as indices; a state's shift amount is 6 times its index.
const ACCEPT: u64 = 0;
const REJECT: u64 = 1;
const OWE_1: u64 = 2;
const OWE_2: u64 = 3;
const OWE_3: u64 = 4;
/// After `E0`: the next byte is `A0..=BF` (no overlong 3-byte form).
const AFTER_E0: u64 = 5;
/// After `ED`: the next byte is `80..=9F` (no surrogates).
const AFTER_ED: u64 = 6;
/// After `F0`: the next byte is `90..=BF` (no overlong 4-byte form).
const AFTER_F0: u64 = 7;
/// After `F4`: the next byte is `80..=8F` (nothing above U+10FFFF).
const AFTER_F4: u64 = 8;
const STATES: u64 = 9;

/// The state `byte` leads to from `state`.
const fn next(state: u64, byte: u8) -> u64 {
    let cont = matches!(byte, 0x80..=0xBF);
    match state {
        ACCEPT => match byte {
            0x00..=0x7F => ACCEPT,
            0xC2..=0xDF => OWE_1,
            0xE0 => AFTER_E0,
            0xE1..=0xEC | 0xEE..=0xEF => OWE_2,
            0xED => AFTER_ED,
            0xF0 => AFTER_F0,
            0xF1..=0xF3 => OWE_3,
            0xF4 => AFTER_F4,
            _ => REJECT,
        },
        OWE_1 if cont => ACCEPT,
        OWE_2 if cont => OWE_1,
        OWE_3 if cont => OWE_2,
        AFTER_E0 if matches!(byte, 0xA0..=0xBF) => OWE_1,
        AFTER_ED if matches!(byte, 0x80..=0x9F) => OWE_1,
        AFTER_F0 if matches!(byte, 0x90..=0xBF) => OWE_2,
        AFTER_F4 if matches!(byte, 0x80..=0x8F) => OWE_2,
        _ => REJECT,
    }
}

/// One row per byte value: at bit `6 * s`, `6 * next(s, byte)`.
static ROWS: [u64; 256] = {
    let mut rows = [0u64; 256];
    let mut byte = 0;
    while byte < 256 {
        let mut state = 0;
        while state < STATES {
            rows[byte] |= (6 * next(state, byte as u8)) << (6 * state);
            state += 1;
        }
        byte += 1;
    }
    rows
};

/// The shift amount of the state `byte` leads to from the state whose
/// shift amount is `shift`. (`wrapping_shr` takes the shift modulo 64,
/// which is what the machine's shift does: no masking instruction in the
/// chain from byte to byte; bits above the low six are left over from the
/// row and ignored.)
#[inline(always)]
fn after(shift: u64, byte: u8) -> u64 {
    ROWS[usize::from(byte)].wrapping_shr(shift as u32)
}

/// Whether `bytes` is valid UTF-8, a valid beginning its end cuts inside a
/// code point, or neither. Meant for short input (it goes a byte at a
/// time, and reads to the end even after an error: the rejecting state
/// keeps rejecting); the caller has already looked for the all-ASCII case.
pub(super) fn prefix(bytes: &[u8]) -> Prefix {
    let shift = bytes
        .iter()
        .fold(6 * ACCEPT, |shift, &byte| after(shift, byte))
        & 63;
    match shift {
        s if s == 6 * ACCEPT => Prefix::Complete,
        s if s == 6 * REJECT => Prefix::Invalid,
        // Shift amounts are below 6 * STATES = 54: the cast keeps them.
        s => Prefix::Incomplete(State(s as u8)),
    }
}

/// Where the automaton stands between two pieces of a message: between
/// sequences, or inside one that the end of a piece cut.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct State(u8);

impl Default for State {
    /// [`State::START`], whatever shift amount the start state has.
    fn default() -> Self {
        Self::START
    }
}

impl State {
    /// Between sequences: the start of a message, or after a whole one.
    pub(super) const START: State = State(6 * ACCEPT as u8);

    /// The state after `bytes`, or `None` if they cannot continue valid
    /// UTF-8 from this state. (The tests' reference; the validator steps
    /// through at most three bytes, or folds a whole text in [`prefix`].)
    #[cfg(test)]
    pub(super) fn run(self, bytes: &[u8]) -> Option<State> {
        let mut state = self;
        for &byte in bytes {
            state = state.step(byte)?;
        }
        Some(state)
    }

    /// The state after one more byte, or `None` if it cannot come here.
    #[inline]
    pub(super) fn step(self, byte: u8) -> Option<State> {
        let shift = after(u64::from(self.0), byte) & 63;
        // Shift amounts are below 6 * STATES = 54: the cast keeps them.
        (shift != 6 * REJECT).then_some(State(shift as u8))
    }

    /// Whether the automaton stands between sequences.
    #[inline]
    pub(super) fn is_start(self) -> bool {
        self == Self::START
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    /// The verdict of [`prefix`], from the standard library's validator.
    fn core(bytes: &[u8]) -> Prefix {
        Prefix::of_core(bytes)
    }

    #[test]
    fn every_sequence_of_up_to_three_bytes() {
        // Every 1- and 2-byte input, and every 3-byte one (16.7 million:
        // natively only; miri samples the second and third bytes).
        let step = if cfg!(miri) { 17 } else { 1 };
        for a in 0..=255u8 {
            assert_eq!(prefix(&[a]), core(&[a]), "{a:x}");
            for b in (0..=255u8).step_by(step) {
                assert_eq!(prefix(&[a, b]), core(&[a, b]), "{a:x} {b:x}");
            }
        }
        let leads: Vec<u8> = if cfg!(miri) {
            alloc::vec![0x41, 0xC2, 0xE0, 0xED, 0xEF, 0xF0, 0xF4]
        } else {
            (0..=255).collect()
        };
        for &a in &leads {
            for b in (0..=255u8).step_by(step) {
                for c in (0..=255u8).step_by(step) {
                    let s = [a, b, c];
                    assert_eq!(prefix(&s), core(&s), "{s:x?}");
                }
            }
        }
    }

    #[test]
    fn four_byte_sequences_at_every_boundary() {
        // Lead bytes F0..F4 with second bytes around each RFC 3629 limit,
        // and third and fourth bytes at the continuation range's edges.
        let edges = [0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0];
        for a in [0xEF, 0xF0, 0xF1, 0xF3, 0xF4, 0xF5] {
            for b in edges {
                for c in edges {
                    for d in edges {
                        let s = [a, b, c, d];
                        assert_eq!(prefix(&s), core(&s), "{s:x?}");
                        let t = [b'x', a, b, c, d, b'y'];
                        assert_eq!(prefix(&t), core(&t), "{t:x?}");
                    }
                }
            }
        }
    }

    #[test]
    fn state_carried_across_every_cut_agrees_with_prefix() {
        // A sequence of up to four bytes cut at every point: running the
        // two parts one after the other ends where running the whole does.
        // Safe code: under miri only a sample.
        let (leads, edges): (&[u8], &[u8]) = if cfg!(miri) {
            (&[0xE0, 0xF0], &[0x41, 0x80, 0xA0])
        } else {
            (
                &[
                    0x41, 0x80, 0xC1, 0xC2, 0xDF, 0xE0, 0xE1, 0xED, 0xF0, 0xF1, 0xF4, 0xF5,
                ],
                &[
                    0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC2, 0xE0, 0xED, 0xF0, 0xF4,
                ],
            )
        };
        for &a in leads {
            for &b in edges {
                for &c in edges {
                    for &d in edges {
                        let s = [a, b, c, d];
                        for len in 1..=4 {
                            let whole = State::START.run(&s[..len]);
                            let expected = match whole {
                                None => Prefix::Invalid,
                                Some(st) if st.is_start() => Prefix::Complete,
                                Some(st) => Prefix::Incomplete(st),
                            };
                            assert_eq!(prefix(&s[..len]), expected, "{s:x?}");
                            for cut in 0..=len {
                                let parts = State::START
                                    .run(&s[..cut])
                                    .and_then(|st| st.run(&s[cut..len]));
                                assert_eq!(parts, whole, "{s:x?} cut at {cut} of {len}");
                            }
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn real_text_and_truncations() {
        let text = "κόσμε, 中文, 𝄞 and é — ok".as_bytes();
        assert_eq!(prefix(text), Prefix::Complete);
        for cut in 0..text.len() {
            assert_eq!(prefix(&text[..cut]), core(&text[..cut]), "cut {cut}");
        }
    }
}
