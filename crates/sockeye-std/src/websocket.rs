//! The blocking (and non-blocking) WebSocket over a `std::io` stream.

use crate::error::{Error, Result};
use crate::options::{answer_http, ClientOptions, HttpHandler, ServerOptions};
use crate::queue::{queue_message, read_size, write_output, zeroed_room};
use crate::rng::os_random;
use crate::server::UpgradeRequest;
use crate::transport::{limit_next_read, Transport};
use sockeye_proto::handshake::{ClientRequest, Response};
use sockeye_proto::{CloseCode, CloseFrame, Connection, Decision, Event, Message, Role, State};
use std::io;
use std::time::{Duration, Instant};

/// A WebSocket connection over a `Read + Write` stream.
///
/// On a blocking stream, [`read`](Self::read) waits for the next message
/// and [`send`](Self::send) returns once the message is written. On a
/// non-blocking stream, both return [`Error::Io`] with
/// `ErrorKind::WouldBlock` when the socket is not ready; nothing is lost,
/// call again when it is (see the `poll_loop` example).
pub struct WebSocket<S> {
    stream: S,
    conn: Connection,
    write_buffer_limit: usize,
    close_timeout: Duration,
    eof: bool,
    transport_closed: bool,
    http_handler: Option<HttpHandler>,
    /// While set (during the opening handshake), every read waits at most
    /// until then, so a client dribbling bytes cannot stretch the timeout.
    read_deadline: Option<Instant>,
    /// A pong or close reply was queued since the last write.
    reply_queued: bool,
}

impl<S> std::fmt::Debug for WebSocket<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebSocket")
            .field("conn", &self.conn)
            .finish_non_exhaustive()
    }
}

impl<S: Transport> WebSocket<S> {
    /// Wraps a stream and a connection whose handshake is complete (or that
    /// was opened with `Connection::open`).
    pub fn from_parts(
        stream: S,
        conn: Connection,
        write_buffer_limit: usize,
        close_timeout: Duration,
    ) -> Self {
        WebSocket {
            stream,
            conn,
            write_buffer_limit,
            close_timeout,
            eof: false,
            transport_closed: false,
            http_handler: None,
            read_deadline: None,
            reply_queued: false,
        }
    }

    /// A server connection whose opening handshake has not happened yet.
    /// Drive it with [`server_handshake`](Self::server_handshake) — on a
    /// non-blocking socket, again after each `WouldBlock` — then use it.
    pub fn server(stream: S, options: &ServerOptions) -> Self {
        let conn = Connection::server(options.config.clone());
        let mut ws = WebSocket::from_parts(
            stream,
            conn,
            options.write_buffer_limit,
            options.close_timeout,
        );
        ws.http_handler = options.http_handler.clone();
        ws
    }

    /// A client connection whose upgrade request is queued. Drive it with
    /// [`client_handshake`](Self::client_handshake).
    pub fn client(stream: S, request: &ClientRequest, options: &ClientOptions) -> Result<Self> {
        let conn = Connection::client(request, options.config.clone(), os_random())?;
        Ok(WebSocket::from_parts(
            stream,
            conn,
            options.write_buffer_limit,
            options.close_timeout,
        ))
    }

    /// Runs the server side of the opening handshake until the upgrade
    /// request arrives, asks `decide` about it, and writes the answer.
    /// Returns `Ok(())` once accepted, [`Error::Rejected`] if `decide`
    /// refused, or `WouldBlock` on a non-blocking socket (call again when
    /// readable: no state is lost).
    pub fn server_handshake(
        &mut self,
        decide: impl FnOnce(&UpgradeRequest) -> Decision,
    ) -> Result<()> {
        let request = loop {
            self.flush()?;
            match self.conn.poll_event() {
                Ok(Some(Event::Request(request))) => break *request,
                Ok(Some(Event::HttpRequest(request))) => {
                    // A plain HTTP request: answer it and end the connection.
                    let decision = answer_http(self.http_handler.as_ref(), &request);
                    self.conn.decide(&decision)?;
                    let _ = self.flush();
                    self.close_transport();
                    let status = match decision {
                        Decision::Reject { status, .. } => status,
                        Decision::Accept { .. } => 426,
                    };
                    return Err(Error::Rejected { status });
                }
                Ok(_) => {}
                Err(e) => {
                    // The HTTP error response is queued: send it, then give up.
                    let _ = self.flush();
                    self.close_transport();
                    return Err(e.into());
                }
            }
            self.fill()?;
        };
        let upgrade = UpgradeRequest {
            peer_addr: self.stream.peer_addr(),
            request,
        };
        let decision = decide(&upgrade);
        self.conn.decide(&decision)?;
        let flushed = self.flush();
        if let Decision::Reject { status, .. } = decision {
            self.close_transport();
            return Err(Error::Rejected { status });
        }
        flushed
    }

