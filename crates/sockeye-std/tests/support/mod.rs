//! Test servers shared by the client tests of every adapter (the tokio and
//! async-std tests include this file by path): a blocking WebSocket echo
//! server that reports each upgrade request, a scripted HTTP server for
//! redirects and refusals, and in-process HTTP CONNECT and SOCKS5 proxies.
//! Everything listens on 127.0.0.1 and runs on threads that end with the
//! test process.
#![allow(dead_code)]

use base64::Engine as _;
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

/// What the echo server saw of one upgrade request.
#[derive(Clone, Debug)]
pub struct Seen {
    /// Path and query.
    pub target: String,
    /// Every header as `(lowercase name, value)`.
    pub headers: Vec<(String, String)>,
    /// The protocol version.
    pub version: sockeye_std::ProtocolVersion,
    /// The origin (Sec-WebSocket-Origin for version 8).
    pub origin: Option<String>,
}

impl Seen {
    /// The value of header `name` (lowercase).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

fn seen(req: &sockeye_std::UpgradeRequest) -> Seen {
    Seen {
        target: req.target.clone(),
        headers: req
            .headers
            .iter()
            .map(|h| (h.name.to_ascii_lowercase(), h.value.clone()))
            .collect(),
        version: req.version,
        origin: req.origin.clone(),
    }
}

/// Echoes text and binary messages until the client closes.
fn echo<S: sockeye_std::Transport>(mut ws: sockeye_std::WebSocket<S>) {
    while let Ok(m) = ws.read() {
        if (m.is_text() || m.is_binary()) && ws.send(m).is_err() {
            break;
        }
    }
}

/// Serves every stream of `incoming` on a thread of its own: accepts the
/// upgrade (reporting the request on the channel), then echoes.
fn serve<S, I>(incoming: I) -> mpsc::Receiver<Seen>
where
    S: sockeye_std::Transport + Send + 'static,
    I: Iterator<Item = io::Result<S>> + Send + 'static,
{
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        for stream in incoming {
            let Ok(stream) = stream else { break };
            let tx = tx.clone();
            thread::spawn(move || {
                let accepted = sockeye_std::accept_with(stream, |req| {
                    let _ = tx.send(seen(req));
                    sockeye_std::Decision::accept()
                });
                if let Ok(ws) = accepted {
                    echo(ws);
                }
            });
        }
    });
    rx
}

/// A blocking WebSocket echo server; each upgrade request is reported on
/// the channel.
pub fn echo_server() -> (SocketAddr, mpsc::Receiver<Seen>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    (
        addr,
        serve(std::iter::from_fn(move || {
            Some(listener.accept().map(|(s, _)| s))
        })),
    )
}

/// The same echo server on a Unix socket at `path`.
#[cfg(unix)]
pub fn unix_echo_server(path: &std::path::Path) -> mpsc::Receiver<Seen> {
    let listener = std::os::unix::net::UnixListener::bind(path).unwrap();
    serve(std::iter::from_fn(move || {
        Some(listener.accept().map(|(s, _)| s))
    }))
}

/// Reads an HTTP request head (up to the blank line) from `stream`.
pub fn read_head(stream: &mut TcpStream) -> io::Result<String> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if stream.read(&mut byte)? == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        head.push(byte[0]);
    }
    Ok(String::from_utf8_lossy(&head).into_owned())
}

/// An HTTP server that answers every request with `answer(request head)`
/// (a whole response, written as is), after `delay`. Each request head is
/// reported on the channel.
pub fn http_server(
    delay: Duration,
    answer: impl Fn(&str) -> String + Send + Sync + 'static,
) -> (SocketAddr, mpsc::Receiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = mpsc::channel();
    let answer = std::sync::Arc::new(answer);
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { break };
            let (tx, answer) = (tx.clone(), answer.clone());
            thread::spawn(move || {
                let Ok(head) = read_head(&mut stream) else {
                    return;
                };
                thread::sleep(delay);
                let _ = stream.write_all(answer(&head).as_bytes());
                let _ = tx.send(head);
                let _ = stream.shutdown(Shutdown::Write);
                // Drain until the client goes, so the response is not reset.
                let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
                let _ = io::copy(&mut stream, &mut io::sink());
            });
        }
    });
    (addr, rx)
}

/// A redirect response.
pub fn redirect(status: u16, location: &str) -> String {
    format!("HTTP/1.1 {status} Moved\r\nLocation: {location}\r\nContent-Length: 0\r\n\r\n")
}

/// Copies bytes both ways between `a` and `b` until both sides end.
pub fn relay(a: TcpStream, b: TcpStream) {
    let (mut a2, mut b2) = (a.try_clone().unwrap(), b.try_clone().unwrap());
    let (mut a, mut b) = (a, b);
    thread::spawn(move || {
        let _ = io::copy(&mut a2, &mut b2);
        let _ = b2.shutdown(Shutdown::Write);
    });
    thread::spawn(move || {
        let _ = io::copy(&mut b, &mut a);
        let _ = a.shutdown(Shutdown::Write);
    });
}

