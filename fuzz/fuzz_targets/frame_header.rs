//! `FrameHeader::parse` on arbitrary bytes: no panic; a parsed header
//! re-encodes (minimally) to bytes that parse back to it; a prefix of a
//! complete header is "need more bytes"; trailing bytes change nothing.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sockeye_proto::frame::{FrameHeader, MAX_CONTROL_PAYLOAD, MAX_HEADER_LEN};

fuzz_target!(|data: &[u8]| {
    let result = FrameHeader::parse(data);
    match &result {
        Ok(Some((header, len))) => {
            let len = *len;
            assert!((2..=MAX_HEADER_LEN).contains(&len) && len <= data.len());
            assert_eq!(header.rsv & !0x70, 0);
            assert!(header.payload_len >> 63 == 0);
            if header.opcode.is_control() {
                assert!(header.fin);
                assert!(header.payload_len <= MAX_CONTROL_PAYLOAD as u64);
            }
            // Every shorter prefix is incomplete, never an error.
            for i in 0..len {
                assert_eq!(FrameHeader::parse(&data[..i]), Ok(None), "prefix {i}");
            }
            // Minimal re-encoding parses back to the same header.
            let mut out = [0u8; MAX_HEADER_LEN];
            let n = header.encode(&mut out);
            assert_eq!(n, header.encoded_len());
            assert!(n <= len);
            assert_eq!(FrameHeader::parse(&out[..n]), Ok(Some((*header, n))));
            if n == len {
                // Already minimal: the encoding is byte for byte the input.
                assert_eq!(&out[..n], &data[..len]);
            }
        }
        Ok(None) => assert!(data.len() < MAX_HEADER_LEN),
        Err(e) => {
            let _ = format!("{e}");
            let _ = e.close_code();
        }
    }
    // Bytes after the header (or after an error) do not change the answer.
    let mut longer = data.to_vec();
    longer.extend_from_slice(&[0xff; MAX_HEADER_LEN]);
    match (&result, FrameHeader::parse(&longer)) {
        (Ok(None), Ok(_) | Err(_)) => {}
        (a, b) => assert_eq!(*a, b),
    }
});
