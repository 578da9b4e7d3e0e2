//! The scenarios as a sockeye client (on any adapter) against a peer's
//! scenario server (`interop/ws_server.js`, `interop/py_server.py`).
//! Each asserts what sockeye received and, from the JSON line the peer
//! prints when the connection ends, what the peer received.

use crate::conn::{Adapter, Conn};
use crate::payload::{binaries, texts, Digest};
use crate::peer::{Peer, PeerKind};
use crate::server::{PEER_CLOSE, SOCKEYE_CLOSE};
use crate::{sockeye_config, Variant};
use serde_json::Value;
use sockeye_std::{ClientOptions, CloseCode, Message, ProtocolVersion};
use std::time::Duration;

const LOG_WAIT: Duration = Duration::from_secs(30);

/// Where a check failed.
struct Ctx<'a> {
    adapter: Adapter,
    peer: PeerKind,
    variant: &'a Variant,
    scenario: &'a str,
}

impl std::fmt::Display for Ctx<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "sockeye {} client vs {} server, {} variant, scenario {}",
            self.adapter.name(),
            self.peer.name(),
            self.variant.name,
            self.scenario
        )
    }
}

/// Runs `scenario` against the peer server listening at `base`
/// (`ws://127.0.0.1:PORT`); `peer` is that server's process.
pub fn run_scenario(
    adapter: Adapter,
    kind: PeerKind,
    peer: &mut Peer,
    base: &str,
    scenario: &str,
    variant: &Variant,
) {
    let ctx = Ctx {
        adapter,
        peer: kind,
        variant,
        scenario,
    };
    let mut options = ClientOptions::new()
        .config(sockeye_config(variant))
        .max_message_size(64 << 20)
        .handshake_timeout(Duration::from_secs(10))
        .close_timeout(Duration::from_secs(10));
    if scenario == "subprotocol" {
        options = options.protocol("nope").protocol("chat.v2");
    }
    if scenario == "v8" {
        options = options
            .version(ProtocolVersion::V8)
            .origin("http://sockeye.example");
    }
    let path = format!("/{scenario}");
    let url = format!("{base}{path}");
    let (mut ws, response) = adapter
        .connect(&url, &options)
        .unwrap_or_else(|e| panic!("{ctx}: connect: {e}"));
    let mut sent = Vec::new();
    let must = |r: sockeye_std::Result<()>, what: &str| {
        r.unwrap_or_else(|e| panic!("{ctx}: {what}: {e}"));
    };

    match scenario {
        "text" | "binary" | "v8" => {
            let messages: Vec<Message> = match scenario {
                "text" => texts().into_iter().map(Message::text).collect(),
                "binary" => binaries().into_iter().map(Message::binary).collect(),
                _ => vec![Message::text("hybi-08 from sockeye ✓")],
            };
            for m in messages {
                let digest = Digest::of(&m).unwrap();
                must(ws.send(m), "send");
                let echo = next_data(&mut *ws, &ctx);
                assert_eq!(Digest::of(&echo).as_ref(), Some(&digest), "{ctx}: echo");
                sent.push(digest);
            }
            must(ws.close(CloseCode::NORMAL, "done"), "close");
        }
        "fragments" => {
            // The peer sends a fragmented text and binary message (ws with
            // a ping between two fragments), then "done".
            let mut got = Vec::new();
            while got.len() < 3 {
                got.push(next_data(&mut *ws, &ctx));
            }
            assert_eq!(got[0].as_text(), Some("fragmented ✓ 🦀"), "{ctx}");
            let mut bin = vec![1u8, 2, 3];
            bin.extend(std::iter::repeat_n(7u8, 70_000));
            bin.push(9);
            assert!(got[1].is_binary(), "{ctx}: binary expected");
            assert_eq!(got[1].as_bytes(), &bin[..], "{ctx}: binary content");
            assert_eq!(got[2].as_text(), Some("done"), "{ctx}");
            must(ws.close(CloseCode::NORMAL, "done"), "close");
        }
        "ping" => {
            must(ws.ping(b"ping-from-sockeye"), "ping");
            loop {
                match recv(&mut *ws, &ctx) {
                    Message::Pong(p) => {
                        assert_eq!(&p[..], b"ping-from-sockeye", "{ctx}: pong payload");
                        break;
                    }
                    Message::Ping(_) => {}
                    other => panic!("{ctx}: expected a pong, got {other:?}"),
                }
            }
            let m = Message::text("ping-me");
            sent.push(Digest::of(&m).unwrap());
            must(ws.send(m), "send");
            let mut saw_ping = false;
            let confirm = loop {
                match recv(&mut *ws, &ctx) {
                    Message::Ping(p) => {
                        assert_eq!(&p[..], b"ping-from-peer", "{ctx}: ping payload");
                        saw_ping = true;
                    }
                    m if m.is_text() => break m,
                    other => panic!("{ctx}: unexpected {other:?}"),
                }
            };
            assert!(saw_ping, "{ctx}: the peer's ping was not delivered");
            assert_eq!(confirm.as_text(), Some("got-pong:ping-from-peer"), "{ctx}");
            must(ws.close(CloseCode::NORMAL, "done"), "close");
        }
        "close_by_sockeye" => {
            let (code, reason) = SOCKEYE_CLOSE;
            must(ws.close(CloseCode::from(code), reason), "close");
        }
        "close_by_peer" => {
            match recv(&mut *ws, &ctx) {
                Message::Close(Some(frame)) => {
                    assert_eq!(
                        (u16::from(frame.code), &*frame.reason),
                        (PEER_CLOSE.0, PEER_CLOSE.1),
                        "{ctx}: close frame"
                    );
                }
                other => panic!("{ctx}: expected the peer's close frame, got {other:?}"),
            }
            match ws.recv() {
                Ok(None) => {}
                other => panic!("{ctx}: expected the end of the connection, got {other:?}"),
            }
        }
        "subprotocol" => {
            assert_eq!(response.protocol.as_deref(), Some("chat.v2"), "{ctx}");
            must(ws.close(CloseCode::NORMAL, "done"), "close");
        }
        other => panic!("unknown scenario {other}"),
    }
    drop(ws);

    // What the peer saw.
    let log = peer.find(LOG_WAIT, |v| v["path"] == path.as_str());
    let ext = log["extensions"].as_str().unwrap_or_default();
    if let Some(wrong) = crate::extension_mismatch(variant, ext) {
        panic!("{ctx}: {wrong}");
    }
    let negotiated: Vec<_> = response
        .extensions
        .iter()
        .map(|e| e.name.to_string())
        .collect();
    assert_eq!(
        negotiated.is_empty(),
        ext.is_empty(),
        "{ctx}: sockeye saw extensions {negotiated:?}, the peer {ext:?}"
    );
    let close = &log["close"];
    match scenario {
        "text" | "binary" | "v8" | "ping" => {
            assert_eq!(
                Digest::list(&log["received"]),
                sent,
                "{ctx}: what the peer received"
            );
            assert_close(close, 1000, "done", &ctx);
        }
        "fragments" | "subprotocol" => assert_close(close, 1000, "done", &ctx),
        "close_by_sockeye" => assert_close(close, SOCKEYE_CLOSE.0, SOCKEYE_CLOSE.1, &ctx),
        _ => {}
    }
    if scenario == "subprotocol" {
        assert_eq!(log["protocol"], "chat.v2", "{ctx}: the peer's protocol");
    }
    if scenario == "v8" {
        assert_eq!(log["version"], 8, "{ctx}: Sec-WebSocket-Version");
        assert_eq!(
            log["origin"], "http://sockeye.example",
            "{ctx}: Sec-WebSocket-Origin"
        );
    }
    if scenario == "ping" && kind == PeerKind::Ws {
        assert_eq!(
            log["pings"][0], "ping-from-sockeye",
            "{ctx}: ping seen by ws"
        );
    }
}

fn assert_close(close: &Value, code: u16, reason: &str, ctx: &Ctx<'_>) {
    assert_eq!(
        close["code"], code,
        "{ctx}: close code the peer received ({close})"
    );
    assert_eq!(
        close["reason"], reason,
        "{ctx}: close reason the peer received"
    );
}

fn recv(ws: &mut dyn Conn, ctx: &Ctx<'_>) -> Message {
    match ws.recv() {
        Ok(Some(m)) => m,
        Ok(None) => panic!("{ctx}: connection closed unexpectedly"),
        Err(e) => panic!("{ctx}: receive: {e}"),
    }
}

/// The next data message, skipping pings and pongs.
fn next_data(ws: &mut dyn Conn, ctx: &Ctx<'_>) -> Message {
    loop {
        match recv(ws, ctx) {
            Message::Ping(_) | Message::Pong(_) => {}
            m if m.is_text() || m.is_binary() => return m,
            other => panic!("{ctx}: expected a data message, got {other:?}"),
        }
    }
}
