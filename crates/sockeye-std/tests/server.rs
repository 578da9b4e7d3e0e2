//! The blocking `Server`: broadcasting, authentication with a context,
//! heartbeats, client tracking and graceful shutdown, a thread per
//! connection. Every read has a timeout and every wait a bound.

use sockeye_std::{
    ClientOptions, CloseCode, Decision, Error, MaybeTlsStream, Message, Server, Transport,
    UpgradeRequest, Verdict, WebSocket,
};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

type Ws = WebSocket<MaybeTlsStream>;

/// A server on a free loopback port that looks at its mailboxes every
/// 10 ms.
fn server() -> (Server, SocketAddr) {
    let server = Server::bind("127.0.0.1:0")
        .unwrap()
        .poll_interval(Duration::from_millis(10))
        .shutdown_timeout(Duration::from_secs(1));
    let addr = server.local_addr().unwrap();
    (server, addr)
}

/// Connects with `options`, every read failing after 5 s.
fn connect_with(url: &str, options: &ClientOptions) -> sockeye_std::Result<Ws> {
    let (mut ws, _) = sockeye_std::connect_with(url, options)?;
    ws.get_mut()
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    Ok(ws)
}

fn connect(url: &str) -> Ws {
    connect_with(url, &ClientOptions::default()).unwrap()
}

fn next_text(ws: &mut Ws) -> String {
    match ws.read() {
        Ok(Message::Text(text)) => text.to_string(),
        other => panic!("expected a text message, got {other:?}"),
    }
}

