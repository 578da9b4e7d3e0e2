//! Connection tests: an in-memory client and server, RFC vectors, every
//! protocol violation, and the sans-I/O invariants under proptest.

use super::*;
use crate::close::CloseCode;
use crate::error::ProtocolError;
use crate::frame::{FrameHeader, OpCode};
use crate::handshake::ClientRequest;
use crate::rand::XorShift;
use alloc::string::{String, ToString};
use alloc::vec;
use alloc::vec::Vec;
use proptest::prelude::*;

pub(crate) type Outcome = Result<Event, Error>;

fn rng(seed: u64) -> Box<dyn RandomSource + Send> {
    Box::new(XorShift::new(seed))
}

/// Polls every event the connection has, including a final error.
pub(crate) fn events(conn: &mut Connection) -> Vec<Outcome> {
    let mut out = Vec::new();
    loop {
        match conn.poll_event() {
            Ok(Some(e)) => out.push(Ok(e)),
            Ok(None) => return out,
            Err(e) => {
                out.push(Err(e));
                return out;
            }
        }
    }
}

/// Moves all output of `from` into `to` and returns `to`'s events.
fn ferry(from: &mut Connection, to: &mut Connection) -> Vec<Outcome> {
    let bytes = from.take_output();
    to.feed(&bytes);
    events(to)
}

fn pair_with(config: Config) -> (Connection, Connection) {
    let request = ClientRequest::new("example.com", "/chat?room=1");
    let mut client = Connection::client(&request, config.clone(), rng(1)).unwrap();
    let mut server = Connection::server(config);
    assert_eq!(client.state(), State::Connecting);
    let evs = ferry(&mut client, &mut server);
    let [Ok(Event::Request(req))] = &evs[..] else {
        panic!("expected a request, got {evs:?}")
    };
    assert_eq!(req.path, "/chat");
    assert_eq!(req.query.as_deref(), Some("room=1"));
    server.accept(None, &Headers::new()).unwrap();
    assert_eq!(server.state(), State::Open);
    let evs = ferry(&mut server, &mut client);
    assert!(matches!(&evs[..], [Ok(Event::Connected(_))]), "{evs:?}");
    assert_eq!(client.state(), State::Open);
    (client, server)
}

fn pair() -> (Connection, Connection) {
    pair_with(Config::default())
}

/// A masked client frame, as a client would send it.
fn client_frame(fin: bool, rsv: u8, opcode: u8, payload: &[u8]) -> Vec<u8> {
    let key = [0x37, 0xfa, 0x21, 0x3d];
    let mut out = vec![(if fin { 0x80 } else { 0 }) | rsv | opcode];
    push_len(&mut out, payload.len() as u64, true);
    out.extend_from_slice(&key);
    let start = out.len();
    out.extend_from_slice(payload);
    crate::mask::apply_mask(&mut out[start..], key, 0);
    out
}

fn push_len(out: &mut Vec<u8>, len: u64, masked: bool) {
    let m = if masked { 0x80 } else { 0 };
    if len < 126 {
        out.push(m | len as u8);
    } else if len <= 0xFFFF {
        out.push(m | 126);
        out.extend_from_slice(&(len as u16).to_be_bytes());
    } else {
        out.push(m | 127);
        out.extend_from_slice(&len.to_be_bytes());
    }
}

fn open_server(config: Config) -> Connection {
    Connection::open(Role::Server, config, None)
}

/// Feeds `bytes` to a fresh open server and returns its events and output.
fn server_gets(bytes: &[u8]) -> (Vec<Outcome>, Vec<u8>) {
    let mut server = open_server(Config::default());
    server.feed(bytes);
    let evs = events(&mut server);
    (evs, server.take_output())
}

/// The close code in an unmasked close frame written by a server.
fn close_code_of(output: &[u8]) -> Option<u16> {
    let (h, n) = FrameHeader::parse(output).ok()??;
    if h.opcode != OpCode::Close {
        return None;
    }
    let p = output.get(n..n + 2)?;
    Some(u16::from_be_bytes([p[0], p[1]]))
}

#[test]
fn in_memory_pair_end_to_end() {
    let (mut client, mut server) = pair();

    client.send_text("hello").unwrap();
    client.send_binary(&[1, 2, 3]).unwrap();
    let evs = ferry(&mut client, &mut server);
    assert_eq!(
        evs,
        vec![
            Ok(Event::Text("hello".into())),
            Ok(Event::Binary(Bytes::from_static(&[1, 2, 3])))
        ]
    );

    // Fragmented both ways, with a ping in the middle.
    let frag = SendOptions {
        fin: false,
        compress: true,
    };
    server
        .send_message(
            MessageKind::Text,
            Bytes::from_static("Hel".as_bytes()),
            frag,
        )
        .unwrap();
    server.ping(b"mid").unwrap();
    server
        .send_message(
            MessageKind::Text,
            Bytes::from_static("lo".as_bytes()),
            SendOptions::default(),
        )
        .unwrap();
    let evs = ferry(&mut server, &mut client);
    assert_eq!(
        evs,
        vec![
            Ok(Event::Ping(Bytes::from_static(b"mid"))),
            Ok(Event::Text("Hello".into()))
        ]
    );
    // The client's automatic pong reaches the server.
    let evs = ferry(&mut client, &mut server);
    assert_eq!(evs, vec![Ok(Event::Pong(Bytes::from_static(b"mid")))]);

    client
        .send_message(MessageKind::Binary, Bytes::from_static(b"ab"), frag)
        .unwrap();
    assert_eq!(client.send_text("x"), Err(SendError::FragmentInProgress));
    client
        .send_message(
            MessageKind::Binary,
            Bytes::from_static(b"cd"),
            SendOptions::default(),
        )
        .unwrap();
    let evs = ferry(&mut client, &mut server);
    assert_eq!(evs, vec![Ok(Event::Binary(Bytes::from_static(b"abcd")))]);

    // The client closes; the server echoes; both end Closed.
    client.close(CloseCode::NORMAL, "bye").unwrap();
    assert_eq!(client.state(), State::Closing);
    assert_eq!(client.send_text("late"), Err(SendError::Closed));
    let evs = ferry(&mut client, &mut server);
    assert_eq!(evs, vec![Ok(Event::Close(CloseFrame::new(1000, "bye")))]);
    assert_eq!(server.state(), State::Closed);
    assert!(server.has_output());
    let evs = ferry(&mut server, &mut client);
    assert_eq!(evs, vec![Ok(Event::Close(CloseFrame::new(1000, "")))]);
    assert_eq!(client.state(), State::Closed);
    assert!(client.should_close_transport() && server.should_close_transport());
    // EOF after a complete closing handshake is not an error.
    client.feed_eof();
    assert!(events(&mut client).is_empty());
}

