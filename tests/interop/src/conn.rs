//! The three sockeye adapters behind one small blocking interface, so each
//! scenario is written once and runs on every adapter. The async adapters
//! are driven with their runtime's `block_on`; every call is bounded by
//! [`IO_TIMEOUT`].

use sockeye_std::{
    ClientOptions, CloseCode, Decision, Error, Message, Response, Result, ServerOptions,
    UpgradeRequest,
};
use std::net::TcpStream;
use std::sync::OnceLock;
use std::time::Duration;

/// The longest any single receive, send or close may take.
pub const IO_TIMEOUT: Duration = Duration::from_secs(30);

/// A sockeye adapter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Adapter {
    /// sockeye-std, blocking.
    Std,
    /// sockeye-tokio.
    Tokio,
    /// sockeye-async-std.
    AsyncStd,
}

/// Every adapter.
pub const ADAPTERS: [Adapter; 3] = [Adapter::Std, Adapter::Tokio, Adapter::AsyncStd];

/// An open connection on some adapter.
pub trait Conn: Send {
    /// Sends a message.
    fn send(&mut self, message: Message) -> Result<()>;
    /// The next message, or `None` once the connection is closed.
    fn recv(&mut self) -> Result<Option<Message>>;
    /// Sends a ping.
    fn ping(&mut self, payload: &[u8]) -> Result<()>;
    /// Closes cleanly (waits for the peer's close frame).
    fn close(&mut self, code: CloseCode, reason: &str) -> Result<()>;
}

fn timed_out() -> Error {
    Error::Io(std::io::ErrorKind::TimedOut.into())
}

/// The tokio runtime the tokio adapter runs on (multi-threaded, so
/// `Handle::block_on` from any thread drives its I/O).
fn tokio_rt() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("tokio runtime")
    })
}

impl Adapter {
    /// The name used in messages.
    pub fn name(self) -> &'static str {
        match self {
            Adapter::Std => "std",
            Adapter::Tokio => "tokio",
            Adapter::AsyncStd => "async-std",
        }
    }

    /// Connects to `url` as a client.
    pub fn connect(self, url: &str, options: &ClientOptions) -> Result<(Box<dyn Conn>, Response)> {
        match self {
            Adapter::Std => {
                let (ws, response) = sockeye_std::connect_with(url, options)?;
                if let Some(tcp) = ws.get_ref().tcp() {
                    tcp.set_read_timeout(Some(IO_TIMEOUT))?;
                    tcp.set_write_timeout(Some(IO_TIMEOUT))?;
                }
                Ok((Box::new(StdConn(ws)), response))
            }
            Adapter::Tokio => tokio_rt().block_on(async {
                let (ws, response) = sockeye_tokio::connect_with(url, options).await?;
                Ok((Box::new(TokioConn(ws)) as Box<dyn Conn>, response))
            }),
            Adapter::AsyncStd => async_std::task::block_on(async {
                let (ws, response) = sockeye_async_std::connect_with(url, options).await?;
                Ok((Box::new(AsyncStdConn(ws)) as Box<dyn Conn>, response))
            }),
        }
    }

    /// Runs the server handshake on an accepted TCP stream.
    pub fn accept(
        self,
        stream: TcpStream,
        options: &ServerOptions,
        decide: impl FnOnce(&UpgradeRequest) -> Decision,
    ) -> Result<Box<dyn Conn>> {
        stream.set_nodelay(true)?;
        match self {
            Adapter::Std => {
                let mut ws = sockeye_std::accept_with_options(stream, options, decide)?;
                ws.get_mut().set_read_timeout(Some(IO_TIMEOUT))?;
                ws.get_mut().set_write_timeout(Some(IO_TIMEOUT))?;
                Ok(Box::new(StdConn(ws)))
            }
            Adapter::Tokio => tokio_rt().block_on(async {
                stream.set_nonblocking(true)?;
                let stream = tokio::net::TcpStream::from_std(stream)?;
                let ws = sockeye_tokio::accept_with_options(stream, options, decide).await?;
                Ok(Box::new(TokioConn(ws)) as Box<dyn Conn>)
            }),
            Adapter::AsyncStd => async_std::task::block_on(async {
                let stream = async_std::net::TcpStream::from(stream);
                let ws = sockeye_async_std::accept_with_options(stream, options, decide).await?;
                Ok(Box::new(AsyncStdConn(ws)) as Box<dyn Conn>)
            }),
        }
    }
}

/// A std WebSocket over a plain (accepted) or maybe-TLS (connected) stream.
struct StdConn<S: sockeye_std::Transport>(sockeye_std::WebSocket<S>);

impl<S: sockeye_std::Transport + Send> Conn for StdConn<S> {
    fn send(&mut self, message: Message) -> Result<()> {
        self.0.send(message)
    }
    fn recv(&mut self) -> Result<Option<Message>> {
        match self.0.read() {
            Ok(m) => Ok(Some(m)),
            Err(Error::ConnectionClosed) => Ok(None),
            Err(e) => Err(e),
        }
    }
    fn ping(&mut self, payload: &[u8]) -> Result<()> {
        self.0.ping(payload)
    }
    fn close(&mut self, code: CloseCode, reason: &str) -> Result<()> {
        self.0.close(code, reason)
    }
}

/// A tokio WebSocket over a plain (accepted) or maybe-TLS (connected) stream.
struct TokioConn<S>(sockeye_tokio::WebSocketStream<S>);

fn tokio_bounded<T>(f: impl std::future::Future<Output = Result<T>>) -> Result<T> {
    tokio_rt().block_on(async {
        tokio::time::timeout(IO_TIMEOUT, f)
            .await
            .unwrap_or_else(|_| Err(timed_out()))
    })
}

impl<S> Conn for TokioConn<S>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    fn send(&mut self, message: Message) -> Result<()> {
        tokio_bounded(self.0.send(message))
    }
    fn recv(&mut self) -> Result<Option<Message>> {
        tokio_bounded(async {
            match self.0.recv().await {
                None => Ok(None),
                Some(m) => m.map(Some),
            }
        })
    }
    fn ping(&mut self, payload: &[u8]) -> Result<()> {
        tokio_bounded(self.0.ping(bytes::Bytes::copy_from_slice(payload)))
    }
    fn close(&mut self, code: CloseCode, reason: &str) -> Result<()> {
        tokio_bounded(self.0.close(code, reason))
    }
}

/// An async-std WebSocket over a plain (accepted) or maybe-TLS (connected) stream.
struct AsyncStdConn<S>(sockeye_async_std::WebSocketStream<S>);

fn bounded<T>(f: impl std::future::Future<Output = Result<T>>) -> Result<T> {
    async_std::task::block_on(async {
        async_std::future::timeout(IO_TIMEOUT, f)
            .await
            .unwrap_or_else(|_| Err(timed_out()))
    })
}

impl<S> Conn for AsyncStdConn<S>
where
    S: async_std::io::Read + async_std::io::Write + Unpin + Send + 'static,
{
    fn send(&mut self, message: Message) -> Result<()> {
        bounded(self.0.send(message))
    }
    fn recv(&mut self) -> Result<Option<Message>> {
        bounded(async {
            match self.0.recv().await {
                None => Ok(None),
                Some(m) => m.map(Some),
            }
        })
    }
    fn ping(&mut self, payload: &[u8]) -> Result<()> {
        bounded(self.0.ping(bytes::Bytes::copy_from_slice(payload)))
    }
    fn close(&mut self, code: CloseCode, reason: &str) -> Result<()> {
        bounded(self.0.close(code, reason))
    }
}