    /// Runs the client side of the opening handshake: writes the request
    /// and reads the response. Returns the server's response once the
    /// connection is open, or `WouldBlock` on a non-blocking socket (call
    /// again when ready).
    pub fn client_handshake(&mut self) -> Result<Response> {
        loop {
            self.flush()?;
            match self.conn.poll_event() {
                Ok(Some(Event::Connected(response))) => return Ok(*response),
                Ok(_) => {}
                Err(e) => return Err(e.into()),
            }
            self.fill()?;
        }
    }

    /// Reads the next message. Pings are answered automatically (and still
    /// returned, so you can see them). A received [`Message::Close`] means
    /// the peer closed: the reply has been sent, and the next call returns
    /// [`Error::ConnectionClosed`].
    pub fn read(&mut self) -> Result<Message> {
        loop {
            match self.conn.poll_event() {
                Ok(Some(event)) => {
                    let is_close = matches!(event, Event::Close(_));
                    if let Some(message) = Message::from_event(event) {
                        // Answer pings and close frames once the input read
                        // so far is processed: a burst of pings gets one pong.
                        // Data messages alone write nothing here: the caller's
                        // replies to a burst then go out together, before the
                        // next read.
                        self.reply_queued |= is_close || message.is_ping();
                        if self.reply_queued && self.conn.buffered_input() == 0 {
                            self.flush_best_effort(is_close)?;
                        }
                        return Ok(message);
                    }
                    continue;
                }
                Ok(None) => {}
                Err(e) => {
                    let _ = self.flush();
                    self.close_transport();
                    return Err(e.into());
                }
            }
            if self.conn.state() == State::Closed || self.eof {
                // What is still queued (the close reply among it) goes out
                // before the transport is closed; a non-blocking stream
                // that cannot take it now says so, and the next call
                // finishes.
                if let Err(Error::Io(e)) = self.flush() {
                    if e.kind() == io::ErrorKind::WouldBlock {
                        return Err(Error::Io(e));
                    }
                }
                self.close_transport();
                return Err(Error::ConnectionClosed);
            }
            self.flush_best_effort(false)?;
            self.fill()?;
        }
    }

    /// Queues `message` and writes everything queued. Blocks until written
    /// on a blocking stream. On a non-blocking one, `Ok` means queued: what
    /// the socket could not take yet goes out with the next
    /// [`flush`](Self::flush) (or `read`); `WouldBlock` means *not* queued,
    /// because more than the write buffer limit waits: call again when the
    /// socket is writable. Either way nothing is lost or sent twice.
    pub fn send(&mut self, message: impl Into<Message>) -> Result<()> {
        self.write(message)?;
        match self.flush() {
            Err(Error::Io(e)) if e.kind() == io::ErrorKind::WouldBlock => Ok(()),
            flushed => flushed,
        }
    }

    /// Queues `message` without writing it, so several messages go out in
    /// one write at the next [`flush`](Self::flush). When more than the
    /// write buffer limit is queued, tries to flush first and returns
    /// `WouldBlock` if the stream cannot take it (the message is not
    /// queued then).
    pub fn write(&mut self, message: impl Into<Message>) -> Result<()> {
        self.make_room()?;
        queue_message(&mut self.conn, message.into())?;
        Ok(())
    }

    /// Flushes first when more than the write buffer limit is queued;
    /// `WouldBlock` when the stream cannot take it now. After `Ok`, one
    /// message can be queued without waiting.
    pub(crate) fn make_room(&mut self) -> Result<()> {
        if self.conn.output_len() >= self.write_buffer_limit {
            self.flush()?;
        }
        Ok(())
    }

    /// Writes all queued output.
    pub fn flush(&mut self) -> Result<()> {
        while self.conn.has_output() {
            let stream = &mut self.stream;
            let written = write_output(&mut self.conn, |slices| stream.write_vectored(slices));
            match written {
                Ok(0) => return Err(Error::Io(io::ErrorKind::WriteZero.into())),
                Ok(k) => self.conn.consume_output(k),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(Error::Io(e)),
            }
        }
        self.reply_queued = false;
        self.stream.flush()?;
        if self.conn.should_close_transport() && self.conn.role() == Role::Server {
            self.close_transport();
        }
        Ok(())
    }

