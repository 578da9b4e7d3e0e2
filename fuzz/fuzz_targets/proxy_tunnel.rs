//! `proxy::Tunnel` (HTTP CONNECT and SOCKS5, with and without credentials)
//! fed an arbitrary proxy answer in arbitrary chunks, taking its output
//! between reads as an adapter does. Checks: no panic; the pending output
//! never grows past one message; once failed, it stays failed; for HTTP,
//! whose answer is one head (after any interim ones), the same outcome
//! however the answer is split.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sockeye_fuzz::split;
use sockeye_std::proxy::{Proxy, ProxyError, Tunnel};

fn tunnel(selector: u8) -> Tunnel {
    let scheme = if selector & 1 == 0 { "http" } else { "socks5" };
    let user = if selector & 2 == 0 { "" } else { "alice:s3cret@" };
    let proxy = Proxy::parse(&format!("{scheme}://{user}proxy.example:1080")).unwrap();
    proxy.tunnel("target.example", 443)
}

/// Feeds `chunks`, taking the output after each; the outcome: established,
/// or the first error.
fn run<'a>(selector: u8, chunks: impl Iterator<Item = &'a [u8]>) -> Result<bool, ProxyError> {
    let mut t = tunnel(selector);
    assert!(!t.take_output().is_empty(), "the client speaks first");
    for chunk in chunks {
        if let Err(e) = t.feed(chunk) {
            assert!(t.feed(b"").is_err(), "a failed tunnel stays failed");
            return Err(e);
        }
        assert!(t.take_output().len() < 1024);
    }
    Ok(t.is_established())
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let input = split(rest);
    let chunked = run(selector, input.chunks());
    if selector & 1 == 0 {
        let whole = run(selector, std::iter::once(input.data));
        assert_eq!(chunked, whole);
    }
});
