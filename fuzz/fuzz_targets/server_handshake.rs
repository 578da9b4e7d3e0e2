//! `ServerHandshake` fed arbitrary bytes in arbitrary chunks (split points
//! from the front of the input, see `sockeye_fuzz::split`; the byte before
//! them picks the limits). Checks: no panic; the same outcome as feeding
//! everything at once (the sans-I/O invariant); `used` within the chunk;
//! every outcome has a well-formed answer; nothing is accepted twice.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sockeye_proto::handshake::{
    reject_response, HandshakeError, HandshakeLimits, Headers, Request, ServerHandshake,
};

type Outcome = Result<Option<(Request, usize)>, HandshakeError>;

fn limits(selector: u8) -> HandshakeLimits {
    match selector & 3 {
        0 => HandshakeLimits::default(),
        1 => HandshakeLimits {
            max_head_bytes: 256,
            max_headers: 4,
        },
        2 => HandshakeLimits {
            max_head_bytes: 1024,
            max_headers: 64,
        },
        _ => HandshakeLimits {
            max_head_bytes: 64 << 10,
            max_headers: 1,
        },
    }
}

fuzz_target!(|input: &[u8]| {
    let Some((&selector, rest)) = input.split_first() else {
        return;
    };
    let limits = limits(selector);
    let split = sockeye_fuzz::split(rest);

    // In chunks.
    let mut hs = ServerHandshake::new(limits);
    let mut consumed = 0;
    let mut chunked: Outcome = Ok(None);
    for chunk in split.chunks() {
        match hs.feed(chunk) {
            Ok(None) => consumed += chunk.len(),
            Ok(Some((request, used))) => {
                assert!(
                    used <= chunk.len(),
                    "used {used} of a {}-byte chunk",
                    chunk.len()
                );
                chunked = Ok(Some((request, consumed + used)));
                break;
            }
            Err(e) => {
                chunked = Err(e);
                break;
            }
        }
    }
    if !matches!(chunked, Ok(None)) {
        assert_eq!(
            hs.feed(b"GET / HTTP/1.1\r\n\r\n"),
            Err(HandshakeError::AlreadyDone)
        );
    }

    // At once.
    let whole = ServerHandshake::new(limits).feed(split.data);
    assert_eq!(chunked, whole, "chunked and whole-input outcomes differ");

    match chunked {
        Ok(Some((request, used))) => {
            assert!(used <= split.data.len());
            assert!(used <= limits.max_head_bytes);
            assert_eq!(request.method, "GET");
            // Accepting with what the client offered always works.
            let protocol = request.protocols.first().map(String::as_str);
            let response = request
                .accept_response(protocol, &request.extensions, &Headers::new())
                .expect("accepting an offered protocol and extensions");
            assert!(response.starts_with(b"HTTP/1.1 101 Switching Protocols\r\n"));
            assert!(response.ends_with(b"\r\n\r\n"));
            let not_offered =
                request.accept_response(Some("\u{0}not offered"), &[], &Headers::new());
            assert!(not_offered.is_err());
            let reject = reject_response(403, &request.headers, b"no");
            assert!(reject.starts_with(b"HTTP/1.1 403 "));
        }
        Ok(None) => {
            assert!(split.data.len() <= limits.max_head_bytes);
        }
        Err(e) => {
            let status = e.status();
            assert!((400..=599).contains(&status), "status {status} for {e:?}");
            let response = e.response();
            assert!(response.starts_with(format!("HTTP/1.1 {status} ").as_bytes()));
            let _ = format!("{e}");
        }
    }
});
