//! Inflating arbitrary bytes: `deflate::Inflater` fed arbitrary input in
//! arbitrary chunks under a fuzzer-chosen output limit (first byte: 2^(n%21)
//! bytes), as messages of a permessage-deflate stream. Checks: no panic;
//! the output never exceeds the limit (no decompression bomb gets past
//! it: at most one byte past it, and then an error); chunking changes
//! neither the output of valid data nor whether the data is refused.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sockeye_proto::deflate::Inflater;
use sockeye_proto::extension::ExtensionError;
use sockeye_proto::BytesMut;

/// Inflates `pieces` as one message; the output and the verdict.
fn inflate<'a>(
    inflater: &mut Inflater,
    pieces: impl Iterator<Item = &'a [u8]>,
    limit: usize,
) -> (BytesMut, Result<(), ExtensionError>) {
    let mut out = BytesMut::new();
    let mut pieces = pieces.peekable();
    while let Some(piece) = pieces.next() {
        let fin = pieces.peek().is_none();
        let r = inflater.inflate(piece, fin, &mut out, limit);
        // The inflater learns that the limit is passed by writing one byte
        // past it, then fails (with TooBig, or Corrupt if the data also
        // turns out to be broken).
        let bound = if r.is_err() { limit + 1 } else { limit };
        assert!(
            out.len() <= bound,
            "{} bytes out, limit {limit}: {r:?}",
            out.len()
        );
        if r.is_err() {
            return (out, r);
        }
    }
    (out, Ok(()))
}

fuzz_target!(|input: &[u8]| {
    let Some((&limit, rest)) = input.split_first() else {
        return;
    };
    let limit = 1usize << (limit % 21);
    let split = sockeye_fuzz::split(rest);
    if split.data.is_empty() {
        return;
    }

    let mut chunked = Inflater::new();
    let (out_chunked, r_chunked) = inflate(&mut chunked, split.chunks(), limit);
    let mut whole = Inflater::new();
    let (out_whole, r_whole) = inflate(&mut whole, core::iter::once(split.data), limit);
    // Valid data inflates the same however it is split. Invalid data may
    // fail differently: miniz_oxide catches a back-reference to before the
    // start of the stream in some calls and reads zeros in others (see
    // docs/security.md), so only "it failed" is compared.
    assert_eq!(
        r_chunked.is_ok(),
        r_whole.is_ok(),
        "{r_chunked:?} vs {r_whole:?}"
    );
    if r_whole.is_ok() {
        assert_eq!(out_chunked, out_whole);
    }
    // A reset inflater is as good as new.
    whole.reset();
    let (again, r_again) = inflate(&mut whole, core::iter::once(split.data), limit);
    assert_eq!(r_again, r_whole, "a reset inflater differs from a new one");
    if r_whole.is_ok() {
        assert_eq!(again, out_whole);
    }
});