#[test]
fn server_initiated_close() {
    let (mut client, mut server) = pair();
    server.close(CloseCode::GOING_AWAY, "restart").unwrap();
    let evs = ferry(&mut server, &mut client);
    assert_eq!(
        evs,
        vec![Ok(Event::Close(CloseFrame::new(1001, "restart")))]
    );
    let evs = ferry(&mut client, &mut server);
    assert_eq!(evs, vec![Ok(Event::Close(CloseFrame::new(1001, "")))]);
    assert_eq!(
        (client.state(), server.state()),
        (State::Closed, State::Closed)
    );
}

#[test]
fn rfc_6455_section_5_7_frames() {
    // A client receives the unmasked examples.
    let mut client = Connection::open(Role::Client, Config::default(), Some(rng(3)));
    client.feed(&[0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f]);
    client.feed(&[0x01, 0x03, 0x48, 0x65, 0x6c, 0x80, 0x02, 0x6c, 0x6f]);
    client.feed(&[0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f]);
    let mut big = vec![0x82, 0x7E, 0x01, 0x00];
    big.extend_from_slice(&[0xAB; 256]);
    client.feed(&big);
    let mut bigger = vec![0x82, 0x7F, 0, 0, 0, 0, 0, 0x01, 0x00, 0x00];
    bigger.extend_from_slice(&[0xCD; 65536]);
    client.feed(&bigger);
    let evs = events(&mut client);
    assert_eq!(evs.len(), 5);
    assert_eq!(evs[0], Ok(Event::Text("Hello".into())));
    assert_eq!(evs[1], Ok(Event::Text("Hello".into())));
    assert_eq!(evs[2], Ok(Event::Ping(Bytes::from_static(b"Hello"))));
    assert_eq!(evs[3], Ok(Event::Binary(Bytes::from(vec![0xAB; 256]))));
    assert_eq!(evs[4], Ok(Event::Binary(Bytes::from(vec![0xCD; 65536]))));

    // A server receives the masked examples.
    let (evs, _) = server_gets(&[
        0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58,
    ]);
    assert_eq!(evs, vec![Ok(Event::Text("Hello".into()))]);
    let (evs, _) = server_gets(&[
        0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58,
    ]);
    assert_eq!(evs, vec![Ok(Event::Pong(Bytes::from_static(b"Hello")))]);
}

#[test]
fn server_output_is_rfc_encoding() {
    let mut server = open_server(Config::default());
    server.send_text("Hello").unwrap();
    assert_eq!(
        server.take_output(),
        vec![0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f]
    );
    server.ping(b"Hello").unwrap();
    assert_eq!(
        server.take_output(),
        vec![0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f]
    );
}

fn assert_fails(bytes: &[u8], code: u16, expected: ProtocolError) {
    let (evs, out) = server_gets(bytes);
    assert_eq!(
        evs.last(),
        Some(&Err(Error::Protocol(expected))),
        "{bytes:x?}"
    );
    assert_eq!(close_code_of(&out), Some(code), "{bytes:x?}");
}

#[test]
fn protocol_violations_map_to_close_codes() {
    // Unmasked frame from a client.
    assert_fails(&[0x81, 0x01, b'a'], 1002, ProtocolError::UnmaskedFrame);
    // RSV bits without an extension.
    assert_fails(
        &client_frame(true, 0x40, 1, b"a"),
        1002,
        ProtocolError::ReservedBits(0x40),
    );
    assert_fails(
        &client_frame(true, 0x10, 2, b"a"),
        1002,
        ProtocolError::ReservedBits(0x10),
    );
    // Reserved opcodes.
    assert_fails(
        &client_frame(true, 0, 3, b""),
        1002,
        ProtocolError::ReservedOpcode(3),
    );
    assert_fails(
        &client_frame(true, 0, 0xB, b""),
        1002,
        ProtocolError::ReservedOpcode(0xB),
    );
    // Fragmented and oversized control frames.
    assert_fails(
        &client_frame(false, 0, 9, b""),
        1002,
        ProtocolError::FragmentedControl,
    );
    assert_fails(
        &client_frame(true, 0, 9, &[0; 126]),
        1002,
        ProtocolError::ControlTooLong,
    );
    // Continuation without a start; a new message inside a fragmented one.
    assert_fails(
        &client_frame(true, 0, 0, b"a"),
        1002,
        ProtocolError::UnexpectedContinuation,
    );
    let mut two = client_frame(false, 0, 1, b"a");
    two.extend(client_frame(true, 0, 1, b"b"));
    assert_fails(&two, 1002, ProtocolError::ExpectedContinuation);
    // Close frames: one byte, bad codes, bad reason.
    assert_fails(
        &client_frame(true, 0, 8, &[3]),
        1002,
        ProtocolError::CloseLengthOne,
    );
    for code in [0u16, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535] {
        assert_fails(
            &client_frame(true, 0, 8, &code.to_be_bytes()),
            1002,
            ProtocolError::InvalidCloseCode(code),
        );
    }
    let mut bad_reason = 1000u16.to_be_bytes().to_vec();
    bad_reason.extend_from_slice(&[0xff, 0xfe]);
    assert_fails(
        &client_frame(true, 0, 8, &bad_reason),
        1007,
        ProtocolError::InvalidUtf8(crate::utf8::Utf8Error { truncated: false }),
    );
    // Invalid UTF-8, also split across fragments and truncated at the end.
    assert_fails(
        &client_frame(true, 0, 1, &[0xce, 0xba, 0xff]),
        1007,
        ProtocolError::InvalidUtf8(crate::utf8::Utf8Error { truncated: false }),
    );
    let mut split = client_frame(false, 0, 1, &[0xe2, 0x82]);
    split.extend(client_frame(true, 0, 0, &[0x28]));
    assert_fails(
        &split,
        1007,
        ProtocolError::InvalidUtf8(crate::utf8::Utf8Error { truncated: false }),
    );
    assert_fails(
        &client_frame(true, 0, 1, &[0xe2, 0x82]),
        1007,
        ProtocolError::InvalidUtf8(crate::utf8::Utf8Error { truncated: true }),
    );
    // A 64-bit length with the top bit set.
    let mut huge = vec![0x82, 0xFF];
    huge.extend_from_slice(&u64::MAX.to_be_bytes());
    huge.extend_from_slice(&[0; 4]);
    assert_fails(&huge, 1002, ProtocolError::InvalidLength);
}

