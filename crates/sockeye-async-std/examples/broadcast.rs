//! ws's "broadcast" recipe on async-std or smol: a chat server that sends
//! every message to all the other clients (encoded once for all of them),
//! tells the others who joined and greets each client by the name its
//! token maps to (an async accept callback, 401 without a known token),
//! pings every 30 s and drops peers that stop answering.
//!
//! `cargo run -p sockeye-async-std --example broadcast` serves on
//! 127.0.0.1:8080 under async-std (`-- --smol` under smol); connect with
//! `?token=alice` or `?token=bob`. `-- --self-test` runs three clients
//! against it and exits.

use sockeye_async_std::{Message, Server, UpgradeRequest, Verdict};
use std::net::SocketAddr;
use std::time::Duration;

/// Who a token belongs to: an async lookup, as against a database.
async fn lookup(token: Option<String>) -> Verdict<String> {
    async_io::Timer::after(Duration::from_millis(5)).await;
    match token.as_deref() {
        Some(name @ ("alice" | "bob" | "carol")) => Verdict::accept(name.to_string()),
        _ => Verdict::reject(401).with_header("WWW-Authenticate", "Token"),
    }
}

fn token(request: &UpgradeRequest) -> Option<String> {
    let query = request.query.as_deref()?;
    let token = query.split('&').find_map(|kv| kv.strip_prefix("token="))?;
    Some(token.to_string())
}

/// The chat server, configured; `smol` picks the spawner.
pub async fn chat_server(addr: &str, smol: bool) -> std::io::Result<Server> {
    let server = Server::bind(addr)
        .await?
        .heartbeat(Duration::from_secs(30))
        .shutdown_timeout(Duration::from_secs(1));
    Ok(if smol {
        server.spawner(|task| smol::spawn(task).detach())
    } else {
        server
    })
}

/// Serves the chat until the server's shutdown handle is used.
pub async fn run(server: Server) -> std::io::Result<()> {
    server
        .serve(
            |request| lookup(token(request)),
            |mut client| async move {
                let name = client.context;
                client
                    .clients
                    .broadcast_except(client.id, format!("{name} joined"));
                // After the announcement: a client that reads its welcome
                // knows the others have been told.
                if client.ws.send(format!("welcome, {name}")).await.is_err() {
                    return;
                }
                while let Some(Ok(message)) = client.ws.recv().await {
                    if let Some(text) = message.as_text() {
                        // To everyone else; `broadcast` would include the sender.
                        client
                            .clients
                            .broadcast_except(client.id, format!("{name}: {text}"));
                    }
                }
            },
        )
        .await
}

async fn next_text<S>(
    ws: &mut sockeye_async_std::WebSocketStream<S>,
) -> sockeye_async_std::Result<String>
where
    S: futures_io::AsyncRead + futures_io::AsyncWrite + Unpin,
{
    match ws.recv().await.transpose()? {
        Some(Message::Text(text)) => Ok(text.to_string()),
        other => panic!("expected text, got {other:?}"),
    }
}

/// Three clients and an intruder: what one says, the other two hear, and
/// it does not; a client without a known token gets 401.
pub async fn self_test(smol: bool) -> sockeye_async_std::Result<()> {
    let server = chat_server("127.0.0.1:0", smol).await?;
    let addr: SocketAddr = server.local_addr()?;
    let stop = server.shutdown_handle();
    let clients = server.clients();
    let serving = async_std::task::spawn(run(server));
    let url = |token: &str| format!("ws://{addr}/?token={token}");
    let refused = sockeye_async_std::connect(&url("mallory"))
        .await
        .unwrap_err();
    assert_eq!(refused.http_status(), Some(401));
    // A client's welcome comes after the others were told it joined (and
    // after it was registered, so it hears who joins next): wait for it
    // before the next one connects.
    let join = |token: &'static str| {
        let url = url(token);
        async move {
            let (mut ws, _) = sockeye_async_std::connect(&url).await?;
            assert_eq!(next_text(&mut ws).await?, format!("welcome, {token}"));
            Ok::<_, sockeye_async_std::Error>(ws)
        }
    };
    let mut alice = join("alice").await?;
    let mut bob = join("bob").await?;
    assert_eq!(next_text(&mut alice).await?, "bob joined");
    let mut carol = join("carol").await?;
    assert_eq!(next_text(&mut alice).await?, "carol joined");
    assert_eq!(next_text(&mut bob).await?, "carol joined");
    assert_eq!(clients.len(), 3);
    alice.send("hello").await?;
    assert_eq!(next_text(&mut bob).await?, "alice: hello");
    assert_eq!(next_text(&mut carol).await?, "alice: hello");
    // Alice did not hear herself: the next thing she hears is carol.
    carol.send("hi all").await?;
    assert_eq!(next_text(&mut alice).await?, "carol: hi all");
    stop.shutdown();
    for mut ws in [alice, bob, carol] {
        // The server closes with 1001; receiving answers it.
        while let Some(Ok(_)) = ws.recv().await {}
    }
    serving.await?;
    Ok(())
}

#[allow(dead_code)]
fn main() -> sockeye_async_std::Result<()> {
    let smol = std::env::args().any(|a| a == "--smol");
    let self_test_mode = std::env::args().any(|a| a == "--self-test");
    let work = async move {
        if self_test_mode {
            return self_test(smol).await;
        }
        let server = chat_server("127.0.0.1:8080", smol).await?;
        println!("chat on ws://{}/?token=alice", server.local_addr()?);
        run(server).await?;
        Ok(())
    };
    if smol {
        smol::block_on(work)
    } else {
        async_std::task::block_on(work)
    }
}