/// An in-process HTTP CONNECT proxy requiring `credentials` (Basic) when
/// given. Each CONNECT target is reported on the channel.
pub fn http_proxy(credentials: Option<(&str, &str)>) -> (SocketAddr, mpsc::Receiver<String>) {
    let expected = credentials.map(|(u, p)| {
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{u}:{p}"))
        )
    });
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut client) = stream else { break };
            let (tx, expected) = (tx.clone(), expected.clone());
            thread::spawn(move || {
                let Ok(head) = read_head(&mut client) else {
                    return;
                };
                let target = head.split(' ').nth(1).unwrap_or_default().to_string();
                let auth = head.lines().find_map(|l| {
                    let (n, v) = l.split_once(':')?;
                    n.eq_ignore_ascii_case("proxy-authorization")
                        .then(|| v.trim().to_string())
                });
                let _ = tx.send(target.clone());
                if expected.is_some() && auth != expected {
                    let _ = client.write_all(
                        b"HTTP/1.1 407 Proxy Authentication Required\r\n\
                          Proxy-Authenticate: Basic realm=\"test\"\r\nContent-Length: 0\r\n\r\n",
                    );
                    return;
                }
                match TcpStream::connect(&target) {
                    Ok(upstream) => {
                        let _ = client.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n");
                        relay(client, upstream);
                    }
                    Err(_) => {
                        let _ = client.write_all(b"HTTP/1.1 502 Bad Gateway\r\n\r\n");
                    }
                }
            });
        }
    });
    (addr, rx)
}

/// An in-process SOCKS5 proxy (RFC 1928) requiring username/password
/// (RFC 1929) when `credentials` are given. Each target is reported as
/// `host:port` on the channel.
pub fn socks5_proxy(credentials: Option<(&str, &str)>) -> (SocketAddr, mpsc::Receiver<String>) {
    let credentials = credentials.map(|(u, p)| (u.to_string(), p.to_string()));
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(client) = stream else { break };
            let (tx, credentials) = (tx.clone(), credentials.clone());
            thread::spawn(move || {
                let _ = socks5_session(client, credentials, tx);
            });
        }
    });
    (addr, rx)
}

fn read_exact(s: &mut TcpStream, n: usize) -> io::Result<Vec<u8>> {
    let mut buf = vec![0; n];
    s.read_exact(&mut buf)?;
    Ok(buf)
}

fn socks5_session(
    mut client: TcpStream,
    credentials: Option<(String, String)>,
    tx: mpsc::Sender<String>,
) -> io::Result<()> {
    let head = read_exact(&mut client, 2)?;
    assert_eq!(head[0], 5, "SOCKS version");
    let methods = read_exact(&mut client, head[1] as usize)?;
    let wanted = if credentials.is_some() { 2 } else { 0 };
    if !methods.contains(&wanted) {
        return client.write_all(&[5, 0xff]);
    }
    client.write_all(&[5, wanted])?;
    if let Some((user, pass)) = credentials {
        let v = read_exact(&mut client, 2)?;
        let u = read_exact(&mut client, v[1] as usize)?;
        let plen = read_exact(&mut client, 1)?;
        let p = read_exact(&mut client, plen[0] as usize)?;
        let ok = u == user.as_bytes() && p == pass.as_bytes();
        client.write_all(&[1, if ok { 0 } else { 1 }])?;
        if !ok {
            return Ok(());
        }
    }
    let req = read_exact(&mut client, 4)?;
    let host = match req[3] {
        1 => {
            let a = read_exact(&mut client, 4)?;
            format!("{}.{}.{}.{}", a[0], a[1], a[2], a[3])
        }
        3 => {
            let len = read_exact(&mut client, 1)?;
            String::from_utf8(read_exact(&mut client, len[0] as usize)?).unwrap()
        }
        _ => return client.write_all(&[5, 8, 0, 1, 0, 0, 0, 0, 0, 0]),
    };
    let port = read_exact(&mut client, 2)?;
    let port = u16::from_be_bytes([port[0], port[1]]);
    let _ = tx.send(format!("{host}:{port}"));
    match TcpStream::connect((host.as_str(), port)) {
        Ok(upstream) => {
            client.write_all(&[5, 0, 0, 1, 127, 0, 0, 1, 0, 0])?;
            relay(client, upstream);
        }
        Err(_) => client.write_all(&[5, 5, 0, 1, 0, 0, 0, 0, 0, 0])?,
    }
    Ok(())
}

/// A unique path for a Unix socket in the temporary directory.
pub fn socket_path(name: &str) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!("sockeye-{name}-{}.sock", std::process::id()));
    let _ = std::fs::remove_file(&path);
    path
}

/// A hostile peer for handshake timeouts: accepts one connection, writes
/// `prefix` at once, then `dribble` one byte every 100 ms; hangs up after
/// 5 s. Never reads.
pub fn slow_peer(prefix: &'static [u8], dribble: &'static [u8]) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    thread::spawn(move || {
        let Ok((mut s, _)) = listener.accept() else {
            return;
        };
        let _ = s.write_all(prefix);
        for i in 0..50 {
            thread::sleep(Duration::from_millis(100));
            if let Some(byte) = dribble.get(i) {
                if s.write_all(&[*byte]).is_err() {
                    return;
                }
            }
        }
    });
    addr
}

/// Runs `attempt` and asserts that it failed with
/// `Error::HandshakeTimeout` in under 2 s (the tests set 500 ms).
pub fn assert_times_out<T: std::fmt::Debug>(attempt: impl FnOnce() -> sockeye_std::Result<T>) {
    let start = std::time::Instant::now();
    let result = attempt();
    assert!(
        matches!(result, Err(sockeye_std::Error::HandshakeTimeout)),
        "{result:?}"
    );
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "{:?}",
        start.elapsed()
    );
}
