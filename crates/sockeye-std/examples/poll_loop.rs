//! Many WebSocket connections driven from one thread by a mio poll loop,
//! on non-blocking sockets: `WouldBlock` surfaces from `read`, `flush` and
//! the handshake without losing state, and the loop simply moves on.
//!
//! The example runs an echo server in the loop and, to show it working,
//! starts `--clients N` blocking clients (default 50) that each send 100
//! messages and check the echoes; it exits once they are done.
//!
//! ```sh
//! cargo run -p sockeye-std --example poll_loop -- --clients 200
//! ```

use mio::net::{TcpListener, TcpStream};
use mio::{Events, Interest, Poll, Token};
use sockeye_std::{
    CloseCode, Decision, Error, Message, PeerAddr, ServerOptions, Transport, WebSocket,
};
use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::net::SocketAddr;
use std::time::Duration;

/// A mio stream as a sockeye transport.
struct MioStream(TcpStream);

impl Read for MioStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf)
    }
}

impl Write for MioStream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write(buf)
    }
    fn write_vectored(&mut self, bufs: &[io::IoSlice<'_>]) -> io::Result<usize> {
        self.0.write_vectored(bufs)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

impl Transport for MioStream {
    fn shutdown(&mut self) -> io::Result<()> {
        self.0.shutdown(std::net::Shutdown::Write)
    }
    fn peer_addr(&self) -> Option<SocketAddr> {
        self.0.peer_addr().ok()
    }
}

impl PeerAddr for MioStream {
    fn peer_addr(&self) -> Option<SocketAddr> {
        self.0.peer_addr().ok()
    }
}

struct Client {
    ws: WebSocket<MioStream>,
    open: bool,
    /// An echo the connection could not queue yet (more than its write
    /// buffer limit waited): it goes first once the socket takes output.
    pending: Option<Message>,
}

const LISTENER: Token = Token(0);

/// Handles readiness of one connection; returns false when it is done.
fn drive(client: &mut Client) -> bool {
    if !client.open {
        match client.ws.server_handshake(|_| Decision::accept()) {
            Ok(()) => client.open = true,
            Err(e) if e.is_would_block() => return true,
            Err(_) => return false,
        }
    }
    loop {
        // Queue the echo; many echoes go out in one write below. When the
        // queue is full (`WouldBlock`: not queued), keep the echo and stop
        // reading until the peer has taken some output: backpressure.
        if let Some(msg) = client.pending.take() {
            match client.ws.write(msg.clone()) {
                Ok(()) => {}
                Err(e) if e.is_would_block() => {
                    client.pending = Some(msg);
                    break;
                }
                Err(_) => return false,
            }
        }
        match client.ws.read() {
            Ok(msg @ (Message::Text(_) | Message::Binary(_))) => client.pending = Some(msg),
            Ok(_) => {}
            Err(e) if e.is_would_block() => break,
            Err(Error::ConnectionClosed) => return false,
            Err(_) => return false,
        }
    }
    match client.ws.flush() {
        Ok(()) => true,
        Err(e) => e.is_would_block(),
    }
}

#[allow(dead_code)]
fn main() -> io::Result<()> {
    let clients: usize = std::env::args()
        .skip_while(|a| a != "--clients")
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(50);
    run(clients)
}

/// Serves `clients` blocking clients of 100 echoes each from one poll
/// loop; returns once all are done (the tests run it too).
pub fn run(clients: usize) -> io::Result<()> {
    let mut poll = Poll::new()?;
    let mut listener = TcpListener::bind("127.0.0.1:0".parse().unwrap())?;
    let addr = listener.local_addr()?;
    poll.registry()
        .register(&mut listener, LISTENER, Interest::READABLE)?;
    println!("echo server on ws://{addr}/ driving {clients} clients from one thread");

    let workers: Vec<_> = (0..clients)
        .map(|id| {
            std::thread::spawn(move || -> sockeye_std::Result<()> {
                let (mut ws, _) = sockeye_std::connect(&format!("ws://{addr}/"))?;
                for i in 0..100 {
                    ws.send(format!("client {id} message {i}"))?;
                    let echo = ws.read()?;
                    assert_eq!(
                        echo.as_text(),
                        Some(format!("client {id} message {i}").as_str())
                    );
                }
                ws.close(CloseCode::NORMAL, "done")
            })
        })
        .collect();

    let mut conns: HashMap<Token, Client> = HashMap::new();
    let mut next = 1;
    let mut events = Events::with_capacity(1024);
    let mut finished = 0;
    while finished < clients {
        poll.poll(&mut events, Some(Duration::from_secs(10)))?;
        if events.is_empty() {
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "no progress in 10 s",
            ));
        }
        for event in events.iter() {
            if event.token() == LISTENER {
                loop {
                    match listener.accept() {
                        Ok((mut stream, _)) => {
                            stream.set_nodelay(true)?;
                            let token = Token(next);
                            next += 1;
                            poll.registry().register(
                                &mut stream,
                                token,
                                Interest::READABLE | Interest::WRITABLE,
                            )?;
                            let ws =
                                WebSocket::server(MioStream(stream), &ServerOptions::default());
                            let mut client = Client {
                                ws,
                                open: false,
                                pending: None,
                            };
                            if drive(&mut client) {
                                conns.insert(token, client);
                            } else {
                                // Served to its end in this first call
                                // (the peer kept the socket busy).
                                finished += 1;
                            }
                        }
                        Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                        Err(e) => return Err(e),
                    }
                }
                continue;
            }
            let token = event.token();
            let alive = conns.get_mut(&token).map(drive).unwrap_or(false);
            if !alive {
                if let Some(mut c) = conns.remove(&token) {
                    let _ = poll.registry().deregister(&mut c.ws.get_mut().0);
                    finished += 1;
                }
            }
        }
    }
    for w in workers {
        w.join()
            .expect("client thread panicked")
            .map_err(io::Error::from)?;
    }
    println!(
        "{clients} clients x 100 messages echoed; {} connections still open",
        conns.len()
    );
    Ok(())
}