#[test]
fn valid_close_codes_are_accepted() {
    for code in [
        1000u16, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999,
        4000, 4999,
    ] {
        let (evs, out) = server_gets(&client_frame(true, 0, 8, &code.to_be_bytes()));
        assert_eq!(evs, vec![Ok(Event::Close(CloseFrame::new(code, "")))]);
        assert_eq!(close_code_of(&out), Some(code), "echoes the code");
    }
}

#[test]
fn fail_fast_utf8_before_the_frame_is_complete() {
    let mut server = open_server(Config::default());
    let frame = client_frame(true, 0, 1, &[b'a', 0xff, b'b', b'c', b'd', b'e']);
    // Only the header and the first two payload bytes have arrived.
    server.feed(&frame[..8]);
    assert!(matches!(
        server.poll_event(),
        Err(Error::Protocol(ProtocolError::InvalidUtf8(_)))
    ));
}

#[test]
fn huge_declared_length_is_refused_without_allocating() {
    let mut frame = vec![0x82, 0xFF];
    frame.extend_from_slice(&((1u64 << 63) - 1).to_be_bytes());
    frame.extend_from_slice(&[1, 2, 3, 4, 5, 6]);
    let mut server = open_server(Config::default());
    server.feed(&frame);
    let cap_before = server.input_buffer().capacity();
    let evs = events(&mut server);
    assert!(
        matches!(
            &evs[..],
            [Err(Error::Protocol(ProtocolError::FrameTooBig { .. }))]
        ),
        "{evs:?}"
    );
    assert!(server.input_buffer().capacity() <= cap_before.max(64));
    assert_eq!(close_code_of(&server.take_output()), Some(1009));

    // Over the message limit across fragments, refused at the header.
    let config = Config {
        max_message_size: 10,
        ..Config::default()
    };
    let mut server = open_server(config);
    server.feed(&client_frame(false, 0, 2, &[0; 6]));
    server.feed(&client_frame(true, 0, 0, &[0; 6]));
    let evs = events(&mut server);
    assert_eq!(
        evs,
        vec![Err(Error::Protocol(ProtocolError::MessageTooBig {
            limit: 10
        }))]
    );
    assert_eq!(close_code_of(&server.take_output()), Some(1009));
}

#[test]
fn input_hint_grows_with_frames_received_not_announced() {
    const SMALL: usize = Connection::SMALL_READ;
    let mut server = open_server(Config::default());
    assert_eq!(server.input_hint(), 2, "a fresh connection needs a header");

    // A header announcing 8 MiB earns no more than the small read.
    let big = vec![7u8; 8 << 20];
    let wire = client_frame(true, 0, 2, &big);
    server.feed(&wire[..14]);
    assert_eq!(events(&mut server), vec![]);
    assert_eq!(server.input_hint(), SMALL);

    // Once it has arrived, the next read makes room for another like it.
    server.feed(&wire[14..]);
    assert_eq!(events(&mut server), vec![Ok(Event::Binary(big.into()))]);
    assert_eq!(server.input_hint(), (8 << 20) + 14);
    let next = client_frame(true, 0, 2, &[1; 100]);
    server.feed(&next[..20]);
    assert_eq!(server.input_hint(), (8 << 20) + 14 - 20);

    // A small frame brings the hint back down.
    server.feed(&next[20..]);
    assert_eq!(
        events(&mut server),
        vec![Ok(Event::Binary(vec![1; 100].into()))]
    );
    assert_eq!(server.input_hint(), 100 + 14);
    server.feed(&wire[..14]);
    assert_eq!(events(&mut server), vec![]);
    assert_eq!(server.input_hint(), SMALL);
}

#[test]
fn too_many_fragments() {
    let config = Config {
        max_fragments: 3,
        ..Config::default()
    };
    let mut server = open_server(config);
    for _ in 0..4 {
        server.feed(&client_frame(
            false,
            0,
            if server.rx_msg.is_none() { 2 } else { 0 },
            b"x",
        ));
        let _ = events(&mut server);
    }
    assert!(server.state() == State::Closed);
    assert_eq!(close_code_of(&server.take_output()), Some(1009));
}

#[test]
fn masked_server_frame_is_refused_by_client() {
    let mut client = Connection::open(Role::Client, Config::default(), Some(rng(1)));
    client.feed(&client_frame(true, 0, 1, b"a"));
    assert_eq!(
        events(&mut client),
        vec![Err(Error::Protocol(ProtocolError::MaskedFrame))]
    );
}

