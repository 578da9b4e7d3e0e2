//! The blocking adapter over real loopback TCP.

use sockeye_std::{
    accept, accept_with, accept_with_options, connect, connect_with, ClientOptions, CloseCode,
    Decision, Error, Message, ServerOptions, Transport,
};
use std::net::{TcpListener, TcpStream};
use std::thread;
use std::time::Duration;

/// Starts an echo server for `connections` connections; returns its URL.
fn echo_server(connections: usize) -> (String, thread::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("ws://{}/", listener.local_addr().unwrap());
    let handle = thread::spawn(move || {
        for stream in listener.incoming().take(connections) {
            let stream = stream.unwrap();
            stream
                .set_read_timeout(Some(Duration::from_secs(20)))
                .unwrap();
            let mut ws = accept(stream).unwrap();
            loop {
                match ws.read() {
                    Ok(msg @ (Message::Text(_) | Message::Binary(_))) => ws.send(msg).unwrap(),
                    Ok(_) => {}
                    Err(Error::ConnectionClosed) => break,
                    Err(e) => panic!("server: {e}"),
                }
            }
        }
    });
    (url, handle)
}

fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 31 % 251) as u8).collect()
}

#[test]
fn echo_sizes() {
    let (url, server) = echo_server(1);
    let (mut ws, _) = connect(&url).unwrap();
    for len in [0, 125, 126, 65535, 65536, 16 << 20] {
        let data = pattern(len);
        ws.send(Message::binary(data.clone())).unwrap();
        assert_eq!(
            ws.read().unwrap(),
            Message::binary(data.clone()),
            "binary {len}"
        );
        let text: String = data.iter().map(|b| char::from(b'a' + b % 26)).collect();
        ws.send(text.clone()).unwrap();
        assert_eq!(
            ws.read().unwrap().as_text(),
            Some(text.as_str()),
            "text {len}"
        );
    }
    ws.close(CloseCode::NORMAL, "done").unwrap();
    server.join().unwrap();
}

#[test]
fn ten_thousand_messages_in_order() {
    let (url, server) = echo_server(1);
    let (mut ws, _) = connect(&url).unwrap();
    let reader = thread::spawn({
        // Writes go out batched: queue many, flush once per hundred.
        let mut ws2 = ws;
        move || {
            for i in 0..10_000u32 {
                ws2.write(format!("message {i}")).unwrap();
                if i % 100 == 99 {
                    ws2.flush().unwrap();
                }
            }
            for i in 0..10_000u32 {
                assert_eq!(
                    ws2.read().unwrap().as_text(),
                    Some(format!("message {i}").as_str())
                );
            }
            ws2
        }
    });
    ws = reader.join().unwrap();
    ws.close(CloseCode::NORMAL, "").unwrap();
    server.join().unwrap();
}

