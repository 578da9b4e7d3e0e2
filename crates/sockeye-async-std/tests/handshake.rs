//! Opening handshakes: accept callbacks (reject, subprotocols, peer
//! address), `connect`/`connect_with`, and handshake timeouts, on
//! async-std and on smol.

mod common;

use common::{pair_with, Runtime};
use futures_util::future::join;
use sockeye_async_std::{
    accept, accept_with_options, connect, connect_with, ClientOptions, CloseCode, Decision, Error,
    Message, ServerOptions,
};
use std::time::Duration;

async fn reject_401<R: Runtime>() {
    let options = ClientOptions::new().header("Authorization", "Bearer wrong");
    let (client, server) = pair_with::<R>(options, |req| {
        assert_eq!(req.path, "/test");
        assert_eq!(req.headers.get("authorization"), Some("Bearer wrong"));
        Decision::reject(401)
            .with_header("WWW-Authenticate", "Bearer realm=\"sockeye\"")
            .with_body("bad token")
    })
    .await;
    assert!(
        matches!(server, Err(Error::Rejected { status: 401 })),
        "{server:?}"
    );
    let error = client.expect_err("the client must fail");
    assert_eq!(error.http_status(), Some(401), "{error:?}");
    let (headers, body) = error.http_response().expect("response");
    assert_eq!(
        headers.get("www-authenticate"),
        Some("Bearer realm=\"sockeye\"")
    );
    assert_eq!(body, b"bad token");
}
on_both_runtimes!(reject_401, Duration::from_secs(20));

async fn subprotocol_and_peer_addr<R: Runtime>() {
    let options = ClientOptions::new().protocol("chat.v1").protocol("chat.v2");
    let mut seen_peer = None;
    let (client, server) = pair_with::<R>(options, |req| {
        assert_eq!(req.protocols, ["chat.v1", "chat.v2"]);
        seen_peer = req.peer_addr;
        Decision::accept()
            .with_protocol("chat.v2")
            .with_header("X-Server", "sockeye")
    })
    .await;
    let (mut client, response) = client.unwrap();
    let mut server = server.unwrap();
    assert_eq!(response.protocol.as_deref(), Some("chat.v2"));
    assert_eq!(response.headers.get("x-server"), Some("sockeye"));
    // The callback saw the client's address, and so does the connection.
    let client_addr = R::local_addr(client.get_ref());
    assert_eq!(seen_peer, Some(client_addr));
    assert_eq!(server.peer_addr(), Some(client_addr));
    assert_eq!(client.peer_addr(), Some(R::local_addr(server.get_ref())));
    // And the connection works.
    join(async { client.send("hi").await.unwrap() }, async {
        assert_eq!(server.recv().await.unwrap().unwrap(), Message::text("hi"))
    })
    .await;
}
on_both_runtimes!(subprotocol_and_peer_addr, Duration::from_secs(20));

/// `connect` (over async-std's TcpStream, which runs under either
/// runtime) against a server of runtime `R`.
async fn connect_url<R: Runtime>() {
    let (listener, addr) = R::bind().await;
    let server = async {
        let mut ws = accept(R::accept(&listener).await).await.unwrap();
        let message = ws.recv().await.unwrap().unwrap();
        ws.send(message).await.unwrap();
        assert!(matches!(ws.recv().await, Some(Ok(Message::Close(_)))));
        assert!(ws.recv().await.is_none());
    };
    let client = async {
        let url = format!("ws://{addr}/path?query=1");
        let (mut ws, response) = connect(&url).await.unwrap();
        assert_eq!(response.status, 101);
        assert!(ws.get_ref().tcp().unwrap().nodelay().unwrap());
        ws.send(vec![1u8, 2, 3]).await.unwrap();
        assert_eq!(
            ws.recv().await.unwrap().unwrap(),
            Message::binary(vec![1u8, 2, 3])
        );
        ws.close(CloseCode::NORMAL, "").await.unwrap();
    };
    join(client, server).await;
    assert!(matches!(
        connect("http://127.0.0.1:1/").await,
        Err(Error::Url(_))
    ));
}
on_both_runtimes!(connect_url, Duration::from_secs(20));

