//! Interop tests of sockeye against real third-party peers: Node's `ws`,
//! Python's `websockets` and headless Chromium.
//!
//! Everything here exists only with `--features interop`, so a plain
//! `cargo test --workspace` needs neither Node.js nor Python. Run
//! `ci/interop.sh` (or `just interop`): it installs the peers (see
//! `interop/`) and runs `cargo test -p sockeye-interop --features interop`.
//!
//! The harness: [`peer`] starts a peer script and reads the JSON lines it
//! prints; [`server`] runs sockeye scenario servers in-process on each
//! adapter; [`client`] runs the same scenarios as a sockeye client against
//! a peer's server; [`conn`] drives the three adapters through one small
//! blocking interface so each scenario is written once.
#![cfg_attr(not(feature = "interop"), allow(unused))]

#[cfg(feature = "interop")]
pub mod client;
#[cfg(feature = "interop")]
pub mod conn;
#[cfg(feature = "interop")]
pub mod payload;
#[cfg(feature = "interop")]
pub mod peer;
#[cfg(feature = "interop")]
pub mod server;

/// One run of the scenario table: compression on or off on each side, and
/// the extension both sides must then agree on.
#[derive(Clone, Copy, Debug)]
pub struct Variant {
    /// Shown in failure messages.
    pub name: &'static str,
    /// The peer offers (client) or accepts (server) permessage-deflate.
    pub peer_deflate: bool,
    /// sockeye is configured for permessage-deflate.
    pub sockeye_deflate: bool,
    /// The `Sec-WebSocket-Extensions` value the peer must report (its
    /// prefix, since parameters vary).
    pub expect_extension: &'static str,
    /// The scenarios run in this variant.
    pub scenarios: &'static [&'static str],
}

/// Every scenario, in the order they run.
pub const ALL_SCENARIOS: &[&str] = &[
    "text",
    "binary",
    "fragments",
    "ping",
    "close_by_peer",
    "close_by_sockeye",
    "subprotocol",
    "v8",
];

/// The variants every peer × adapter test runs.
///
/// sockeye has no permessage-deflate yet (`Config` has no deflate field):
/// the second variant checks that a peer's offer is declined cleanly and
/// everything still works uncompressed. When deflate lands, add
///
/// ```text
/// Variant { name: "deflate", peer_deflate: true, sockeye_deflate: true,
///           expect_extension: "permessage-deflate", scenarios: ALL_SCENARIOS },
/// ```
///
/// and switch it on in [`sockeye_config`].
pub const VARIANTS: &[Variant] = &[
    Variant {
        name: "plain",
        peer_deflate: false,
        sockeye_deflate: false,
        expect_extension: "",
        scenarios: ALL_SCENARIOS,
    },
    Variant {
        name: "peer-offers-deflate",
        peer_deflate: true,
        sockeye_deflate: false,
        expect_extension: "",
        scenarios: &["text", "fragments", "subprotocol"],
    },
];

/// The sockeye protocol configuration for a variant (both roles).
#[cfg(feature = "interop")]
pub fn sockeye_config(variant: &Variant) -> sockeye_std::Config {
    assert!(
        !variant.sockeye_deflate,
        "variant {}: sockeye has no permessage-deflate yet",
        variant.name
    );
    sockeye_std::Config::default()
}
