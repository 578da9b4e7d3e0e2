//! The `Server`: broadcasting, async authentication with a context,
//! heartbeats, client tracking and graceful shutdown, on async-std and on
//! smol (connection tasks spawned on the runtime under test).

mod common;

use common::{within, BoxFuture, Runtime};
use sockeye_async_std::{
    ClientOptions, CloseCode, Decision, Error, Message, Server, UpgradeRequest, Verdict,
};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A server on a free loopback port whose tasks run on `R`.
async fn server<R: Runtime>() -> (Server, SocketAddr) {
    let server = Server::bind("127.0.0.1:0")
        .await
        .unwrap()
        .shutdown_timeout(Duration::from_secs(1))
        .spawner(|task| R::detach(task));
    let addr = server.local_addr().unwrap();
    (server, addr)
}

async fn sleep(d: Duration) {
    async_io::Timer::after(d).await;
}

/// Waits until `done` holds, checking every 5 ms, failing after 5 s.
async fn eventually(what: &str, done: impl Fn() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(started.elapsed() < Duration::from_secs(5), "never: {what}");
        sleep(Duration::from_millis(5)).await;
    }
}

async fn next_text<S>(ws: &mut sockeye_async_std::WebSocketStream<S>) -> String
where
    S: futures_io::AsyncRead + futures_io::AsyncWrite + Unpin,
{
    match within(Duration::from_secs(5), ws.recv()).await {
        Some(Some(Ok(Message::Text(text)))) => text.to_string(),
        other => panic!("expected a text message, got {other:?}"),
    }
}

/// Serves in a task of `R`, accepting everyone; each handler only
/// receives until its connection ends.
fn serve_receiving<R: Runtime>(server: Server) -> BoxFuture<'static, std::io::Result<()>> {
    R::spawn(server.serve(
        |_request| async { Decision::accept() },
        |mut client| async move { while let Some(Ok(_)) = client.ws.recv().await {} },
    ))
}

async fn broadcast_reaches_all_but_the_sender<R: Runtime>() {
    let (server, addr) = server::<R>().await;
    let clients = server.clients();
    let stop = server.shutdown_handle();
    let serving = R::spawn(server.serve(
        |_request| async { Decision::accept() },
        |mut client| async move {
            while let Some(Ok(message)) = client.ws.recv().await {
                if message.is_text() {
                    client.clients.broadcast_except(client.id, message);
                }
            }
        },
    ));
    let url = format!("ws://{addr}/");
    let (mut alice, _) = sockeye_async_std::connect(&url).await.unwrap();
    let (mut bob, _) = sockeye_async_std::connect(&url).await.unwrap();
    let (mut carol, _) = sockeye_async_std::connect(&url).await.unwrap();
    eventually("three clients tracked", || clients.len() == 3).await;
    assert_eq!(clients.list().len(), 3);

    alice.send("hello from alice").await.unwrap();
    assert_eq!(next_text(&mut bob).await, "hello from alice");
    assert_eq!(next_text(&mut carol).await, "hello from alice");
    // Alice did not hear herself: the next thing she hears is carol.
    carol.send("carol here").await.unwrap();
    assert_eq!(next_text(&mut alice).await, "carol here");
    assert_eq!(next_text(&mut bob).await, "carol here");

    // From outside a handler: one encoding, three recipients.
    assert_eq!(clients.broadcast("to everyone"), 3);
    for ws in [&mut alice, &mut bob, &mut carol] {
        assert_eq!(next_text(ws).await, "to everyone");
    }
    // Control messages are not broadcast.
    assert_eq!(clients.broadcast(Message::Ping(Default::default())), 0);

    stop.shutdown();
    let served = within(Duration::from_secs(10), serving).await;
    served.expect("serve returned").unwrap();
}
on_both_runtimes!(
    broadcast_reaches_all_but_the_sender,
    Duration::from_secs(30)
);