#[test]
fn unmasked_frames_accepted_when_configured() {
    let config = Config {
        accept_unmasked_frames: true,
        ..Config::default()
    };
    let mut server = open_server(config);
    server.feed(&[0x81, 0x01, b'a']);
    assert_eq!(events(&mut server), vec![Ok(Event::Text("a".into()))]);
}

#[test]
fn ping_flood_is_answered_once() {
    let config = Config::default();
    let backlog = config.pong_backlog;
    let mut server = open_server(config);
    for i in 0..100_000u32 {
        server.feed(&client_frame(true, 0, 9, &i.to_be_bytes()));
        assert!(matches!(server.poll_event(), Ok(Some(Event::Ping(_)))));
    }
    assert!(server.input_buffer().capacity() < 4096);
    // Pongs queue up to the backlog, then only the latest ping is answered.
    let out = server.take_output();
    assert!(out.len() <= backlog + 2 * 6, "{} bytes queued", out.len());
    let mut last = vec![0x8A, 4];
    last.extend_from_slice(&99_999u32.to_be_bytes());
    assert!(out.ends_with(&last));
}

#[test]
fn a_burst_of_pings_gets_a_pong_each() {
    // Autobahn 2.10/2.11: ten pings in one read, ten pongs in order.
    let mut server = open_server(Config::default());
    for i in 0..10u8 {
        server.feed(&client_frame(true, 0, 9, &[i]));
    }
    let evs = events(&mut server);
    assert_eq!(evs.len(), 10);
    let out = server.take_output();
    let expected: Vec<u8> = (0..10u8).flat_map(|i| [0x8A, 1, i]).collect();
    assert_eq!(out, expected);
}

#[test]
fn data_after_close_is_ignored_and_sends_refused() {
    let mut bytes = client_frame(true, 0, 8, &1000u16.to_be_bytes());
    bytes.extend(client_frame(true, 0, 1, b"after"));
    let mut server = open_server(Config::default());
    server.feed(&bytes);
    let evs = events(&mut server);
    assert_eq!(evs, vec![Ok(Event::Close(CloseFrame::new(1000, "")))]);
    assert_eq!(server.send_text("x"), Err(SendError::Closed));
    assert_eq!(server.ping(b""), Err(SendError::Closed));
    server.feed(&client_frame(true, 0, 1, b"more"));
    assert!(events(&mut server).is_empty());
}

#[test]
fn eof_before_close_is_reported() {
    let (mut client, mut server) = pair();
    client.send_text("partial").unwrap();
    let out = client.take_output();
    server.feed(&out[..4]);
    server.feed_eof();
    assert_eq!(events(&mut server), vec![Err(Error::UnexpectedEof)]);
    assert_eq!(server.state(), State::Closed);
}

#[test]
fn send_errors() {
    let (mut client, mut server) = pair();
    assert_eq!(client.ping(&[0; 126]), Err(SendError::ControlTooLong));
    assert_eq!(
        client.close(CloseCode(1005 + 1), ""),
        Err(SendError::InvalidCloseCode(1006))
    );
    assert_eq!(
        client.close(CloseCode::NORMAL, &"x".repeat(124)),
        Err(SendError::ReasonTooLong)
    );
    let frag = SendOptions {
        fin: false,
        compress: false,
    };
    server
        .send_message(MessageKind::Text, Bytes::from_static(b"a"), frag)
        .unwrap();
    assert_eq!(
        server.send_message(MessageKind::Binary, Bytes::from_static(b"b"), frag),
        Err(SendError::KindMismatch)
    );
    let mut fresh = Connection::server(Config::default());
    assert_eq!(fresh.send_text("x"), Err(SendError::NotOpen));
    assert_eq!(
        fresh.accept(None, &Headers::new()),
        Err(SendError::NoPendingRequest)
    );
}

#[test]
fn handshake_rejection_and_errors() {
    let request = ClientRequest::new("example.com", "/");
    let mut client = Connection::client(&request, Config::default(), rng(5)).unwrap();
    let mut server = Connection::server(Config::default());
    let evs = ferry(&mut client, &mut server);
    assert!(matches!(&evs[..], [Ok(Event::Request(_))]));
    let mut headers = Headers::new();
    headers.push("WWW-Authenticate", "Bearer");
    server.reject(401, &headers, b"who are you?").unwrap();
    assert_eq!(server.state(), State::Closed);
    let evs = ferry(&mut server, &mut client);
    match &evs[..] {
        [Err(Error::Handshake(crate::handshake::HandshakeError::UnexpectedResponse {
            status,
            body,
            ..
        }))] => {
            assert_eq!(*status, 401);
            assert_eq!(&body[..], b"who are you?");
        }
        other => panic!("{other:?}"),
    }

    // A malformed request gets an HTTP error response.
    let mut server = Connection::server(Config::default());
    server.feed(b"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 7\r\n\r\n");
    assert!(matches!(
        events(&mut server)[..],
        [Err(Error::Handshake(_))]
    ));
    let out = String::from_utf8(server.take_output()).unwrap();
    assert!(out.starts_with("HTTP/1.1 426"), "{out}");
    assert!(out.contains("Sec-WebSocket-Version: 13, 8"), "{out}");
}

#[test]
fn bytes_after_request_head_belong_to_the_connection() {
    let request = ClientRequest::new("example.com", "/");
    let mut client = Connection::client(&request, Config::default(), rng(5)).unwrap();
    let mut bytes = client.take_output();
    // The client pipelines a frame right behind its request.
    let mut open_client = Connection::open(Role::Client, Config::default(), Some(rng(6)));
    open_client.send_text("early").unwrap();
    bytes.extend(open_client.take_output());
    let mut server = Connection::server(Config::default());
    server.feed(&bytes);
    assert!(matches!(events(&mut server)[..], [Ok(Event::Request(_))]));
    server.accept(None, &Headers::new()).unwrap();
    assert_eq!(events(&mut server), vec![Ok(Event::Text("early".into()))]);
}

