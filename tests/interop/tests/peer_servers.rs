//! sockeye clients on every adapter against Node's `ws` and Python's
//! `websockets` servers. The scenarios and their checks are in
//! `sockeye_interop::client`.
#![cfg(feature = "interop")]

use sockeye_interop::client::run_scenario;
use sockeye_interop::conn::Adapter;
use sockeye_interop::peer::{with_timeout, Peer, PeerKind};
use sockeye_interop::VARIANTS;
use std::time::Duration;

fn peer_server(kind: PeerKind, adapter: Adapter) {
    with_timeout(
        &format!(
            "sockeye {} clients vs {} server",
            adapter.name(),
            kind.name()
        ),
        Duration::from_secs(240),
        move || {
            for variant in VARIANTS {
                let name = format!("{} server", kind.name());
                let mut peer = Peer::spawn(&name, kind.server(variant.peer_deflate));
                let listening = peer.next_json(Duration::from_secs(20));
                let port = listening["listening"]
                    .as_u64()
                    .unwrap_or_else(|| panic!("{name}: expected the port, got {listening}"));
                let base = format!("ws://127.0.0.1:{port}");
                for scenario in variant.scenarios {
                    if *scenario == "v8" && !kind.speaks_v8() {
                        continue;
                    }
                    run_scenario(adapter, kind, &mut peer, &base, scenario, variant);
                }
            }
        },
    );
}

#[test]
fn std_clients_vs_ws_server() {
    peer_server(PeerKind::Ws, Adapter::Std);
}

#[test]
fn tokio_clients_vs_ws_server() {
    peer_server(PeerKind::Ws, Adapter::Tokio);
}

#[test]
fn async_std_clients_vs_ws_server() {
    peer_server(PeerKind::Ws, Adapter::AsyncStd);
}

#[test]
fn std_clients_vs_websockets_server() {
    peer_server(PeerKind::Websockets, Adapter::Std);
}

#[test]
fn tokio_clients_vs_websockets_server() {
    peer_server(PeerKind::Websockets, Adapter::Tokio);
}

#[test]
fn async_std_clients_vs_websockets_server() {
    peer_server(PeerKind::Websockets, Adapter::AsyncStd);
}