async fn a_client_is_listed_before_its_upgrade_is_answered<R: Runtime>() {
    let (server, addr) = server::<R>().await;
    let clients = server.clients();
    let stop = server.shutdown_handle();
    let serving = serve_receiving::<R>(server);
    let url = format!("ws://{addr}/");
    for round in 0..20 {
        // `connect` returns once the 101 has been read: from then on the
        // client is listed, and a broadcast reaches it.
        let (mut ws, _) = sockeye_async_std::connect(&url).await.unwrap();
        assert_eq!(clients.len(), 1, "round {round}");
        assert_eq!(clients.broadcast("welcome"), 1, "round {round}");
        assert_eq!(next_text(&mut ws).await, "welcome");
        drop(ws);
        eventually("the client left", || clients.is_empty()).await;
    }
    stop.shutdown();
    let served = within(Duration::from_secs(10), serving).await;
    served.expect("serve returned").unwrap();
}
on_both_runtimes!(
    a_client_is_listed_before_its_upgrade_is_answered,
    Duration::from_secs(30)
);

/// An async accept callback: a token lookup that takes a while.
async fn authenticate(token: Option<String>) -> Verdict<String> {
    sleep(Duration::from_millis(10)).await;
    match token.as_deref() {
        Some("Bearer alice-token") => Verdict::accept("alice".to_string()),
        _ => Verdict::reject(401).with_header("WWW-Authenticate", "Bearer realm=\"chat\""),
    }
}

async fn async_accept_rejects_with_401_and_hands_over_the_context<R: Runtime>() {
    let (server, addr) = server::<R>().await;
    let stop = server.shutdown_handle();
    let serving = R::spawn(server.serve(
        |request: &UpgradeRequest| {
            authenticate(request.headers.get("Authorization").map(String::from))
        },
        |mut client| async move {
            let greeting = format!("hello {} on {}", client.context, client.request.path);
            let _ = client.ws.send(greeting).await;
            while let Some(Ok(_)) = client.ws.recv().await {}
        },
    ));
    let url = format!("ws://{addr}/chat");

    let refused = sockeye_async_std::connect(&url).await.unwrap_err();
    assert_eq!(refused.http_status(), Some(401), "{refused:?}");
    let (headers, _body) = refused.http_response().expect("the 401 response");
    assert_eq!(
        headers.get("WWW-Authenticate"),
        Some("Bearer realm=\"chat\"")
    );

    let wrong = ClientOptions::new().header("Authorization", "Bearer mallory-token");
    let refused = sockeye_async_std::connect_with(&url, &wrong)
        .await
        .unwrap_err();
    assert_eq!(refused.http_status(), Some(401));

    let right = ClientOptions::new().header("Authorization", "Bearer alice-token");
    let (mut ws, _) = sockeye_async_std::connect_with(&url, &right).await.unwrap();
    assert_eq!(next_text(&mut ws).await, "hello alice on /chat");
    ws.close(CloseCode::NORMAL, "").await.unwrap();

    stop.shutdown();
    within(Duration::from_secs(10), serving)
        .await
        .expect("serve returned")
        .unwrap();
}
on_both_runtimes!(
    async_accept_rejects_with_401_and_hands_over_the_context,
    Duration::from_secs(30)
);