fn early_input_config(limit: usize) -> Config {
    Config {
        max_early_input: limit,
        ..Config::default()
    }
}

/// A server that has reported the client's upgrade request and awaits the
/// answer, with `max_early_input` set to `limit`; also returns an open
/// client whose frames can be fed to it.
fn server_awaiting_decision(limit: usize) -> (Connection, Connection) {
    let config = early_input_config(limit);
    let request = ClientRequest::new("example.com", "/");
    let mut client = Connection::client(&request, config.clone(), rng(5)).unwrap();
    let mut server = Connection::server(config.clone());
    assert!(server.wants_input());
    assert!(matches!(
        ferry(&mut client, &mut server)[..],
        [Ok(Event::Request(_))]
    ));
    assert!(!server.wants_input());
    (server, Connection::open(Role::Client, config, Some(rng(6))))
}

fn refused_early(e: &Error, limit: usize) -> bool {
    *e == Error::Handshake(handshake::HandshakeError::EarlyInputTooLarge { limit })
}

#[test]
fn early_input_is_kept_up_to_the_limit() {
    let (mut server, mut client) = server_awaiting_decision(100);
    client.send_binary(&[7u8; 94]).unwrap(); // 2 + 4 + 94 = 100 bytes
    let frame = client.take_output();
    assert_eq!(frame.len(), 100);
    server.feed(&frame);
    assert_eq!(events(&mut server), vec![]);
    assert_eq!(server.buffered_input(), 100);
    server.accept(None, &Headers::new()).unwrap();
    assert!(server.wants_input());
    assert_eq!(
        events(&mut server),
        vec![Ok(Event::Binary(Bytes::from(vec![7u8; 94])))]
    );
}

#[test]
fn early_input_past_the_limit_is_dropped_and_refused_with_413() {
    let (mut server, mut client) = server_awaiting_decision(100);
    client.send_binary(&[7u8; 94]).unwrap();
    server.feed(&client.take_output());
    // One byte more: dropped, not buffered, whatever the caller keeps feeding.
    for _ in 0..1000 {
        server.feed(&[0u8; 1024]);
    }
    assert_eq!(server.buffered_input(), 100);
    let evs = events(&mut server);
    assert!(
        matches!(&evs[..], [Err(e)] if refused_early(e, 100)),
        "{evs:?}"
    );
    assert_eq!(server.state(), State::Closed);
    assert_eq!(server.buffered_input(), 0);
    assert!(!server.wants_input());
    let out = String::from_utf8(server.take_output()).unwrap();
    assert!(
        out.starts_with("HTTP/1.1 413 Content Too Large\r\n"),
        "{out}"
    );
    assert!(server.should_close_transport());
    // Reported once; the request can no longer be answered.
    assert_eq!(events(&mut server), vec![]);
    assert_eq!(
        server.accept(None, &Headers::new()),
        Err(SendError::NoPendingRequest)
    );
}

#[test]
fn accept_after_too_much_early_input_refuses_the_request() {
    let (mut server, _) = server_awaiting_decision(10);
    // Appended straight to the input buffer: checked all the same.
    server.input_buffer().extend_from_slice(&[0u8; 11]);
    let result = server.accept(None, &Headers::new());
    assert_eq!(
        result,
        Err(SendError::Handshake(
            handshake::HandshakeError::EarlyInputTooLarge { limit: 10 }
        ))
    );
    let out = String::from_utf8(server.take_output()).unwrap();
    assert!(out.starts_with("HTTP/1.1 413"), "{out}");
    assert_eq!(server.state(), State::Closed);
    assert_eq!(events(&mut server), vec![]);

    // Rejecting is still possible: the early bytes do not matter then.
    let (mut server, _) = server_awaiting_decision(10);
    server.feed(&[0u8; 11]);
    server.reject(403, &Headers::new(), b"").unwrap();
    let out = String::from_utf8(server.take_output()).unwrap();
    assert!(out.starts_with("HTTP/1.1 403"), "{out}");
}

#[test]
fn too_much_early_input_with_the_request_is_refused_before_reporting_it() {
    let config = early_input_config(1000);
    let request = ClientRequest::new("example.com", "/");
    let mut client = Connection::client(&request, config.clone(), rng(5)).unwrap();
    let mut bytes = client.take_output();
    bytes.extend_from_slice(&[0u8; 1001]);
    let mut server = Connection::server(config);
    server.feed(&bytes);
    let evs = events(&mut server);
    assert!(
        matches!(&evs[..], [Err(e)] if refused_early(e, 1000)),
        "{evs:?}"
    );
    assert!(String::from_utf8(server.take_output())
        .unwrap()
        .starts_with("HTTP/1.1 413"));
}

#[test]
fn input_after_a_plain_http_request_is_dropped() {
    let mut server = Connection::server(Config::default());
    server.feed(b"POST /form HTTP/1.1\r\nHost: x\r\nContent-Length: 1048576\r\n\r\nbody");
    assert!(matches!(
        events(&mut server)[..],
        [Ok(Event::HttpRequest(_))]
    ));
    assert!(!server.wants_input());
    assert_eq!(server.buffered_input(), 0);
    for _ in 0..1024 {
        server.feed(&[b'x'; 1024]);
    }
    assert_eq!(server.buffered_input(), 0);
    server.input_buffer().extend_from_slice(b"more");
    assert_eq!(events(&mut server), vec![]);
    assert_eq!(server.buffered_input(), 0);
    server.reject(200, &Headers::new(), b"ok").unwrap();
    assert!(String::from_utf8(server.take_output())
        .unwrap()
        .starts_with("HTTP/1.1 200"));
}

