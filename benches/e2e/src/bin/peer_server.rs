//! Echo servers on sockeye's peers, for the end-to-end benchmarks.
//!
//! `peer-server --impl tungstenite|fastwebsockets|tokio-websockets --port P`
//!
//! Each runs on a current-thread tokio runtime (like
//! `sockeye serve --runtime tokio --threads 1`), echoes every text and
//! binary message on every path, and uses the library's idiomatic fast path:
//!
//! - tokio-tungstenite and tokio-websockets are `Stream + Sink`: feed each
//!   echo, flush only when no further message is ready (what
//!   `StreamExt::forward` does), so pipelined echoes share a write;
//! - fastwebsockets: `FragmentCollector::read_frame` / `write_frame` on the
//!   raw `TcpStream` after a hand-made handshake (`after_handshake`, its
//!   documented path without hyper), in `tokio::task::unconstrained` as its
//!   own echo example does.

use futures_util::{SinkExt, StreamExt};
use std::net::SocketAddr;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

#[derive(Clone, Copy)]
enum Impl {
    Tungstenite,
    FastWebSockets,
    TokioWebSockets,
}

fn main() {
    let mut imp = None;
    let mut port = 9001u16;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--impl" => {
                imp = Some(match args.next().as_deref() {
                    Some("tungstenite") => Impl::Tungstenite,
                    Some("fastwebsockets") => Impl::FastWebSockets,
                    Some("tokio-websockets") => Impl::TokioWebSockets,
                    other => die(&format!("unknown --impl {other:?}")),
                })
            }
            "--port" => {
                port = args
                    .next()
                    .and_then(|p| p.parse().ok())
                    .unwrap_or_else(|| die("bad --port"))
            }
            _ => die(&format!("unknown argument {a}")),
        }
    }
    let imp = imp
        .unwrap_or_else(|| die("--impl tungstenite|fastwebsockets|tokio-websockets is required"));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let listener = TcpListener::bind(addr)
            .await
            .unwrap_or_else(|e| die(&format!("bind {addr}: {e}")));
        loop {
            let stream = match listener.accept().await {
                Ok((s, _)) => s,
                Err(_) => {
                    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                    continue;
                }
            };
            let _ = stream.set_nodelay(true);
            match imp {
                Impl::Tungstenite => drop(tokio::spawn(tungstenite_echo(stream))),
                Impl::FastWebSockets => drop(tokio::spawn(tokio::task::unconstrained(
                    fastwebsockets_echo(stream),
                ))),
                Impl::TokioWebSockets => drop(tokio::spawn(tokio_websockets_echo(stream))),
            }
        }
    });
}

fn die(msg: &str) -> ! {
    eprintln!("peer-server: {msg}");
    std::process::exit(2)
}

/// The echo loop of the `Stream + Sink` libraries, the same shape as
/// `sockeye serve --runtime tokio`'s: each wake-up polls the stream once
/// and, when no further message is ready, flushes the queued echoes in the
/// same poll (what `StreamExt::forward` does). Messages `is_data` rejects
/// (pings, pongs, close) are not echoed.
async fn forward_echo<W, M, E>(mut ws: W, is_data: impl Fn(&M) -> bool)
where
    W: futures_util::Stream<Item = Result<M, E>> + futures_util::Sink<M> + Unpin,
{
    use std::future::poll_fn;
    use std::task::Poll;
    loop {
        let next = poll_fn(|cx| match ws.poll_next_unpin(cx) {
            Poll::Ready(next) => Poll::Ready(Some(next)),
            Poll::Pending => match ws.poll_flush_unpin(cx) {
                Poll::Ready(Ok(())) | Poll::Pending => Poll::Pending,
                Poll::Ready(Err(_)) => Poll::Ready(None),
            },
        })
        .await;
        match next {
            Some(Some(Ok(m))) if is_data(&m) => {
                if ws.feed(m).await.is_err() {
                    return;
                }
            }
            Some(Some(Ok(_))) => {}
            _ => return,
        }
    }
}

async fn tungstenite_echo(stream: TcpStream) {
    use tokio_tungstenite::tungstenite::Message;
    let Ok(ws) = tokio_tungstenite::accept_async(stream).await else {
        return;
    };
    forward_echo(ws, |m: &Message| {
        matches!(m, Message::Text(_) | Message::Binary(_))
    })
    .await;
}

async fn tokio_websockets_echo(stream: TcpStream) {
    let Ok((_req, ws)) = tokio_websockets::ServerBuilder::new().accept(stream).await else {
        return;
    };
    forward_echo(ws, |m: &tokio_websockets::Message| {
        m.is_text() || m.is_binary()
    })
    .await;
}

async fn fastwebsockets_echo(mut stream: TcpStream) {
    use fastwebsockets::{FragmentCollector, OpCode, Role, WebSocket};
    if handshake(&mut stream).await.is_err() {
        return;
    }
    let mut ws = FragmentCollector::new(WebSocket::after_handshake(stream, Role::Server));
    loop {
        let Ok(frame) = ws.read_frame().await else {
            return;
        };
        if matches!(frame.opcode, OpCode::Close) {
            return;
        }
        if matches!(frame.opcode, OpCode::Text | OpCode::Binary)
            && ws.write_frame(frame).await.is_err()
        {
            return;
        }
    }
}

/// A minimal RFC 6455 server handshake for fastwebsockets (which leaves the
/// HTTP part to hyper or to the caller). The load generator waits for the
/// 101 before sending frames, so nothing is read past the request head.
async fn handshake(stream: &mut TcpStream) -> std::io::Result<()> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    let head_end = loop {
        let n = stream.read(&mut chunk).await?;
        if n == 0 || buf.len() > 16 << 10 {
            return Err(std::io::ErrorKind::InvalidData.into());
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
    };
    let head =
        std::str::from_utf8(&buf[..head_end]).map_err(|_| std::io::ErrorKind::InvalidData)?;
    let key = head
        .lines()
        .filter_map(|l| l.split_once(':'))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("sec-websocket-key"))
        .map(|(_, v)| v.trim())
        .ok_or(std::io::ErrorKind::InvalidData)?;
    let accept = accept_key(key);
    let response = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n"
    );
    stream.write_all(response.as_bytes()).await
}

fn accept_key(key: &str) -> String {
    use base64::Engine;
    let mut sha = sha1_smol::Sha1::new();
    sha.update(key.as_bytes());
    sha.update(b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11");
    base64::engine::general_purpose::STANDARD.encode(sha.digest().bytes())
}
