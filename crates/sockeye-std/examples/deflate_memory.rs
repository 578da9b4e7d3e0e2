//! Bytes per idle connection with permessage-deflate negotiated, measured
//! as resident memory (Linux `/proc/self/statm`; no counting allocator,
//! since the workspace has no `unsafe`).
//!
//! Opens N in-memory client/server pairs through the handshake, exchanges
//! one 4 KiB message each way on every pair (so compression state exists
//! where the parameters keep it), then leaves them idle and reports the
//! growth of resident memory divided by the 2N connection ends.
//!
//! ```text
//! cargo run --release -p sockeye-std --example deflate_memory -- [N]
//! ```
//!
//! Each scenario runs in its own process (freed memory is not always given
//! back to the system, which would blur the next scenario).

use sockeye_std::proto::deflate::DeflateConfig;
use sockeye_std::proto::handshake::{ClientRequest, Headers};
use sockeye_std::proto::{Config, Connection, Event, XorShift};
use std::process::Command;

fn resident_bytes() -> usize {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: usize = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    pages * 4096
}

fn config(deflate: Option<DeflateConfig>) -> Config {
    let mut c = Config::default();
    c.deflate = deflate;
    c
}

/// One pair through the handshake and one message each way.
fn pair(deflate: &Option<DeflateConfig>, seed: u64, message: &str) -> (Connection, Connection) {
    let mut client = Connection::client(
        &ClientRequest::new("localhost", "/"),
        config(deflate.clone()),
        Box::new(XorShift::new(seed)),
    )
    .expect("request");
    let mut server = Connection::server(config(deflate.clone()));
    server.feed(&client.take_output());
    assert!(matches!(server.poll_event(), Ok(Some(Event::Request(_)))));
    server.accept(None, &Headers::new()).expect("accept");
    client.feed(&server.take_output());
    assert!(matches!(client.poll_event(), Ok(Some(Event::Connected(_)))));
    client.send_text(message).expect("send");
    server.feed(&client.take_output());
    assert!(matches!(server.poll_event(), Ok(Some(Event::Text(_)))));
    server.send_text(message).expect("send");
    client.feed(&server.take_output());
    assert!(matches!(client.poll_event(), Ok(Some(Event::Text(_)))));
    (client, server)
}

fn scenario(name: &str) -> Option<DeflateConfig> {
    let pool = sockeye_std::default_deflate();
    match name {
        "off" => None,
        "takeover" => Some(pool),
        "no-takeover" => Some(
            pool.server_no_context_takeover(true)
                .client_no_context_takeover(true),
        ),
        "no-takeover-no-pool" => Some(
            DeflateConfig::default()
                .server_no_context_takeover(true)
                .client_no_context_takeover(true),
        ),
        other => panic!("unknown scenario {other}"),
    }
}

const SCENARIOS: [&str; 4] = ["off", "takeover", "no-takeover", "no-takeover-no-pool"];

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(1000);
    if let Some(name) = args.get(2) {
        let deflate = scenario(name);
        let message: String = (0..4096)
            .map(|i| (b'a' + (i * 7 % 26) as u8) as char)
            .collect();
        // Warm up allocator and pool with a first pair, not counted.
        drop(pair(&deflate, 0, &message));
        let before = resident_bytes();
        let pairs: Vec<_> = (1..=n as u64)
            .map(|seed| pair(&deflate, seed, &message))
            .collect();
        let after = resident_bytes();
        let per_end = (after.saturating_sub(before)) as f64 / (2 * n) as f64;
        println!(
            "{name:>20}: {:>9.0} bytes per connection end ({n} pairs)",
            per_end
        );
        drop(pairs);
        return;
    }
    println!("resident memory per idle connection end, after one 4 KiB message each way:");
    let exe = std::env::current_exe().expect("own path");
    for name in SCENARIOS {
        let status = Command::new(&exe)
            .arg(n.to_string())
            .arg(name)
            .status()
            .expect("run scenario");
        assert!(status.success());
    }
}