#[test]
fn output_chunk_count_counts_an_owed_pong() {
    let mut server = open_server(Config::default());
    assert_eq!(server.output_chunk_count(), 0);
    server.feed(&client_frame(true, 0, 0x9, b"ping"));
    let _ = events(&mut server);
    assert!(server.has_output());
    assert_eq!(server.output_chunk_count(), 1);
    let mut chunks: [&[u8]; 4] = [&[]; 4];
    assert_eq!(server.output_chunks(&mut chunks), 1);
    assert_eq!(chunks[0], &[0x8A, 4, b'p', b'i', b'n', b'g'][..]);
}

#[test]
fn large_server_payload_is_not_copied() {
    let mut server = open_server(Config::default());
    let payload = Bytes::from(vec![7u8; 100_000]);
    let ptr = payload.as_ptr();
    server
        .send_message(MessageKind::Binary, payload, SendOptions::default())
        .unwrap();
    server.send_text("small").unwrap();
    assert_eq!(server.output_chunk_count(), 3);
    let mut chunks: [&[u8]; 4] = [&[]; 4];
    let n = server.output_chunks(&mut chunks);
    assert_eq!(n, 3, "header, payload, then the small frame");
    assert_eq!(chunks[1].as_ptr(), ptr);
    assert_eq!(chunks[0], &[0x82, 127, 0, 0, 0, 0, 0, 1, 0x86, 0xA0][..]);
    let total: usize = chunks[..n].iter().map(|c| c.len()).sum();
    assert_eq!(total, server.output_len());
    // Partial writes advance across chunk boundaries.
    server.consume_output(5);
    server.consume_output(100_000);
    let rest = server.take_output();
    assert_eq!(rest.len(), 10 + 100_000 + 7 - 100_005);
}

#[test]
fn streaming_mode_delivers_pieces() {
    let config = Config {
        streaming: true,
        ..Config::default()
    };
    let mut server = open_server(config);
    let mut bytes = client_frame(false, 0, 1, "héllo ".as_bytes());
    bytes.extend(client_frame(true, 0, 0, "wörld".as_bytes()));
    // Deliver the first frame in two reads.
    server.feed(&bytes[..9]);
    let mut data = Vec::new();
    let mut fins = Vec::new();
    for ev in events(&mut server) {
        let Ok(Event::Fragment { kind, data: d, fin }) = ev else {
            panic!("{ev:?}")
        };
        assert_eq!(kind, MessageKind::Text);
        data.extend_from_slice(&d);
        fins.push(fin);
    }
    server.feed(&bytes[9..]);
    for ev in events(&mut server) {
        let Ok(Event::Fragment { data: d, fin, .. }) = ev else {
            panic!("{ev:?}")
        };
        data.extend_from_slice(&d);
        fins.push(fin);
    }
    assert_eq!(String::from_utf8(data).unwrap(), "héllo wörld");
    assert_eq!(fins.last(), Some(&true));
    assert!(fins[..fins.len() - 1].iter().all(|f| !f));
}

/// A toy extension claiming RSV1 that XORs every byte with 0x55 — enough
/// to check the plumbing permessage-deflate will use.
struct Xor55;

impl crate::extension::Extension for Xor55 {
    fn rsv_bits(&self) -> u8 {
        crate::frame::RSV1
    }
    fn begin_decode(&mut self, rsv: u8) -> bool {
        rsv & crate::frame::RSV1 != 0
    }
    fn decode(
        &mut self,
        input: &[u8],
        _fin: bool,
        out: &mut BytesMut,
        limit: usize,
    ) -> Result<(), crate::extension::ExtensionError> {
        if out.len() + input.len() > limit {
            return Err(crate::extension::ExtensionError::TooBig);
        }
        out.extend(input.iter().map(|b| b ^ 0x55));
        Ok(())
    }
    fn begin_encode(&mut self, len: usize, requested: bool) -> Option<u8> {
        (requested && len >= 4).then_some(crate::frame::RSV1)
    }
    fn encode(
        &mut self,
        input: &[u8],
        _fin: bool,
        out: &mut BytesMut,
    ) -> Result<(), crate::extension::ExtensionError> {
        out.extend(input.iter().map(|b| b ^ 0x55));
        Ok(())
    }
}

#[test]
fn extension_hook_transforms_messages() {
    let (mut client, mut server) = pair();
    client.set_extension(Box::new(Xor55));
    server.set_extension(Box::new(Xor55));
    client.send_text("transformed").unwrap();
    client.send_text("raw").unwrap(); // under the toy threshold
    client
        .send_message(
            MessageKind::Binary,
            Bytes::from_static(b"opt-out"),
            SendOptions {
                fin: true,
                compress: false,
            },
        )
        .unwrap();
    let out = client.take_output();
    assert_eq!(out[0], 0x80 | 0x40 | 0x1, "RSV1 on the transformed message");
    server.feed(&out);
    assert_eq!(
        events(&mut server),
        vec![
            Ok(Event::Text("transformed".into())),
            Ok(Event::Text("raw".into())),
            Ok(Event::Binary(Bytes::from_static(b"opt-out")))
        ]
    );
    // RSV1 on a continuation or a control frame is still an error.
    let mut bad = client_frame(false, 0x40, 1, &[0x55 ^ b'a']);
    bad.extend(client_frame(true, 0x40, 0, &[0x55 ^ b'b']));
    server.feed(&bad);
    assert_eq!(
        events(&mut server),
        vec![Err(Error::Protocol(ProtocolError::ReservedBits(0x40)))]
    );
}

// ---------------------------------------------------------------- proptest

#[derive(Clone, Debug)]
enum Cmd {
    Text(String),
    Binary(Vec<u8>),
    Fragmented(bool, Vec<Vec<u8>>),
    Ping(Vec<u8>),
    Pong(Vec<u8>),
}