    /// Sends a ping.
    pub fn ping(&mut self, payload: &[u8]) -> Result<()> {
        self.conn.ping(payload)?;
        self.flush()
    }

    /// Sends an unsolicited pong.
    pub fn pong(&mut self, payload: &[u8]) -> Result<()> {
        self.conn.pong(payload)?;
        self.flush()
    }

    /// Closes the connection cleanly: sends a close frame, waits for the
    /// peer's (up to the close timeout, 30 s by default, discarding messages
    /// that arrive meanwhile), then closes the transport. Each read waits
    /// only until the deadline, however the peer spreads its bytes. On a
    /// non-blocking stream it returns `WouldBlock` while the reply has not
    /// arrived: keep reading with [`read`](Self::read) (which returns
    /// [`Error::ConnectionClosed`] once it is over), or call `close` again,
    /// which waits a close timeout from then.
    pub fn close(&mut self, code: CloseCode, reason: &str) -> Result<()> {
        self.conn.close(code, reason)?;
        self.flush()?;
        let deadline = Instant::now() + self.close_timeout;
        // Every read waits until the deadline at most, so a peer trickling
        // bytes cannot stretch the timeout.
        let previous = self.read_deadline.replace(deadline);
        let result = loop {
            match self.read() {
                Ok(_) => continue,
                Err(Error::ConnectionClosed) => break Ok(()),
                // Before the deadline: a non-blocking stream with nothing to
                // read yet; call again when it is readable.
                Err(Error::Io(e))
                    if e.kind() == io::ErrorKind::WouldBlock
                        && Instant::now() + Duration::from_millis(10) < deadline =>
                {
                    break Err(Error::Io(e));
                }
                Err(Error::Io(e))
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) =>
                {
                    self.close_transport();
                    break Err(Error::CloseTimeout);
                }
                Err(e) => break Err(e),
            }
        };
        self.set_read_deadline(previous)?;
        result
    }

    /// Drops the connection at once, without a closing handshake (ws's
    /// `terminate`).
    pub fn terminate(mut self) {
        self.close_transport();
    }

    /// Makes every read wait at most until `deadline` (`None`: no limit).
    /// Used for the handshake timeout; the stream's own read timeout is
    /// adjusted before each read.
    pub fn set_read_deadline(&mut self, deadline: Option<Instant>) -> Result<()> {
        self.read_deadline = deadline;
        if deadline.is_none() {
            self.stream.set_read_timeout(None)?;
        }
        Ok(())
    }

    /// The connection's state.
    pub fn state(&self) -> State {
        self.conn.state()
    }

    /// The underlying stream.
    pub fn get_ref(&self) -> &S {
        &self.stream
    }

    /// The underlying stream, mutably (reading or writing it directly
    /// corrupts the connection).
    pub fn get_mut(&mut self) -> &mut S {
        &mut self.stream
    }

    /// The protocol state machine.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    /// The peer's address, if the transport has one.
    pub fn peer_addr(&self) -> Option<std::net::SocketAddr> {
        self.stream.peer_addr()
    }

    /// Reads once from the stream into the connection.
    fn fill(&mut self) -> Result<()> {
        limit_next_read(&mut self.stream, self.read_deadline)?;
        let want = read_size(&self.conn);
        let buf = self.conn.input_buffer();
        let len = zeroed_room(buf, want);
        let result = self.stream.read(&mut buf[len..]);
        let got = *result.as_ref().unwrap_or(&0);
        buf.truncate(len + got);
        match result {
            Ok(0) => {
                self.eof = true;
                self.conn.feed_eof();
                Ok(())
            }
            Ok(_) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => Ok(()),
            Err(e) => Err(Error::Io(e)),
        }
    }

    /// Flushes, treating `WouldBlock` as "later". A close reply that
    /// cannot be written is not an error for the reader either.
    fn flush_best_effort(&mut self, ignore_errors: bool) -> Result<()> {
        match self.flush() {
            Ok(()) => Ok(()),
            Err(e) if e.is_would_block() || ignore_errors => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// The protocol state machine, mutably (for the server's mailbox and
    /// heartbeat).
    pub(crate) fn connection_mut(&mut self) -> &mut Connection {
        &mut self.conn
    }

    pub(crate) fn close_transport(&mut self) {
        if !self.transport_closed {
            self.transport_closed = true;
            let _ = self.stream.shutdown();
        }
    }
}

/// A close frame with `code` and `reason`, for [`Message::Close`].
pub fn close_frame(code: CloseCode, reason: &str) -> Message {
    Message::Close(Some(CloseFrame::new(code, reason)))
}