/// A server that accepts TCP but never answers: `connect_with` gives up
/// after the handshake timeout.
async fn client_handshake_timeout<R: Runtime>() {
    let (listener, addr) = R::bind().await;
    let server = async {
        let stream = R::accept(&listener).await;
        async_io::Timer::after(Duration::from_secs(2)).await;
        drop(stream);
    };
    let client = async {
        let options = ClientOptions::new().handshake_timeout(Duration::from_millis(300));
        let started = std::time::Instant::now();
        let result = connect_with(&format!("ws://{addr}/"), &options).await;
        assert!(matches!(result, Err(Error::HandshakeTimeout)), "{result:?}");
        assert!(started.elapsed() < Duration::from_secs(2));
    };
    join(client, server).await;
}
on_both_runtimes!(client_handshake_timeout, Duration::from_secs(20));

/// A client that connects but never sends its request (slowloris): the
/// server gives up after its handshake timeout.
async fn server_handshake_timeout<R: Runtime>() {
    let (listener, addr) = R::bind().await;
    let server = async {
        let stream = R::accept(&listener).await;
        let options = ServerOptions::new().handshake_timeout(Duration::from_millis(300));
        let result = accept_with_options(stream, &options, |_| Decision::accept()).await;
        assert!(matches!(result, Err(Error::HandshakeTimeout)), "{result:?}");
    };
    let client = async {
        use futures_util::AsyncReadExt;
        let mut stream = R::connect(addr).await;
        // The server ends the connection.
        let mut buf = [0u8; 16];
        assert_eq!(stream.read(&mut buf).await.unwrap(), 0);
    };
    join(client, server).await;
}
on_both_runtimes!(server_handshake_timeout, Duration::from_secs(20));

/// A malformed request is answered with 400 before `accept` fails.
async fn bad_request<R: Runtime>() {
    let (listener, addr) = R::bind().await;
    let server = async {
        let result = accept(R::accept(&listener).await).await;
        assert!(matches!(result, Err(Error::Handshake(_))), "{result:?}");
    };
    let response = join(
        raw_request::<R>(addr, b"GET / HTTP/1.1\r\nHost x\r\n\r\n"),
        server,
    )
    .await
    .0;
    assert!(response.starts_with("HTTP/1.1 400"), "{response}");
}
on_both_runtimes!(bad_request, Duration::from_secs(20));

/// A plain HTTP request gets 426 by default, or what the server's
/// `http_handler` answers; `accept` then reports `Rejected`.
async fn plain_http<R: Runtime>() {
    let (listener, addr) = R::bind().await;
    let server = async {
        let result = accept(R::accept(&listener).await).await;
        assert!(
            matches!(result, Err(Error::Rejected { status: 426 })),
            "{result:?}"
        );
        let options = ServerOptions::new().http_handler(|req| {
            assert_eq!(req.path, "/health");
            Decision::respond(200).with_body("ok")
        });
        let stream = R::accept(&listener).await;
        let result = accept_with_options(stream, &options, |_| Decision::accept()).await;
        assert!(
            matches!(result, Err(Error::Rejected { status: 200 })),
            "{result:?}"
        );
    };
    let client = async {
        let plain = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n";
        let response = raw_request::<R>(addr, plain).await;
        assert!(response.starts_with("HTTP/1.1 426"), "{response}");
        let health = b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n";
        let response = raw_request::<R>(addr, health).await;
        assert!(response.starts_with("HTTP/1.1 200"), "{response}");
        assert!(response.ends_with("\r\n\r\nok"), "{response}");
    };
    join(client, server).await;
}
on_both_runtimes!(plain_http, Duration::from_secs(20));

/// Writes `request` on a new connection and reads the response to the end.
async fn raw_request<R: Runtime>(addr: std::net::SocketAddr, request: &[u8]) -> String {
    use futures_util::{AsyncReadExt, AsyncWriteExt};
    let mut stream = R::connect(addr).await;
    stream.write_all(request).await.unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.unwrap();
    String::from_utf8(response).unwrap()
}