fn any_cmd() -> impl Strategy<Value = Cmd> {
    prop_oneof![
        "\\PC{0,40}".prop_map(Cmd::Text),
        proptest::collection::vec(any::<u8>(), 0..300).prop_map(Cmd::Binary),
        (
            any::<bool>(),
            proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..40), 1..5)
        )
            .prop_map(|(t, f)| Cmd::Fragmented(t, f)),
        proptest::collection::vec(any::<u8>(), 0..125).prop_map(Cmd::Ping),
        proptest::collection::vec(any::<u8>(), 0..125).prop_map(Cmd::Pong),
    ]
}

/// Queues `cmds` on `conn`, returning the events the peer should see.
fn apply(conn: &mut Connection, cmds: &[Cmd]) -> Vec<Event> {
    let mut expected = Vec::new();
    for cmd in cmds {
        match cmd {
            Cmd::Text(s) => {
                conn.send_text(s).unwrap();
                expected.push(Event::Text(s.as_str().into()));
            }
            Cmd::Binary(b) => {
                conn.send_binary(b).unwrap();
                expected.push(Event::Binary(Bytes::from(b.clone())));
            }
            Cmd::Fragmented(text, parts) => {
                // Text pieces are hex so any split stays valid UTF-8.
                let kind = if *text {
                    MessageKind::Text
                } else {
                    MessageKind::Binary
                };
                let mut whole = Vec::new();
                for (i, p) in parts.iter().enumerate() {
                    let piece: Vec<u8> = if *text {
                        p.iter()
                            .map(|b| b"0123456789abcdef"[(b & 15) as usize])
                            .collect()
                    } else {
                        p.clone()
                    };
                    whole.extend_from_slice(&piece);
                    let fin = i + 1 == parts.len();
                    conn.send_message(
                        kind,
                        Bytes::from(piece),
                        SendOptions {
                            fin,
                            compress: true,
                        },
                    )
                    .unwrap();
                }
                expected.push(if *text {
                    Event::Text(Utf8Bytes::try_from_bytes(Bytes::from(whole)).unwrap())
                } else {
                    Event::Binary(Bytes::from(whole))
                });
            }
            Cmd::Ping(p) => {
                conn.ping(p).unwrap();
                expected.push(Event::Ping(Bytes::from(p.clone())));
            }
            Cmd::Pong(p) => {
                conn.pong(p).unwrap();
                expected.push(Event::Pong(Bytes::from(p.clone())));
            }
        }
    }
    expected
}

/// Installs permessage-deflate with `params`, compressing every message.
fn with_deflate(
    mut conn: Connection,
    role: Role,
    params: crate::deflate::DeflateParams,
) -> Connection {
    let cfg = crate::deflate::DeflateConfig::default().threshold(0);
    conn.set_extension(Box::new(crate::deflate::PerMessageDeflate::new(
        role, params, &cfg,
    )));
    conn
}

/// Feeds `bytes` split at `cuts`, polling after each piece; returns the
/// events and the output produced.
fn feed_split(
    mut conn: Connection,
    bytes: &[u8],
    cuts: &[usize],
) -> (Vec<Outcome>, Vec<u8>, State) {
    let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (bytes.len() + 1)).collect();
    cuts.sort_unstable();
    let mut evs = Vec::new();
    let mut pos = 0;
    for cut in cuts.into_iter().chain(core::iter::once(bytes.len())) {
        conn.feed(&bytes[pos..cut]);
        pos = cut;
        evs.extend(events(&mut conn));
    }
    let out = conn.take_output();
    (evs, out, conn.state())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    /// Encode then decode is the identity, in both directions.
    #[test]
    fn encode_decode_identity(cmds in proptest::collection::vec(any_cmd(), 0..12), client_sends in any::<bool>()) {
        let (mut client, mut server) = pair();
        let (from, to) = if client_sends { (&mut client, &mut server) } else { (&mut server, &mut client) };
        let expected = apply(from, &cmds);
        let got: Vec<Event> = ferry(from, to).into_iter().map(|e| e.unwrap()).collect();
        prop_assert_eq!(got, expected);
    }

    /// Splitting the input at arbitrary points gives the same events and
    /// the same output, for valid streams...
    #[test]
    fn split_invariance_valid(cmds in proptest::collection::vec(any_cmd(), 0..10), cuts in proptest::collection::vec(any::<usize>(), 0..12), close in any::<bool>()) {
        let mut client = Connection::open(Role::Client, Config::default(), Some(rng(9)));
        apply(&mut client, &cmds);
        if close { client.close(CloseCode::NORMAL, "done").unwrap(); }
        let bytes = client.take_output();
        let whole = feed_split(open_server(Config::default()), &bytes, &[]);
        let split = feed_split(open_server(Config::default()), &bytes, &cuts);
        prop_assert_eq!(whole, split);
    }

    /// The same with permessage-deflate negotiated (every message
    /// compressed, context kept or not), whole or in pieces.
    #[test]
    fn split_invariance_deflate(cmds in proptest::collection::vec(any_cmd(), 0..10), cuts in proptest::collection::vec(any::<usize>(), 0..12), takeover in any::<bool>(), bits in 8u8..=15) {
        let params = crate::deflate::DeflateParams {
            client_no_context_takeover: !takeover,
            client_max_window_bits: bits,
            ..Default::default()
        };
        let mut client = with_deflate(Connection::open(Role::Client, Config::default(), Some(rng(9))), Role::Client, params);
        let expected = apply(&mut client, &cmds);
        let bytes = client.take_output();
        let server = || with_deflate(open_server(Config::default()), Role::Server, params);
        let whole = feed_split(server(), &bytes, &[]);
        let split = feed_split(server(), &bytes, &cuts);
        let got: Vec<Event> = whole.0.iter().cloned().map(|e| e.unwrap()).collect();
        prop_assert_eq!(got, expected);
        prop_assert_eq!(whole, split);
    }

    /// ...and for valid frames followed by arbitrary garbage, in both roles.
    #[test]
    fn split_invariance_garbage(prefix in proptest::collection::vec(any_cmd(), 0..4), garbage in proptest::collection::vec(any::<u8>(), 0..200), cuts in proptest::collection::vec(any::<usize>(), 0..12), server_role in any::<bool>()) {
        let role = if server_role { Role::Server } else { Role::Client };
        let mut sender = Connection::open(if server_role { Role::Client } else { Role::Server }, Config::default(), Some(rng(2)));
        apply(&mut sender, &prefix);
        let mut bytes = sender.take_output();
        bytes.extend_from_slice(&garbage);
        let mk = || Connection::open(role, Config { max_message_size: 1000, max_frame_size: 500, ..Config::default() }, Some(rng(4)));
        let whole = feed_split(mk(), &bytes, &[]);
        let split = feed_split(mk(), &bytes, &cuts);
        prop_assert_eq!(whole, split);
    }
}

