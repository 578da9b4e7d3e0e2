//! The byte-stream view: 100 MiB each way through `AsyncRead + AsyncWrite`,
//! compared by checksum.

use sockeye_tokio::{Framing, ServerOptions};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const TOTAL: usize = 100 << 20;
const CHUNK: usize = 1 << 20;

/// A fast checksum (FNV-style over 64-bit words) that stays quick in
/// debug builds.
fn checksum(state: &mut u64, data: &[u8]) {
    let mut words = data.chunks_exact(8);
    for w in &mut words {
        let v = u64::from_le_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]]);
        *state = (*state ^ v).wrapping_mul(0x100_0000_01b3);
    }
    for &b in words.remainder() {
        *state = (*state ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
    }
}

/// Deterministic pseudo-random bytes.
fn pattern(seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..CHUNK / 8)
        .flat_map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x.to_le_bytes()
        })
        .collect()
}

/// Writes `TOTAL` bytes in `CHUNK` pieces and returns their checksum.
async fn send_all<W: tokio::io::AsyncWrite + Unpin>(mut w: W, seed: u64) -> u64 {
    let data = pattern(seed);
    let mut sum = 0xcbf2_9ce4_8422_2325;
    for _ in 0..TOTAL / CHUNK {
        w.write_all(&data).await.unwrap();
        checksum(&mut sum, &data);
    }
    w.shutdown().await.unwrap();
    sum
}

/// Reads to the end and returns the count and checksum.
async fn recv_all<R: tokio::io::AsyncRead + Unpin>(mut r: R) -> (usize, u64) {
    let mut buf = vec![0u8; CHUNK];
    let mut sum = 0xcbf2_9ce4_8422_2325;
    let mut total = 0;
    loop {
        let n = r.read(&mut buf).await.unwrap();
        if n == 0 {
            return (total, sum);
        }
        checksum(&mut sum, &buf[..n]);
        total += n;
    }
}

/// The client writes 100 MiB; the server echoes it back through its own
/// byte stream (so 100 MiB crosses each way); the client reads the echo to
/// the end. A WebSocket close ends both directions at once (unlike a TCP
/// half-close), so only the client closes, once it has written everything:
/// the server has echoed every byte before it reads the close frame.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn copies_100_mib_each_way() {
    tokio::time::timeout(Duration::from_secs(120), async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let options = ServerOptions::new().max_message_size(2 * CHUNK);
        let server = tokio::spawn(async move {
            let (tcp, _) = listener.accept().await.unwrap();
            let ws = sockeye_tokio::accept_with_options(tcp, &options, |_| {
                sockeye_tokio::Decision::accept()
            })
            .await
            .unwrap();
            let (r, mut w) = tokio::io::split(ws.into_byte_stream(Framing::Binary));
            let mut r = tokio::io::BufReader::with_capacity(CHUNK, r);
            tokio::io::copy_buf(&mut r, &mut w).await.unwrap()
        });
        let (ws, _) = sockeye_tokio::connect(&format!("ws://{addr}/"))
            .await
            .unwrap();
        let (r, w) = tokio::io::split(ws.into_byte_stream(Framing::Binary));
        let (sent, got) = tokio::join!(send_all(w, 2), recv_all(r));
        assert_eq!(server.await.unwrap(), TOTAL as u64);
        assert_eq!(got, (TOTAL, sent));
    })
    .await
    .expect("the copy did not finish in time");
}

#[tokio::test]
async fn text_framing_rejects_invalid_utf8_and_reads_end_at_close() {
    tokio::time::timeout(Duration::from_secs(10), async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            let (tcp, _) = listener.accept().await.unwrap();
            let mut ws = sockeye_tokio::accept(tcp).await.unwrap();
            ws.send("héllo").await.unwrap();
            ws.send(sockeye_tokio::Message::Ping(Default::default()))
                .await
                .unwrap();
            ws.send(vec![1u8, 2, 3]).await.unwrap();
            ws.close(sockeye_tokio::CloseCode::NORMAL, "")
                .await
                .unwrap();
        });
        let (ws, _) = sockeye_tokio::connect(&format!("ws://{addr}/"))
            .await
            .unwrap();
        let mut stream = ws.into_byte_stream(Framing::Text);
        let err = stream.write(&[b'a', 0xff]).await.unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidData);
        let mut all = Vec::new();
        stream.read_to_end(&mut all).await.unwrap();
        assert_eq!(all, b"h\xc3\xa9llo\x01\x02\x03");
        server.await.unwrap();
    })
    .await
    .unwrap();
}
