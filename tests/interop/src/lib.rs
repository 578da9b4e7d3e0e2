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
    /// How sockeye is configured for permessage-deflate.
    pub sockeye_deflate: SockeyeDeflate,
    /// The `Sec-WebSocket-Extensions` value the peer must report (its
    /// prefix, since parameters vary).
    pub expect_extension: &'static str,
    /// Parameters (`name` or `name=value`) the negotiated extension must
    /// carry, in any order, as the peer reports it.
    pub expect_params: &'static [&'static str],
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

/// sockeye's permessage-deflate setting in a variant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SockeyeDeflate {
    /// Not offered (client), not accepted (server).
    Off,
    /// `sockeye_std::default_deflate()`: what clients offer by default and
    /// `sockeye serve --deflate` accepts.
    Default,
    /// Every parameter constrained: server_no_context_takeover,
    /// server_max_window_bits=10, client_max_window_bits=12, and every
    /// message compressed (threshold 0). The peer must honour them (and
    /// inflate sockeye's 10-bit window, which zlib checks).
    Constrained,
}

/// The variants every peer × adapter test runs: no compression, a peer's
/// offer declined, compression with the defaults, and compression with
/// every parameter negotiated.
pub const VARIANTS: &[Variant] = &[
    Variant {
        name: "plain",
        peer_deflate: false,
        sockeye_deflate: SockeyeDeflate::Off,
        expect_extension: "",
        expect_params: &[],
        scenarios: ALL_SCENARIOS,
    },
    Variant {
        name: "peer-offers-deflate",
        peer_deflate: true,
        sockeye_deflate: SockeyeDeflate::Off,
        expect_extension: "",
        expect_params: &[],
        scenarios: &["text", "fragments", "subprotocol"],
    },
    Variant {
        name: "deflate",
        peer_deflate: true,
        sockeye_deflate: SockeyeDeflate::Default,
        expect_extension: "permessage-deflate",
        expect_params: &[],
        scenarios: ALL_SCENARIOS,
    },
    Variant {
        name: "deflate-constrained",
        peer_deflate: true,
        sockeye_deflate: SockeyeDeflate::Constrained,
        expect_extension: "permessage-deflate",
        expect_params: &["server_no_context_takeover", "server_max_window_bits=10"],
        // Small messages only: a 10-bit window costs a dictionary reset per
        // KiB, slow in the debug builds tests run.
        scenarios: &["fragments", "subprotocol"],
    },
];

/// The sockeye protocol configuration for a variant (both roles).
#[cfg(feature = "interop")]
pub fn sockeye_config(variant: &Variant) -> sockeye_std::Config {
    let mut config = sockeye_std::Config::default();
    config.deflate = match variant.sockeye_deflate {
        SockeyeDeflate::Off => None,
        SockeyeDeflate::Default => Some(sockeye_std::default_deflate()),
        SockeyeDeflate::Constrained => Some(
            sockeye_std::default_deflate()
                .threshold(0)
                .server_no_context_takeover(true)
                .server_max_window_bits(Some(10))
                .client_max_window_bits(Some(12)),
        ),
    };
    config
}

/// Checks the extension a peer reports against the variant: the prefix
/// and every expected parameter. Returns what is wrong, if anything.
pub fn extension_mismatch(variant: &Variant, reported: &str) -> Option<String> {
    let prefix_ok = reported.starts_with(variant.expect_extension)
        && variant.expect_extension.is_empty() == reported.is_empty();
    let params: Vec<String> = reported
        .split(';')
        .skip(1)
        .map(|p| p.split_whitespace().collect::<String>())
        .collect();
    let missing: Vec<&str> = variant
        .expect_params
        .iter()
        .copied()
        .filter(|want| !params.iter().any(|p| p == want))
        .collect();
    (!prefix_ok || !missing.is_empty()).then(|| {
        format!(
            "negotiated extensions {reported:?}, expected {:?} with {:?}",
            variant.expect_extension, variant.expect_params
        )
    })
}