#[test]
fn plain_http_request_can_be_answered() {
    let mut server = Connection::server(Config::default());
    server.feed(b"GET /index.html?x=1 HTTP/1.1\r\nHost: example.com\r\n\r\n");
    let evs = events(&mut server);
    let [Ok(Event::HttpRequest(req))] = &evs[..] else {
        panic!("{evs:?}")
    };
    assert_eq!(
        (req.method.as_str(), req.path.as_str(), req.query.as_deref()),
        ("GET", "/index.html", Some("x=1"))
    );
    server
        .decide(
            &Decision::respond(200)
                .with_header("Content-Type", "text/html")
                .with_body("<p>hi</p>"),
        )
        .unwrap();
    let out = String::from_utf8(server.take_output()).unwrap();
    assert!(out.starts_with("HTTP/1.1 200 OK\r\n"), "{out}");
    assert!(out.ends_with("\r\n\r\n<p>hi</p>"), "{out}");
    assert_eq!(server.state(), State::Closed);
}

/// Found by fuzzing (connection_server): once failed (a protocol error, or
/// an HTTP answer to a plain request), the connection kept every byte fed
/// to it afterwards, without bound.
#[test]
fn input_after_failure_is_dropped() {
    let mut server = Connection::open(Role::Server, Config::default(), None);
    server.feed(&[0x81, 0x00]); // unmasked client frame: 1002
    assert!(matches!(
        server.poll_event(),
        Err(Error::Protocol(ProtocolError::UnmaskedFrame))
    ));
    let mut http = Connection::server(Config::default());
    http.feed(b"GET / HTTP/1.1\r\nHost: example.com\r\n\r\n");
    assert!(matches!(http.poll_event(), Ok(Some(Event::HttpRequest(_)))));
    http.decide(&Decision::respond(200)).unwrap();
    for conn in [&mut server, &mut http] {
        assert_eq!(conn.state(), State::Closed);
        for _ in 0..100 {
            conn.feed(&[0x81; 1000]);
            conn.input_buffer().extend_from_slice(&[0x81; 1000]);
            assert!(matches!(conn.poll_event(), Ok(None)));
            assert!(conn.input_buffer().is_empty());
        }
    }
}

#[test]
fn an_empty_shared_payload_leaves_no_output_behind() {
    // With every payload zero-copy, an empty one must not linger as an empty
    // chunk that no write can consume.
    let config = Config {
        zero_copy_threshold: 0,
        ..Config::default()
    };
    let mut s = Connection::open(Role::Server, config, None);
    s.send_message(MessageKind::Binary, Bytes::new(), SendOptions::default())
        .unwrap();
    s.send_message(
        MessageKind::Binary,
        Bytes::from_static(b"x"),
        SendOptions::default(),
    )
    .unwrap();
    let mut slices: [&[u8]; 4] = [&[]; 4];
    let n = s.output_chunks(&mut slices);
    let bytes: Vec<u8> = slices[..n].concat();
    assert_eq!(bytes, [0x82, 0x00, 0x82, 0x01, b'x']);
    assert!(slices[..n].iter().all(|s| !s.is_empty()));
    s.consume_output(bytes.len());
    assert!(!s.has_output());
    assert_eq!(s.output_chunk_count(), 0);
}

#[test]
fn a_client_without_a_random_source_sends_nothing() {
    // RFC 6455 §5.3: every mask key unpredictable. With no source of keys,
    // sends are refused and no automatic pong or close reply goes out.
    let mut c = Connection::open(Role::Client, Config::default(), None);
    assert_eq!(c.send_text("hello"), Err(SendError::NoRandomSource));
    assert_eq!(c.ping(b""), Err(SendError::NoRandomSource));
    assert_eq!(
        c.close(CloseCode::NORMAL, ""),
        Err(SendError::NoRandomSource)
    );
    assert!(SendError::NoRandomSource
        .to_string()
        .contains("random source"));
    c.feed(&[0x89, 0x00, 0x88, 0x00]);
    let evs = events(&mut c);
    assert!(matches!(evs[0], Ok(Event::Ping(_))), "{evs:?}");
    assert!(!c.has_output(), "{:?}", c.take_output());
}

#[test]
fn a_closed_connection_says_closed_even_mid_fragment() {
    // A fragmented message was in progress when the close was sent: a new
    // message is refused because the connection is closing, which is what
    // the caller can act on (finishing the fragment would fail too).
    let mut s = Connection::open(Role::Server, Config::default(), None);
    let first = SendOptions {
        fin: false,
        ..SendOptions::default()
    };
    s.send_message(MessageKind::Text, Bytes::from_static(b"part"), first)
        .unwrap();
    assert_eq!(s.send_text("x"), Err(SendError::FragmentInProgress));
    s.close(CloseCode::NORMAL, "").unwrap();
    assert_eq!(s.send_text("x"), Err(SendError::Closed));
    assert_eq!(s.send_binary(b"x"), Err(SendError::Closed));
}
