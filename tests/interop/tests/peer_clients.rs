//! Node's `ws` and Python's `websockets` as clients of sockeye servers on
//! every adapter. The peer prints a JSON line per scenario (what it sent and
//! received); the in-process server records what it saw; both are checked.
#![cfg(feature = "interop")]

use serde_json::Value;
use sockeye_interop::conn::Adapter;
use sockeye_interop::payload::Digest;
use sockeye_interop::peer::{with_timeout, Peer, PeerKind};
use sockeye_interop::server::{ScenarioServer, PEER_CLOSE, SOCKEYE_CLOSE};
use sockeye_interop::{sockeye_config, Variant, VARIANTS};
use sockeye_std::ServerOptions;
use std::time::Duration;

const SCENARIO_WAIT: Duration = Duration::from_secs(60);
const RECORD_WAIT: Duration = Duration::from_secs(15);

fn peer_clients(kind: PeerKind, adapter: Adapter) {
    with_timeout(
        &format!("{} clients vs sockeye {}", kind.name(), adapter.name()),
        Duration::from_secs(240),
        move || {
            for variant in VARIANTS {
                run_variant(kind, adapter, variant);
            }
        },
    );
}

fn run_variant(kind: PeerKind, adapter: Adapter, variant: &Variant) {
    let options = ServerOptions::new()
        .config(sockeye_config(variant))
        .max_message_size(64 << 20)
        .close_timeout(Duration::from_secs(10));
    let server = ScenarioServer::start(adapter, options);
    let scenarios: Vec<&str> = variant
        .scenarios
        .iter()
        .copied()
        .filter(|s| *s != "v8" || kind.speaks_v8())
        .collect();
    let name = format!("{} client", kind.name());
    let mut peer = Peer::spawn(
        &name,
        kind.client(&server.url(), &scenarios, variant.peer_deflate),
    );
    for scenario in &scenarios {
        let ctx = format!(
            "{} client vs sockeye {} server, {} variant, scenario {scenario}",
            kind.name(),
            adapter.name(),
            variant.name
        );
        let v = peer.next_json(SCENARIO_WAIT);
        assert_eq!(v["scenario"], *scenario, "{ctx}: {v}");
        assert!(
            v.get("error").is_none(),
            "{ctx}: the peer failed: {}",
            v["error"]
        );
        check(&ctx, kind, &server, scenario, &v, variant);
    }
    let status = peer.wait(Duration::from_secs(10));
    assert!(
        status.success(),
        "{name}: exit {status}; stderr:\n{}",
        peer.stderr()
    );
}

fn check(
    ctx: &str,
    kind: PeerKind,
    server: &ScenarioServer,
    scenario: &str,
    v: &Value,
    variant: &Variant,
) {
    let ext = v["extensions"].as_str().unwrap_or_default();
    if let Some(wrong) = sockeye_interop::extension_mismatch(variant, ext) {
        panic!("{ctx}: {wrong}");
    }
    let record = server.record(&format!("/{scenario}"), RECORD_WAIT);
    assert_eq!(record.error, None, "{ctx}: the server failed");
    let close = (
        v["close"]["code"].as_u64().unwrap_or(0) as u16,
        v["close"]["reason"].as_str().unwrap_or("?").to_string(),
    );
    let normal = Some((1000, "done".to_string()));
    match scenario {
        "text" | "binary" | "fragments" | "v8" => {
            let sent = Digest::list(&v["sent"]);
            assert!(!sent.is_empty(), "{ctx}: nothing sent");
            assert_eq!(Digest::list(&v["received"]), sent, "{ctx}: echoes");
            assert_eq!(record.received, sent, "{ctx}: what sockeye received");
            assert_eq!(record.close, normal, "{ctx}: close frame sockeye received");
            assert_eq!(close.0, 1000, "{ctx}: close code echoed to the peer");
            if scenario == "v8" {
                assert_eq!(record.version, 8, "{ctx}: protocol version");
                assert_eq!(
                    record.origin.as_deref(),
                    Some("http://peer.example"),
                    "{ctx}"
                );
            } else {
                assert_eq!(record.version, 13, "{ctx}: protocol version");
            }
            if scenario == "fragments" && kind == PeerKind::Ws {
                assert_eq!(
                    record.pings,
                    ["between fragments"],
                    "{ctx}: ping between fragments"
                );
            }
        }
        "ping" => {
            assert_eq!(v["pong"], "ping-from-peer", "{ctx}: pong payload");
            assert_eq!(v["confirm"], "got-pong:ping-from-sockeye", "{ctx}");
            if kind == PeerKind::Ws {
                assert_eq!(v["ping"], "ping-from-sockeye", "{ctx}: ping seen by ws");
            }
            assert_eq!(
                record.pings,
                ["ping-from-peer"],
                "{ctx}: pings sockeye received"
            );
            assert_eq!(
                record.pongs,
                ["ping-from-sockeye"],
                "{ctx}: pongs sockeye received"
            );
        }
        "close_by_peer" => {
            let want = (PEER_CLOSE.0, PEER_CLOSE.1.to_string());
            assert_eq!(
                record.close,
                Some(want),
                "{ctx}: close frame sockeye received"
            );
            assert_eq!(close.0, PEER_CLOSE.0, "{ctx}: close code sockeye echoed");
        }
        "close_by_sockeye" => {
            assert_eq!(
                close,
                (SOCKEYE_CLOSE.0, SOCKEYE_CLOSE.1.to_string()),
                "{ctx}"
            );
            assert_eq!(record.close_result, Some(Ok(())), "{ctx}: sockeye's close");
        }
        "subprotocol" => {
            assert_eq!(v["protocol"], "chat.v2", "{ctx}: protocol the peer got");
            assert_eq!(record.protocol.as_deref(), Some("chat.v2"), "{ctx}");
            assert_eq!(record.close, normal, "{ctx}");
        }
        other => panic!("unknown scenario {other}"),
    }
}

#[test]
fn ws_clients_vs_std_server() {
    peer_clients(PeerKind::Ws, Adapter::Std);
}

#[test]
fn ws_clients_vs_tokio_server() {
    peer_clients(PeerKind::Ws, Adapter::Tokio);
}

#[test]
fn ws_clients_vs_async_std_server() {
    peer_clients(PeerKind::Ws, Adapter::AsyncStd);
}

#[test]
fn websockets_clients_vs_std_server() {
    peer_clients(PeerKind::Websockets, Adapter::Std);
}

#[test]
fn websockets_clients_vs_tokio_server() {
    peer_clients(PeerKind::Websockets, Adapter::Tokio);
}

#[test]
fn websockets_clients_vs_async_std_server() {
    peer_clients(PeerKind::Websockets, Adapter::AsyncStd);
}
