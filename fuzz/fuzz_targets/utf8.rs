//! The incremental `utf8::Validator` on arbitrary bytes in arbitrary chunks
//! against `core::str::from_utf8`. Checks: the same verdict; the error comes
//! with the chunk holding the first byte that makes the input invalid (fail
//! fast), and a truncated final code point is reported by `finish` only.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sockeye_proto::utf8::{Utf8Bytes, Validator};

/// The index of the first byte at which `data` stops being a prefix of
/// valid UTF-8, if any.
fn first_bad_byte(data: &[u8]) -> Option<usize> {
    let e = core::str::from_utf8(data).err()?;
    e.error_len()?;
    let start = e.valid_up_to();
    // The invalid sequence is at most 4 bytes; find where it became so.
    (start..data.len().min(start + 4)).find(
        |&i| matches!(core::str::from_utf8(&data[start..=i]), Err(e) if e.error_len().is_some()),
    )
}

fuzz_target!(|input: &[u8]| {
    let split = sockeye_fuzz::split(input);
    let data = split.data;
    let bad = first_bad_byte(data);
    let valid = core::str::from_utf8(data).is_ok();

    let mut v = Validator::new();
    let mut pos = 0;
    let mut failed_at = None;
    for chunk in split.chunks() {
        let end = pos + chunk.len();
        match v.feed(chunk) {
            Ok(()) => {
                if let Some(b) = bad {
                    assert!(
                        b >= end,
                        "byte {b} is invalid but the chunk {pos}..{end} passed"
                    );
                }
            }
            Err(e) => {
                assert!(!e.truncated);
                failed_at = Some((pos, end));
                break;
            }
        }
        pos = end;
    }
    match (bad, failed_at) {
        (Some(b), Some((start, end))) => {
            assert!(
                (start..end).contains(&b),
                "failed on chunk {start}..{end}, first bad byte {b}"
            );
        }
        (Some(b), None) => panic!("byte {b} is invalid but every chunk passed"),
        (None, Some((start, end))) => panic!("valid prefix rejected at chunk {start}..{end}"),
        (None, None) => {
            assert_eq!(v.is_incomplete(), !valid);
            match v.finish() {
                Ok(()) => assert!(valid),
                Err(e) => {
                    assert!(!valid);
                    assert!(e.truncated);
                }
            }
            // After finish the validator starts afresh.
            assert!(!v.is_incomplete());
            v.feed(b"ok").expect("fresh message");
            v.finish().expect("fresh message");
        }
    }

    let wrapped = Utf8Bytes::try_from_bytes(sockeye_proto::Bytes::copy_from_slice(data));
    assert_eq!(wrapped.is_ok(), valid);
    if let Ok(text) = wrapped {
        assert_eq!(text.as_str().as_bytes(), data);
    }
});
