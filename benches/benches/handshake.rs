//! Handshake parsing: a realistic browser upgrade request fed at once, and
//! 4 KiB and 16 KiB requests fed one byte per call (the cost per byte must
//! not grow with the size of the head: linear, not quadratic).

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use sockeye_benches::ThreadCpuTime;
use sockeye_proto::handshake::{HandshakeLimits, ServerHandshake};

/// What Chromium sends for `new WebSocket("ws://localhost:8080/chat")` with
/// cookies and permessage-deflate.
const BROWSER_REQUEST: &[u8] = b"GET /chat HTTP/1.1\r\n\
Host: localhost:8080\r\n\
Connection: Upgrade\r\n\
Pragma: no-cache\r\n\
Cache-Control: no-cache\r\n\
User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36\r\n\
Upgrade: websocket\r\n\
Origin: http://localhost:8080\r\n\
Sec-WebSocket-Version: 13\r\n\
Accept-Encoding: gzip, deflate, br, zstd\r\n\
Accept-Language: en-US,en;q=0.9\r\n\
Cookie: session=6f1d2c3b4a5e6f708192a3b4c5d6e7f8; theme=dark\r\n\
Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\
\r\n";

/// A valid upgrade request of exactly `size` bytes, padded with 160-byte headers (at most 128 headers fit the default limits).
fn sized_request(size: usize) -> Vec<u8> {
    let mut req = String::from(
        "GET /chat HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n",
    );
    let end = "X-Pad: \r\n\r\n".len();
    let mut i = 0;
    while req.len() + 160 + end + 160 <= size {
        let line = format!("X-Filler-{i:04}: ");
        let pad = 160 - line.len() - 2;
        req.push_str(&line);
        req.push_str(&"v".repeat(pad));
        req.push_str("\r\n");
        i += 1;
    }
    let missing = size - req.len() - end;
    req.push_str("X-Pad: ");
    req.push_str(&"p".repeat(missing));
    req.push_str("\r\n\r\n");
    assert_eq!(req.len(), size);
    req.into_bytes()
}

fn feed_at_once(input: &[u8]) -> usize {
    let mut hs = ServerHandshake::new(HandshakeLimits::default());
    match hs.feed(input) {
        Ok(Some((request, used))) => black_box(request).headers.len() + used,
        other => panic!("{other:?}"),
    }
}

fn feed_byte_by_byte(input: &[u8]) -> usize {
    let mut hs = ServerHandshake::new(HandshakeLimits::default());
    for byte in input.chunks(1) {
        if let Some((request, used)) = hs.feed(byte).expect("valid request") {
            return black_box(request).headers.len() + used;
        }
    }
    panic!("incomplete request")
}

fn handshake(c: &mut Criterion<ThreadCpuTime>) {
    let mut group = c.benchmark_group("server_handshake");
    group.throughput(Throughput::Elements(1));
    group.bench_function("browser_request_at_once", |b| {
        b.iter(|| feed_at_once(black_box(BROWSER_REQUEST)))
    });
    for (name, size) in [("4KiB", 4 * 1024), ("16KiB", 16 * 1024 - 1)] {
        let request = sized_request(size);
        assert_eq!(
            feed_at_once(&request),
            feed_byte_by_byte(&request) + request.len() - 1
        );
        group.throughput(Throughput::Bytes(size as u64));
        group.bench_function(format!("one_byte_per_feed_{name}"), |b| {
            b.iter(|| feed_byte_by_byte(black_box(&request)))
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = sockeye_benches::criterion();
    targets = handshake
}
criterion_main!(benches);
