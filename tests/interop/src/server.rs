//! In-process sockeye scenario servers, one per adapter, that record what
//! each connection saw. What a connection does depends on its path:
//!
//! - `/text`, `/binary`, `/fragments`, `/v8` (and any other): echo every
//!   data message;
//! - `/ping`: on the text `ping-me`, ping the client with
//!   `ping-from-sockeye`; on the pong, answer `got-pong:<payload>`;
//! - `/close_by_sockeye`: on the text `close-me`, close with 4002
//!   `bye from sockeye ✓`;
//! - `/subprotocol`: select the first offered of `chat.v1` and `chat.v2`.

use crate::conn::{Adapter, Conn};
use crate::payload::Digest;
use sockeye_std::{CloseCode, Decision, Message, ProtocolVersion, ServerOptions};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The subprotocols the `/subprotocol` endpoint supports.
pub const SUPPORTED_PROTOCOLS: &[&str] = &["chat.v1", "chat.v2"];
/// The close code and reason sockeye sends in `close_by_sockeye`.
pub const SOCKEYE_CLOSE: (u16, &str) = (4002, "bye from sockeye ✓");
/// The close code and reason the peers send in `close_by_peer`.
pub const PEER_CLOSE: (u16, &str) = (4001, "bye from peer ✓");

/// What one connection saw.
#[derive(Clone, Debug, Default)]
pub struct Record {
    /// The request path.
    pub path: String,
    /// The protocol version the client asked for (8 or 13).
    pub version: u8,
    /// Origin (or Sec-WebSocket-Origin for version 8).
    pub origin: Option<String>,
    /// The subprotocol selected.
    pub protocol: Option<String>,
    /// Every data message received.
    pub received: Vec<Digest>,
    /// Payloads of the pings received.
    pub pings: Vec<String>,
    /// Payloads of the pongs received.
    pub pongs: Vec<String>,
    /// The client's close frame (code, reason).
    pub close: Option<(u16, String)>,
    /// The result of sockeye's own `close`, when it closed first.
    pub close_result: Option<Result<(), String>>,
    /// The error that ended the connection, if any.
    pub error: Option<String>,
}

/// A running scenario server. Dropping it stops the accept loop.
pub struct ScenarioServer {
    addr: SocketAddr,
    records: Arc<Mutex<Vec<Record>>>,
    stop: Arc<AtomicBool>,
    adapter: Adapter,
}

impl ScenarioServer {
    /// Listens on 127.0.0.1 on a free port, serving with `adapter`.
    pub fn start(adapter: Adapter, options: ServerOptions) -> ScenarioServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().unwrap();
        let records = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (r, s) = (records.clone(), stop.clone());
        let options = Arc::new(options);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if s.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let (r, options) = (r.clone(), options.clone());
                std::thread::spawn(move || {
                    let record = serve_one(adapter, stream, &options);
                    r.lock().unwrap().push(record);
                });
            }
        });
        ScenarioServer {
            addr,
            records,
            stop,
            adapter,
        }
    }

    /// `ws://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("ws://{}", self.addr)
    }

    /// The record of the connection to `path`, waiting up to `timeout` for
    /// it to finish.
    pub fn record(&self, path: &str, timeout: Duration) -> Record {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(r) = self.records.lock().unwrap().iter().find(|r| r.path == path) {
                return r.clone();
            }
            if Instant::now() >= deadline {
                panic!(
                    "sockeye {} server: no finished connection to {path} within {timeout:?}",
                    self.adapter.name()
                );
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for ScenarioServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
    }
}

fn serve_one(adapter: Adapter, stream: TcpStream, options: &ServerOptions) -> Record {
    let mut record = Record::default();
    let accepted = adapter.accept(stream, options, |req| {
        record.path = req.path.clone();
        record.version = match req.version {
            ProtocolVersion::V8 => 8,
            _ => 13,
        };
        record.origin = req.origin.clone();
        let mut decision = Decision::accept();
        if req.path == "/subprotocol" {
            if let Some(p) = req
                .protocols
                .iter()
                .find(|p| SUPPORTED_PROTOCOLS.contains(&p.as_str()))
            {
                record.protocol = Some(p.clone());
                decision = decision.with_protocol(p.clone());
            }
        }
        decision
    });
    match accepted {
        Ok(conn) => {
            if let Err(e) = run(conn, &mut record) {
                record.error = Some(e.to_string());
            }
        }
        Err(e) => record.error = Some(format!("handshake: {e}")),
    }
    record
}

fn run(mut conn: Box<dyn Conn>, record: &mut Record) -> sockeye_std::Result<()> {
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    while let Some(message) = conn.recv()? {
        match message {
            Message::Ping(p) => record.pings.push(text(&p)),
            Message::Pong(p) => {
                record.pongs.push(text(&p));
                if record.path == "/ping" {
                    conn.send(Message::text(format!("got-pong:{}", text(&p))))?;
                }
            }
            Message::Close(frame) => {
                record.close = frame.map(|f| (u16::from(f.code), f.reason.to_string()));
            }
            data => {
                record
                    .received
                    .push(Digest::of(&data).expect("a data message"));
                match (record.path.as_str(), data.as_text()) {
                    ("/ping", Some("ping-me")) => conn.ping(b"ping-from-sockeye")?,
                    ("/close_by_sockeye", Some("close-me")) => {
                        let (code, reason) = SOCKEYE_CLOSE;
                        record.close_result = Some(
                            conn.close(CloseCode::from(code), reason)
                                .map_err(|e| e.to_string()),
                        );
                        return Ok(());
                    }
                    _ => conn.send(data)?,
                }
            }
        }
    }
    Ok(())
}