async fn heartbeat_drops_a_peer_that_never_answers<R: Runtime>() {
    let interval = Duration::from_millis(200);
    let (server, addr) = server::<R>().await;
    let server = server.heartbeat(interval);
    let clients = server.clients();
    let stop = server.shutdown_handle();
    let ended: Arc<Mutex<Vec<String>>> = Arc::default();
    let record = ended.clone();
    let serving = R::spawn(server.serve(
        |_request| async { Decision::accept() },
        move |mut client| {
            let record = record.clone();
            async move {
                let why = loop {
                    match client.ws.recv().await {
                        Some(Ok(_)) => continue,
                        Some(Err(e)) => break e.to_string(),
                        None => break "closed".to_string(),
                    }
                };
                record.lock().unwrap().push(why);
            }
        },
    ));
    let url = format!("ws://{addr}/");
    let (mut live, _) = sockeye_async_std::connect(&url).await.unwrap();
    // Receiving answers the pings.
    let live_pings = Arc::new(Mutex::new(0usize));
    let counter = live_pings.clone();
    let live_task = R::spawn(async move {
        while let Some(Ok(message)) = live.recv().await {
            if message.is_ping() {
                *counter.lock().unwrap() += 1;
            }
        }
    });
    // Never receives, so never answers.
    let (silent, _) = sockeye_async_std::connect(&url).await.unwrap();
    eventually("two clients", || clients.len() == 2).await;

    eventually("the silent peer dropped", || {
        !ended.lock().unwrap().is_empty()
    })
    .await;
    assert_eq!(
        *ended.lock().unwrap(),
        vec![Error::HeartbeatTimeout.to_string()]
    );
    // The live one stays, pinged every interval.
    sleep(interval * 3).await;
    assert_eq!(clients.len(), 1);
    assert_eq!(ended.lock().unwrap().len(), 1);
    assert!(*live_pings.lock().unwrap() >= 3);
    drop(silent);

    stop.shutdown();
    within(Duration::from_secs(10), serving)
        .await
        .expect("serve returned")
        .unwrap();
    within(Duration::from_secs(5), live_task)
        .await
        .expect("the live client saw the shutdown");
}
on_both_runtimes!(
    heartbeat_drops_a_peer_that_never_answers,
    Duration::from_secs(30)
);

async fn shutdown_sends_1001_and_returns_within_the_bound<R: Runtime>() {
    let (server, addr) = server::<R>().await;
    let server = server.shutdown_timeout(Duration::from_millis(300));
    let clients = server.clients();
    let stop = server.shutdown_handle();
    let serving = serve_receiving::<R>(server);
    let url = format!("ws://{addr}/");
    let (mut polite, _) = sockeye_async_std::connect(&url).await.unwrap();
    // Never reads, so never answers the close: the bound ends it.
    let (_deaf, _) = sockeye_async_std::connect(&url).await.unwrap();
    eventually("two clients", || clients.len() == 2).await;

    let started = Instant::now();
    stop.shutdown();
    match within(Duration::from_secs(5), polite.recv()).await {
        Some(Some(Ok(Message::Close(Some(frame))))) => {
            assert_eq!(frame.code, CloseCode::GOING_AWAY)
        }
        other => panic!("expected a close frame with 1001, got {other:?}"),
    }
    within(Duration::from_secs(5), serving)
        .await
        .expect("serve returned within the bound")
        .unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert!(
        started.elapsed() >= Duration::from_millis(300),
        "it did wait for the deaf one"
    );
    assert_eq!(clients.len(), 0);
    assert!(sockeye_async_std::connect(&url).await.is_err());
}
on_both_runtimes!(
    shutdown_sends_1001_and_returns_within_the_bound,
    Duration::from_secs(30)
);

async fn without_tracking_nobody_is_listed<R: Runtime>() {
    let (server, addr) = server::<R>().await;
    let server = server.client_tracking(false);
    let clients = server.clients();
    let stop = server.shutdown_handle();
    let serving = R::spawn(server.serve(
        |_request| async { Decision::accept() },
        |mut client| async move {
            let _ = client.ws.send("welcome").await;
            while let Some(Ok(_)) = client.ws.recv().await {}
        },
    ));
    let (mut ws, _) = sockeye_async_std::connect(&format!("ws://{addr}/"))
        .await
        .unwrap();
    assert_eq!(next_text(&mut ws).await, "welcome");
    assert!(!clients.is_tracking());
    assert_eq!(clients.len(), 0);
    assert_eq!(clients.broadcast("anyone?"), 0);
    // Shutdown still closes untracked connections.
    stop.shutdown();
    match within(Duration::from_secs(5), ws.recv()).await {
        Some(Some(Ok(Message::Close(Some(frame))))) => {
            assert_eq!(frame.code, CloseCode::GOING_AWAY)
        }
        other => panic!("expected a close frame with 1001, got {other:?}"),
    }
    within(Duration::from_secs(10), serving)
        .await
        .expect("serve returned")
        .unwrap();
}
on_both_runtimes!(without_tracking_nobody_is_listed, Duration::from_secs(30));
