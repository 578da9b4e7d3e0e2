//! End-to-end handshake tests: client and server talking to each other.

use alloc::string::String;
use alloc::vec::Vec;

use super::*;

const RFC_KEY: &str = "dGhlIHNhbXBsZSBub25jZQ==";
const RFC_ACCEPT: &str = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

#[test]
fn rfc_6455_accept_vector() {
    assert_eq!(accept_key(RFC_KEY.as_bytes()), RFC_ACCEPT);
    assert_eq!(GUID.len(), 36);
    assert_eq!(ProtocolVersion::default(), ProtocolVersion::V13);
    assert_eq!(ProtocolVersion::V13.as_u8(), 13);
    assert_eq!(ProtocolVersion::V8.as_u8(), 8);
    assert_eq!(
        ProtocolVersion::from_header(" 8 "),
        Some(ProtocolVersion::V8)
    );
    assert_eq!(ProtocolVersion::from_header("13,8"), None);
}

/// Runs a full handshake: client request → server → accept → client.
fn round_trip(
    req: ClientRequest,
    choose: impl Fn(&Request) -> (Option<String>, Vec<ExtensionOffer>),
) -> (Request, Response) {
    // The nonce whose base64 is the RFC's sample key.
    let (wire, mut client) = req.encode(*b"the sample nonce").unwrap();
    let mut server = ServerHandshake::new(HandshakeLimits::default());
    let (request, used) = server.feed(&wire).unwrap().unwrap();
    assert_eq!(used, wire.len());
    assert_eq!(request.key, RFC_KEY);
    let (protocol, extensions) = choose(&request);
    let mut extra = Headers::new();
    extra.push("Set-Cookie", "session=1");
    let answer = request
        .accept_response(protocol.as_deref(), &extensions, &extra)
        .unwrap();
    assert!(core::str::from_utf8(&answer).unwrap().contains(RFC_ACCEPT));
    let mut with_frame = answer.clone();
    with_frame.extend_from_slice(&[0x81, 0x00]);
    let (response, used) = client.feed(&with_frame).unwrap().unwrap();
    assert_eq!(used, answer.len());
    assert_eq!(response.headers.get("set-cookie"), Some("session=1"));
    (request, response)
}

#[test]
fn client_and_server_agree() {
    let req = ClientRequest::new("server.example.com", "/chat?x=1")
        .port(8080)
        .origin("http://example.com")
        .protocol("chat")
        .protocol("superchat")
        .extension(ExtensionOffer::new("permessage-deflate").param("client_max_window_bits", None))
        .extension(ExtensionOffer::new("permessage-deflate"))
        .header("Authorization", "Basic dTpw");
    let (request, response) = round_trip(req, |r| {
        (
            r.protocols.get(1).cloned(),
            Vec::from([ExtensionOffer::new("permessage-deflate")
                .param("client_max_window_bits", Some("10"))]),
        )
    });
    assert_eq!(request.host, "server.example.com:8080");
    assert_eq!(
        (request.path.as_str(), request.query.as_deref()),
        ("/chat", Some("x=1"))
    );
    assert_eq!(request.origin.as_deref(), Some("http://example.com"));
    assert_eq!(request.protocols, ["chat", "superchat"]);
    assert_eq!(request.extensions.len(), 2);
    assert_eq!(request.headers.get("authorization"), Some("Basic dTpw"));
    assert_eq!(response.protocol.as_deref(), Some("superchat"));
    assert_eq!(
        response.extensions,
        [ExtensionOffer::new("permessage-deflate").param("client_max_window_bits", Some("10"))]
    );
}

#[test]
fn version_8_round_trip() {
    let req = ClientRequest::new("h", "/")
        .version(ProtocolVersion::V8)
        .origin("http://o");
    let (request, response) = round_trip(req, |_| (None, Vec::new()));
    assert_eq!(request.version, ProtocolVersion::V8);
    assert_eq!(request.origin.as_deref(), Some("http://o"));
    assert_eq!(response.protocol, None);
    assert!(response.extensions.is_empty());
}

#[test]
fn rejection_reaches_the_client() {
    let (wire, mut client) = ClientRequest::new("h", "/").encode([9; 16]).unwrap();
    let mut server = ServerHandshake::new(HandshakeLimits::default());
    let (_request, _) = server.feed(&wire).unwrap().unwrap();
    let mut headers = Headers::new();
    headers.push("WWW-Authenticate", "Bearer");
    let answer = reject_response(401, &headers, b"token required");
    match client.feed(&answer) {
        Err(HandshakeError::UnexpectedResponse {
            status,
            headers,
            body,
        }) => {
            assert_eq!(status, 401);
            assert_eq!(headers.get("www-authenticate"), Some("Bearer"));
            assert_eq!(body, b"token required");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn server_error_responses_parse_on_the_client() {
    let (_, mut client) = ClientRequest::new("h", "/").encode([9; 16]).unwrap();
    let e = HandshakeError::UnsupportedVersion {
        got: Some("7".into()),
    };
    match client.feed(&e.response()) {
        Err(HandshakeError::UnexpectedResponse {
            status,
            headers,
            body,
        }) => {
            assert_eq!(status, 426);
            assert_eq!(headers.get("Sec-WebSocket-Version"), Some("13, 8"));
            assert_eq!(body, alloc::format!("{e}\n").as_bytes());
        }
        other => panic!("{other:?}"),
    }
}