#[test]
fn ping_pong_and_close_codes_both_ways() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("ws://{}/", listener.local_addr().unwrap());
    let server = thread::spawn(move || {
        // First connection: the server pings, then closes with 4001.
        let mut ws = accept(listener.accept().unwrap().0).unwrap();
        ws.ping(b"are you there").unwrap();
        assert_eq!(ws.read().unwrap(), Message::Pong("are you there".into()));
        ws.close(CloseCode(4001), "server says bye").unwrap();
        // Second connection: the client pings and closes with 4000.
        let mut ws = accept(listener.accept().unwrap().0).unwrap();
        assert_eq!(ws.read().unwrap(), Message::Ping("hello?".into()));
        match ws.read().unwrap() {
            Message::Close(Some(frame)) => {
                assert_eq!(frame.code, CloseCode(4000));
                assert_eq!(frame.reason, "client says bye");
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(ws.read(), Err(Error::ConnectionClosed)));
    });

    let (mut ws, _) = connect(&url).unwrap();
    assert_eq!(ws.read().unwrap(), Message::Ping("are you there".into()));
    match ws.read().unwrap() {
        Message::Close(Some(frame)) => {
            assert_eq!(frame.code, CloseCode(4001));
            assert_eq!(frame.reason, "server says bye");
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(ws.read(), Err(Error::ConnectionClosed)));

    let (mut ws, _) = connect(&url).unwrap();
    ws.ping(b"hello?").unwrap();
    assert_eq!(ws.read().unwrap(), Message::Pong("hello?".into()));
    ws.close(CloseCode(4000), "client says bye").unwrap();
    server.join().unwrap();
}

#[test]
fn rejection_and_subprotocols() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("ws://{}/", listener.local_addr().unwrap());
    let server = thread::spawn(move || {
        let result = accept_with(listener.accept().unwrap().0, |req| {
            assert!(req.peer_addr.is_some());
            match req.headers.get("authorization") {
                Some("Bearer good") => Decision::accept(),
                _ => Decision::reject(401)
                    .with_header("WWW-Authenticate", "Bearer")
                    .with_body("no token"),
            }
        });
        assert!(matches!(result, Err(Error::Rejected { status: 401 })));
        let mut ws = accept_with(listener.accept().unwrap().0, |req| {
            assert_eq!(req.protocols, vec!["a".to_string(), "b".to_string()]);
            Decision::accept().with_protocol("b")
        })
        .unwrap();
        assert!(matches!(ws.read(), Ok(Message::Close(_))));
    });

    let err = connect(&url).unwrap_err();
    assert_eq!(err.http_status(), Some(401), "{err}");
    let (headers, body) = err.http_response().unwrap();
    assert_eq!(headers.get("www-authenticate"), Some("Bearer"));
    assert_eq!(body, b"no token");

    let options = ClientOptions::new().protocol("a").protocol("b");
    let (mut ws, response) = connect_with(&url, &options).unwrap();
    assert_eq!(response.protocol.as_deref(), Some("b"));
    ws.close(CloseCode::NORMAL, "").unwrap();
    server.join().unwrap();
}

#[test]
fn non_blocking_would_block_keeps_state() {
    let (url, server) = echo_server(1);
    let (mut ws, _) = connect(&url).unwrap();
    ws.get_mut().set_nonblocking(true).unwrap();
    // Nothing to read yet.
    assert!(ws.read().unwrap_err().is_would_block());
    let big = pattern(1 << 20);
    let mut sent = false;
    let mut got = None;
    for _ in 0..20_000 {
        if !sent {
            match ws.send(Message::binary(big.clone())) {
                Ok(()) => sent = true,
                Err(e) if e.is_would_block() => sent = true, // queued; flushed below
                Err(e) => panic!("{e}"),
            }
        }
        match ws.flush() {
            Ok(()) | Err(Error::Io(_)) => {}
            Err(e) => panic!("{e}"),
        }
        match ws.read() {
            Ok(m) => {
                got = Some(m);
                break;
            }
            Err(e) if e.is_would_block() => thread::sleep(Duration::from_millis(1)),
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!(got, Some(Message::binary(big)));
    ws.get_mut().set_nonblocking(false).unwrap();
    ws.close(CloseCode::NORMAL, "").unwrap();
    server.join().unwrap();
}

#[test]
fn handshake_timeout_cuts_off_silent_clients() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let _silent = TcpStream::connect(addr).unwrap();
    let options = sockeye_std::ServerOptions::new().handshake_timeout(Duration::from_millis(200));
    let started = std::time::Instant::now();
    let result = sockeye_std::accept_with_options(listener.accept().unwrap().0, &options, |_| {
        Decision::accept()
    });
    assert!(matches!(result, Err(Error::HandshakeTimeout)), "{result:?}");
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[test]
fn connection_refused_is_an_io_error() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let err = connect(&format!("ws://127.0.0.1:{port}/")).unwrap_err();
    assert!(
        matches!(&err, Error::Io(e) if e.kind() == std::io::ErrorKind::ConnectionRefused),
        "{err}"
    );
}

#[test]
fn tcp_nodelay_is_on_by_default_on_both_ends() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("ws://{}/", listener.local_addr().unwrap());
    let server = thread::spawn(move || {
        let ws = accept(listener.accept().unwrap().0).unwrap();
        assert!(ws.get_ref().nodelay().unwrap());
    });
    let (ws, _) = connect(&url).unwrap();
    assert!(ws.get_ref().tcp().unwrap().nodelay().unwrap());
    server.join().unwrap();
}

