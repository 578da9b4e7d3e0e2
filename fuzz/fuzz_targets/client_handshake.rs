//! `ClientHandshake` for a fixed `ClientRequest` (nonce: RFC 6455's "the
//! sample nonce", so seeds can carry the RFC's accept value) fed arbitrary
//! response bytes in arbitrary chunks, then `feed_eof`. Checks: no panic;
//! the same outcome as feeding everything at once; `used` within the
//! chunk; an accepted response only selects what was offered; after the
//! end, only `AlreadyDone`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sockeye_fuzz::FixedNonce;
use sockeye_proto::handshake::{
    ClientHandshake, ClientRequest, ExtensionOffer, HandshakeError, HandshakeLimits,
    ProtocolVersion, Response,
};

type Outcome = Result<Option<(Response, usize)>, HandshakeError>;

fn handshake(selector: u8) -> ClientHandshake {
    let version = if selector & 1 == 0 {
        ProtocolVersion::V13
    } else {
        ProtocolVersion::V8
    };
    let request = ClientRequest::new("example.com", "/chat?room=1")
        .origin("http://example.com")
        .protocol("chat")
        .protocol("superchat")
        .extension(ExtensionOffer::new("permessage-deflate").param("client_max_window_bits", None))
        .version(version);
    let (_, hs) = request
        .encode(*FixedNonce::NONCE)
        .expect("the fixed request encodes");
    if selector & 2 == 0 {
        hs
    } else {
        hs.with_limits(HandshakeLimits {
            max_head_bytes: 512,
            max_headers: 8,
        })
    }
}

/// Runs chunks through a parser; at the end, EOF if still undecided.
fn run<'a>(
    mut hs: ClientHandshake,
    chunks: impl Iterator<Item = &'a [u8]>,
    check_used: bool,
) -> (Outcome, ClientHandshake) {
    let mut consumed = 0;
    for chunk in chunks {
        match hs.feed(chunk) {
            Ok(None) => consumed += chunk.len(),
            Ok(Some((response, used))) => {
                if check_used {
                    assert!(used <= chunk.len());
                }
                return (Ok(Some((response, consumed + used))), hs);
            }
            Err(e) => return (Err(e), hs),
        }
    }
    let e = hs.feed_eof();
    (Err(e), hs)
}

fuzz_target!(|input: &[u8]| {
    let Some((&selector, rest)) = input.split_first() else {
        return;
    };
    let split = sockeye_fuzz::split(rest);
    let (chunked, mut hs) = run(handshake(selector), split.chunks(), true);
    let (whole, _) = run(handshake(selector), core::iter::once(split.data), false);
    assert_eq!(chunked, whole, "chunked and whole-input outcomes differ");

    assert_eq!(
        hs.feed(b"HTTP/1.1 101 x\r\n\r\n"),
        Err(HandshakeError::AlreadyDone)
    );
    assert_eq!(hs.feed_eof(), HandshakeError::AlreadyDone);

    match chunked {
        Ok(Some((response, used))) => {
            assert!(used <= split.data.len());
            assert_eq!(response.status, 101);
            if let Some(p) = &response.protocol {
                assert!(p == "chat" || p == "superchat", "not offered: {p}");
            }
            assert!(response.extensions.len() <= 1);
            for e in &response.extensions {
                assert!(e.name.eq_ignore_ascii_case("permessage-deflate"));
            }
        }
        Ok(None) => unreachable!("EOF always decides"),
        Err(e) => {
            let _ = format!("{e}");
            let _ = e.status();
        }
    }
});
