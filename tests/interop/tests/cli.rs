//! The real `sockeye serve` binary (built by `cargo build -p sockeye-cli`,
//! found by `sockeye_interop::peer::sockeye_bin`) against Node's `ws`,
//! Python's `websockets` and headless Chromium.
#![cfg(feature = "interop")]

use serde_json::Value;
use sockeye_interop::payload::Digest;
use sockeye_interop::peer::{node, repo_root, with_timeout, Peer, PeerKind, SockeyeServe};
use std::time::Duration;

/// Runs `kind`'s client scenarios against `sockeye serve ARGS` (which
/// echoes on every path) and checks the echoes and close codes.
fn peer_vs_serve(kind: PeerKind, serve_args: &[&str], scenarios: &[&str], deflate: bool) {
    let serve = SockeyeServe::start(serve_args);
    let ctx = format!(
        "{} client vs sockeye serve {}",
        kind.name(),
        serve_args.join(" ")
    );
    let base = format!("ws://{}", serve.addr);
    let mut peer = Peer::spawn(&ctx, kind.client(&base, scenarios, deflate));
    for scenario in scenarios {
        let v = peer.next_json(Duration::from_secs(60));
        assert_eq!(v["scenario"], *scenario, "{ctx}: {v}");
        assert!(
            v.get("error").is_none(),
            "{ctx}, {scenario}: {}",
            v["error"]
        );
        let ext = v["extensions"].as_str().unwrap_or_default();
        if deflate {
            assert!(
                ext.starts_with("permessage-deflate"),
                "{ctx}, {scenario}: extensions {ext:?}"
            );
        } else {
            assert_eq!(ext, "", "{ctx}, {scenario}: extensions");
        }
        match *scenario {
            "close_by_peer" => assert_eq!(v["close"]["code"], 4001, "{ctx}: close code echoed"),
            _ => {
                let sent = Digest::list(&v["sent"]);
                assert!(!sent.is_empty(), "{ctx}, {scenario}: nothing sent");
                assert_eq!(
                    Digest::list(&v["received"]),
                    sent,
                    "{ctx}, {scenario}: echoes"
                );
                assert_eq!(v["close"]["code"], 1000, "{ctx}, {scenario}");
            }
        }
    }
    let status = peer.wait(Duration::from_secs(10));
    assert!(
        status.success(),
        "{ctx}: exit {status}; stderr:\n{}",
        peer.stderr()
    );
}

#[test]
fn peers_vs_sockeye_serve_on_every_runtime() {
    with_timeout("peers vs sockeye serve", Duration::from_secs(300), || {
        for runtime in ["std", "tokio", "async-std"] {
            let args = ["--runtime", runtime];
            peer_vs_serve(
                PeerKind::Ws,
                &args,
                &["text", "binary", "fragments", "close_by_peer", "v8"],
                false,
            );
            peer_vs_serve(
                PeerKind::Websockets,
                &args,
                &["text", "fragments", "close_by_peer"],
                false,
            );
            if SockeyeServe::has_deflate() {
                let args = ["--runtime", runtime, "--deflate"];
                peer_vs_serve(PeerKind::Ws, &args, &["text", "binary", "fragments"], true);
                peer_vs_serve(PeerKind::Websockets, &args, &["text", "fragments"], true);
            }
        }
    });
}

/// Two Chromium tabs chat through `sockeye serve`; then the browser's
/// native WebSocket echoes text, binary and 8 MiB (and, when the server has
/// `--deflate`, a compressed message). Saves docs/img/chat.png.
#[test]
fn chromium_chat_and_echo() {
    with_timeout("chromium", Duration::from_secs(180), || {
        let deflate = SockeyeServe::has_deflate();
        let mut args = vec!["--runtime", "tokio"];
        if deflate {
            args.push("--deflate");
        }
        let serve = SockeyeServe::start(&args);
        let img_dir = repo_root().join("docs/img");
        std::fs::create_dir_all(&img_dir).unwrap();
        let mut cmd = node("browser.js");
        cmd.arg(format!("http://{}", serve.addr))
            .arg(img_dir.join("chat.png"));
        if deflate {
            cmd.arg("--deflate");
        }
        let mut browser = Peer::spawn("chromium (browser.js)", cmd);

        let chat = browser.next_json(Duration::from_secs(120));
        assert_eq!(chat["part"], "chat", "{chat}");
        let has = |tab: &Value, text: &str, cls: &str| {
            tab.as_array()
                .unwrap()
                .iter()
                .any(|li| li["text"] == text && li["cls"] == cls)
        };
        let (alice, bob) = (
            "alice: hello from tab one, ça va ?",
            "bob: hi alice, tab two here ✓",
        );
        assert!(
            has(&chat["a"], alice, "mine"),
            "tab one, own message: {chat}"
        );
        assert!(has(&chat["a"], bob, ""), "tab one sees tab two: {chat}");
        assert!(has(&chat["b"], bob, "mine"), "tab two, own message: {chat}");
        assert!(has(&chat["b"], alice, ""), "tab two sees tab one: {chat}");

        let echo = browser.next_json(Duration::from_secs(120));
        assert_eq!(echo["part"], "echo", "{echo}");
        let results = echo["results"].as_array().unwrap();
        let names: Vec<_> = results
            .iter()
            .map(|r| r["name"].as_str().unwrap())
            .collect();
        let mut want = vec!["text", "binary", "large"];
        if deflate {
            want.push("compressible");
        }
        assert_eq!(names, want, "{echo}");
        for r in results {
            assert_eq!(r["sent"], r["got"], "browser echo {}", r["name"]);
            assert_eq!(r["sentKind"], r["gotKind"], "browser echo {}", r["name"]);
        }
        assert_eq!(results[2]["got"]["len"], 8 << 20, "large message");
        let ext = echo["extensions"].as_str().unwrap();
        if deflate {
            assert!(ext.contains("permessage-deflate"), "extensions {ext:?}");
        } else {
            // Chromium always offers permessage-deflate; sockeye declines.
            assert_eq!(ext, "", "extensions");
        }
        assert_eq!(echo["close"]["code"], 1000, "{echo}");
        assert_eq!(echo["close"]["wasClean"], true, "{echo}");
        let status = browser.wait(Duration::from_secs(30));
        assert!(
            status.success(),
            "browser.js: {status}; {}",
            browser.stderr()
        );
        drop(serve);
    });
}