#[test]
fn size_limits_set_in_options_close_with_1009() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("ws://{}/", listener.local_addr().unwrap());
    let accept_with = move |options: &ServerOptions| {
        let (stream, _) = listener.accept().unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        accept_with_options(stream, options, |_| Decision::accept()).unwrap()
    };
    let server = thread::spawn(move || {
        // The server's limit: a 100-byte frame passes, 101 bytes do not.
        let mut ws = accept_with(&ServerOptions::new().max_frame_size(100));
        assert_eq!(ws.read().unwrap(), Message::Binary(vec![7; 100].into()));
        assert!(ws.read().is_err());
        // The client's limit.
        let mut ws = accept_with(&ServerOptions::new());
        ws.send(vec![7u8; 101]).unwrap();
        close_code_of(ws.read())
    });
    let (mut ws, _) = connect(&url).unwrap();
    ws.get_mut()
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    ws.send(vec![7u8; 100]).unwrap();
    ws.send(vec![7u8; 101]).unwrap();
    assert_eq!(close_code_of(ws.read()), CloseCode::MESSAGE_TOO_BIG);

    let options = ClientOptions::new().max_frame_size(100);
    let (mut ws, _) = connect_with(&url, &options).unwrap();
    ws.get_mut()
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    assert!(ws.read().is_err());
    assert_eq!(server.join().unwrap(), CloseCode::MESSAGE_TOO_BIG);
}

/// The code of the close frame `read` returned.
fn close_code_of(read: sockeye_std::Result<Message>) -> CloseCode {
    match read {
        Ok(Message::Close(Some(frame))) => frame.code,
        other => panic!("expected a close frame, got {other:?}"),
    }
}

/// `close` waits at most the close timeout, however the peer spreads its
/// bytes: a server trickling one byte of a 1000-byte frame every 100 ms
/// does not hold it for the frame's 100 s.
#[test]
fn close_is_bounded_by_the_close_timeout_against_a_trickling_peer() {
    use std::io::Write;
    let (url, server) = serve_one(|stream| {
        let mut ws = accept(stream).unwrap();
        let raw = ws.get_mut();
        let _ = raw.write_all(&[0x82, 126, 0x03, 0xe8]);
        for _ in 0..40 {
            if raw.write_all(b"x").is_err() {
                break;
            }
            thread::sleep(Duration::from_millis(100));
        }
    });
    let options = ClientOptions::new().close_timeout(Duration::from_secs(1));
    let (mut ws, _) = connect_with(&url, &options).unwrap();
    let start = std::time::Instant::now();
    let closed = ws.close(CloseCode::NORMAL, "");
    assert!(matches!(closed, Err(Error::CloseTimeout)), "{closed:?}");
    assert!(
        start.elapsed() < Duration::from_millis(2500),
        "{:?}",
        start.elapsed()
    );
    drop(ws);
    server.join().unwrap();
}

/// On a non-blocking socket, the `read` after the peer's close frame
/// writes what is still queued (a large message, then the close reply)
/// before it closes the transport: `WouldBlock` until it can, then
/// `ConnectionClosed`. The peer gets everything and a clean close.
#[test]
fn a_non_blocking_read_after_the_peers_close_writes_the_queue_first() {
    let (url, server) = serve_one(|stream| {
        let mut ws = accept(stream).unwrap();
        ws.get_ref().set_nonblocking(true).unwrap();
        // Messages of 8 MiB until the socket is full (the client is not
        // reading yet): `Ok` means queued, some of it still unwritten.
        let mut sent = 0;
        while ws.connection().output_len() == 0 {
            assert!(sent < 8, "the socket took {sent} messages of 8 MiB");
            ws.send(Message::binary(vec![9u8; 8 << 20])).unwrap();
            sent += 1;
        }
        let start = std::time::Instant::now();
        loop {
            assert!(start.elapsed() < Duration::from_secs(10), "no end");
            match ws.read() {
                Ok(_) => {}
                Err(e) if e.is_would_block() => thread::sleep(Duration::from_millis(2)),
                Err(Error::ConnectionClosed) => break (sent, ws.connection().output_len()),
                Err(e) => panic!("{e}"),
            }
        }
    });
    let (mut client, _) = connect(&url).unwrap();
    client
        .get_mut()
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    client
        .write(Message::Close(Some(sockeye_std::CloseFrame::new(
            CloseCode::NORMAL,
            "",
        ))))
        .unwrap();
    client.flush().unwrap();
    let mut got = Vec::new();
    loop {
        match client.read() {
            Ok(m) => got.push(m),
            Err(Error::ConnectionClosed) => break,
            Err(e) => panic!("the client saw {e} after {} messages", got.len()),
        }
    }
    let (sent, unwritten) = server.join().unwrap();
    assert_eq!(unwritten, 0, "bytes left unwritten");
    let lens: Vec<usize> = got.iter().map(|m| m.len()).collect();
    assert_eq!(got.len(), sent + 1, "{lens:?}");
    assert!(got[..sent].iter().all(|m| m.len() == 8 << 20), "{lens:?}");
    assert!(got[sent].is_close());
}

