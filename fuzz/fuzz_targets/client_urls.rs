//! The client's URL handling on arbitrary text: `WsUrl::parse`,
//! `redirect::resolve_location` against a fixed base, `Proxy::parse` and
//! `no_proxy_matches`. Checks: no panic; a resolved location is a ws/wss
//! URL whose path starts with `/`, holds no `.` or `..` segment and no
//! control character or space.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sockeye_proto::WsUrl;
use sockeye_std::proxy::{no_proxy_matches, Proxy};
use sockeye_std::redirect::resolve_location;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (a, b) = text.split_at(text.char_indices().nth(text.chars().count() / 2).map_or(0, |(i, _)| i));
    let _ = WsUrl::parse(&text);
    let _ = Proxy::parse(&text);
    let _ = no_proxy_matches(a, b, 443);
    let base = WsUrl::parse("wss://a.example:8443/dir/sub/page?q=1").unwrap();
    if let Ok(next) = resolve_location(&base, &text) {
        assert!(!next.unix);
        let path = next.path.split('?').next().unwrap_or_default();
        assert!(path.starts_with('/'), "{:?}", next.path);
        assert!(
            path.split('/').all(|s| s != "." && s != ".."),
            "dot segment left in {:?}",
            next.path
        );
        assert!(!next.path.bytes().any(|b| b <= b' ' || b == 0x7f), "{:?}", next.path);
    }
});