/// Waits until `done` holds, checking every 5 ms, failing after 5 s.
fn eventually(what: &str, done: impl Fn() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(started.elapsed() < Duration::from_secs(5), "never: {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Waits at most 5 s for `serve` to return.
fn join_within(serving: JoinHandle<std::io::Result<()>>) {
    let started = Instant::now();
    while !serving.is_finished() {
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "serve did not return"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    serving.join().unwrap().unwrap();
}

/// Serves on its own thread, accepting everyone; each handler only
/// receives until its connection ends.
fn serve_receiving(server: Server) -> JoinHandle<std::io::Result<()>> {
    std::thread::spawn(move || {
        server.serve(
            |_request| Decision::accept(),
            |mut client| while client.ws.recv().is_ok() {},
        )
    })
}

#[test]
fn broadcast_reaches_all_but_the_sender() {
    let (server, addr) = server();
    let clients = server.clients();
    let stop = server.shutdown_handle();
    let serving = std::thread::spawn(move || {
        server.serve(
            |_request| Decision::accept(),
            |mut client| {
                while let Ok(message) = client.ws.recv() {
                    if message.is_text() {
                        client.clients.broadcast_except(client.id, message);
                    }
                }
            },
        )
    });
    let url = format!("ws://{addr}/");
    let mut alice = connect(&url);
    let mut bob = connect(&url);
    let mut carol = connect(&url);
    eventually("three clients tracked", || clients.len() == 3);

    alice.send("hello from alice").unwrap();
    assert_eq!(next_text(&mut bob), "hello from alice");
    assert_eq!(next_text(&mut carol), "hello from alice");
    // Alice did not hear herself: the next thing she hears is carol.
    carol.send("carol here").unwrap();
    assert_eq!(next_text(&mut alice), "carol here");
    assert_eq!(next_text(&mut bob), "carol here");

    assert_eq!(clients.broadcast("to everyone"), 3);
    for ws in [&mut alice, &mut bob, &mut carol] {
        assert_eq!(next_text(ws), "to everyone");
    }

    stop.shutdown();
    join_within(serving);
}

#[test]
fn accept_rejects_with_401_and_hands_over_the_context() {
    let (server, addr) = server();
    let stop = server.shutdown_handle();
    let serving = std::thread::spawn(move || {
        server.serve(
            |request: &UpgradeRequest| match request.headers.get("Authorization") {
                Some("Bearer alice-token") => Verdict::accept("alice".to_string()),
                _ => Verdict::reject(401).with_header("WWW-Authenticate", "Bearer realm=\"chat\""),
            },
            |mut client| {
                let greeting = format!("hello {} on {}", client.context, client.request.path);
                let _ = client.ws.send(greeting);
                while client.ws.recv().is_ok() {}
            },
        )
    });
    let url = format!("ws://{addr}/chat");

    let refused = connect_with(&url, &ClientOptions::default()).unwrap_err();
    assert_eq!(refused.http_status(), Some(401), "{refused:?}");
    let (headers, _body) = refused.http_response().expect("the 401 response");
    assert_eq!(
        headers.get("WWW-Authenticate"),
        Some("Bearer realm=\"chat\"")
    );

    let right = ClientOptions::new().header("Authorization", "Bearer alice-token");
    let mut ws = connect_with(&url, &right).unwrap();
    assert_eq!(next_text(&mut ws), "hello alice on /chat");
    ws.close(CloseCode::NORMAL, "").unwrap();

    stop.shutdown();
    join_within(serving);
}

#[test]
fn heartbeat_drops_a_peer_that_never_answers() {
    let interval = Duration::from_millis(200);
    let (server, addr) = server();
    let server = server.heartbeat(interval);
    let clients = server.clients();
    let stop = server.shutdown_handle();
    let ended: Arc<Mutex<Vec<String>>> = Arc::default();
    let record = ended.clone();
    let serving = std::thread::spawn(move || {
        server.serve(
            |_request| Decision::accept(),
            move |mut client| {
                let why = loop {
                    match client.ws.recv() {
                        Ok(_) => continue,
                        Err(e) => break e.to_string(),
                    }
                };
                record.lock().unwrap().push(why);
            },
        )
    });
    let url = format!("ws://{addr}/");
    let mut live = connect(&url);
    let pings = Arc::new(Mutex::new(0usize));
    let counter = pings.clone();
    // Reading answers the pings.
    let live_thread = std::thread::spawn(move || {
        while let Ok(message) = live.read() {
            if message.is_ping() {
                *counter.lock().unwrap() += 1;
            }
        }
    });
    // Never reads, so never answers.
    let silent = connect(&url);
    eventually("two clients", || clients.len() == 2);

    eventually("the silent peer dropped", || {
        !ended.lock().unwrap().is_empty()
    });
    assert_eq!(
        *ended.lock().unwrap(),
        vec![Error::HeartbeatTimeout.to_string()]
    );
    std::thread::sleep(interval * 3);
    assert_eq!(clients.len(), 1);
    assert_eq!(ended.lock().unwrap().len(), 1);
    assert!(*pings.lock().unwrap() >= 3);
    drop(silent);

    stop.shutdown();
    join_within(serving);
    live_thread.join().unwrap();
}

#[test]
fn shutdown_sends_1001_and_returns_within_the_bound() {
    let (server, addr) = server();
    let server = server.shutdown_timeout(Duration::from_millis(300));
    let clients = server.clients();
    let stop = server.shutdown_handle();
    let serving = serve_receiving(server);
    let url = format!("ws://{addr}/");
    let mut polite = connect(&url);
    // Never reads, so never answers the close: the bound ends it.
    let _deaf = connect(&url);
    eventually("two clients", || clients.len() == 2);

    let started = Instant::now();
    stop.shutdown();
    match polite.read() {
        Ok(Message::Close(Some(frame))) => assert_eq!(frame.code, CloseCode::GOING_AWAY),
        other => panic!("expected a close frame with 1001, got {other:?}"),
    }
    join_within(serving);
    let took = started.elapsed();
    assert!(took < Duration::from_secs(3), "{took:?}");
    assert!(took >= Duration::from_millis(300), "it did wait: {took:?}");
    assert_eq!(clients.len(), 0);
    assert!(sockeye_std::connect(&url).is_err());
}

#[test]
fn without_tracking_nobody_is_listed() {
    let (server, addr) = server();
    let server = server.client_tracking(false);
    let clients = server.clients();
    let stop = server.shutdown_handle();
    let serving = std::thread::spawn(move || {
        server.serve(
            |_request| Decision::accept(),
            |mut client| {
                let _ = client.ws.send("welcome");
                while client.ws.recv().is_ok() {}
            },
        )
    });
    let mut ws = connect(&format!("ws://{addr}/"));
    assert_eq!(next_text(&mut ws), "welcome");
    assert_eq!(clients.len(), 0);
    assert_eq!(clients.broadcast("anyone?"), 0);
    stop.shutdown();
    match ws.read() {
        Ok(Message::Close(Some(frame))) => assert_eq!(frame.code, CloseCode::GOING_AWAY),
        other => panic!("expected a close frame with 1001, got {other:?}"),
    }
    join_within(serving);
}

#[test]
fn a_client_is_listed_before_its_upgrade_is_answered() {
    let (server, addr) = server();
    let clients = server.clients();
    let stop = server.shutdown_handle();
    let serving = serve_receiving(server);
    let url = format!("ws://{addr}/");
    for round in 0..20 {
        // `connect` returns once the 101 has been read: from then on the
        // client is listed, and a broadcast reaches it.
        let mut ws = connect(&url);
        assert_eq!(clients.len(), 1, "round {round}");
        assert_eq!(clients.broadcast("welcome"), 1, "round {round}");
        assert_eq!(next_text(&mut ws), "welcome");
        drop(ws);
        eventually("the client left", || clients.is_empty());
    }
    stop.shutdown();
    join_within(serving);
}

/// A client that never reads fills its socket; the thread writing to it
/// must not block there for good: with broadcasts still coming, the
/// mailbox's limit drops it (the heartbeat would too), and it leaves the
/// client list.
#[test]
fn a_client_that_never_reads_is_dropped_under_broadcast_traffic() {
    let (server, addr) = server();
    let server = server.broadcast_limit(1 << 20);
    let clients = server.clients();
    let stop = server.shutdown_handle();
    let serving = serve_receiving(server);
    let _silent = connect(&format!("ws://{addr}/"));
    eventually("the client is listed", || clients.len() == 1);
    let chunk = Message::binary(vec![1u8; 64 << 10]);
    let started = Instant::now();
    while clients.len() == 1 {
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "a client that never reads is still listed after 5 s"
        );
        clients.broadcast(chunk.clone());
        std::thread::sleep(Duration::from_millis(10));
    }
    stop.shutdown();
    join_within(serving);
}