/// Serves one connection on a free port with `serve`, on its own thread;
/// returns the URL to connect to and the thread.
fn serve_one<T: Send + 'static>(
    serve: impl FnOnce(TcpStream) -> T + Send + 'static,
) -> (String, thread::JoinHandle<T>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("ws://{}/", listener.local_addr().unwrap());
    (
        url,
        thread::spawn(move || serve(listener.accept().unwrap().0)),
    )
}

/// A server reading nothing for `delay`, then recording every data
/// message; returns its URL and what it got.
fn recording_server(delay: Duration) -> (String, thread::JoinHandle<Vec<Message>>) {
    serve_one(move |stream| {
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let mut ws = accept(stream).unwrap();
        thread::sleep(delay);
        let mut got = Vec::new();
        while let Ok(message) = ws.read() {
            if message.is_text() || message.is_binary() {
                got.push(message);
            }
        }
        got
    })
}

/// On a non-blocking socket `send` says `Ok` for queued and `WouldBlock`
/// for not queued (over the write buffer limit), so a poll loop that
/// retries on `WouldBlock` sends each message exactly once.
#[test]
fn non_blocking_send_neither_loses_nor_repeats_a_message() {
    let (url, recording) = recording_server(Duration::from_millis(500));
    let (mut ws, _) = connect(&url).unwrap();
    ws.get_ref().set_nonblocking(true).unwrap();
    let start = std::time::Instant::now();
    let messages = [
        Message::binary(vec![3u8; 8 << 20]),
        Message::text("second"),
        Message::binary(vec![4u8; 4 << 20]),
    ];
    for message in &messages {
        loop {
            match ws.send(message.clone()) {
                Ok(()) => break,
                Err(e) if e.is_would_block() => thread::sleep(Duration::from_millis(2)),
                Err(e) => panic!("{e}"),
            }
            assert!(start.elapsed() < Duration::from_secs(10));
        }
    }
    while let Err(e) = ws.flush() {
        assert!(
            e.is_would_block() && start.elapsed() < Duration::from_secs(10),
            "{e}"
        );
        thread::sleep(Duration::from_millis(2));
    }
    ws.get_ref().set_nonblocking(false).unwrap();
    ws.close(CloseCode::NORMAL, "").unwrap();
    assert_eq!(recording.join().unwrap(), messages);
}

/// `ByteStream::write` takes a whole buffer or nothing: with a write
/// timeout against a peer that reads late, every error means "write it
/// again", and the peer gets each chunk once, in order.
#[test]
fn a_byte_stream_write_that_fails_took_nothing() {
    use sockeye_std::{ByteStream, Framing};
    use std::io::Write;
    let (url, recording) = recording_server(Duration::from_millis(1500));
    let (ws, _) = connect(&url).unwrap();
    ws.get_ref()
        .tcp()
        .unwrap()
        .set_write_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let mut stream = ByteStream::new(ws, Framing::Binary);
    let start = std::time::Instant::now();
    let mut failures = 0;
    for tag in 0..4u8 {
        let chunk = vec![tag; 4 << 20];
        while let Err(e) = stream.write(&chunk) {
            assert!(
                matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ),
                "{e}"
            );
            assert!(start.elapsed() < Duration::from_secs(20));
            failures += 1;
        }
    }
    while stream.flush().is_err() {
        assert!(start.elapsed() < Duration::from_secs(20));
    }
    let mut ws = stream.into_inner();
    ws.get_ref().tcp().unwrap().set_write_timeout(None).unwrap();
    ws.close(CloseCode::NORMAL, "").unwrap();
    let tags: Vec<u8> = recording
        .join()
        .unwrap()
        .iter()
        .map(|m| m.as_binary().unwrap()[0])
        .collect();
    assert_eq!(tags, [0, 1, 2, 3], "after {failures} failed writes");
}
