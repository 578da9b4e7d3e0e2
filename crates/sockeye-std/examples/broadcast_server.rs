//! ws's "broadcast" recipe with blocking sockets, a thread per connection:
//! a chat server that sends every message to all the other clients
//! (encoded once for all of them), tells the others who joined and greets
//! each client by the name its token maps to (401 without a known one),
//! pings every 30 s and drops peers that stop answering.
//!
//! `cargo run -p sockeye-std --example broadcast_server` serves on
//! 127.0.0.1:8080; connect with `?token=alice` or `?token=bob`.
//! `-- --self-test` runs three clients against it and exits.

use sockeye_std::{Message, Server, UpgradeRequest, Verdict, WebSocket};
use std::time::Duration;

/// Who a token belongs to.
fn lookup(request: &UpgradeRequest) -> Verdict<String> {
    let query = request.query.as_deref().unwrap_or("");
    match query.split('&').find_map(|kv| kv.strip_prefix("token=")) {
        Some(name @ ("alice" | "bob" | "carol")) => Verdict::accept(name.to_string()),
        _ => Verdict::reject(401).with_header("WWW-Authenticate", "Token"),
    }
}

/// The chat server, configured.
pub fn chat_server(addr: &str) -> std::io::Result<Server> {
    Ok(Server::bind(addr)?
        .heartbeat(Duration::from_secs(30))
        .shutdown_timeout(Duration::from_secs(1)))
}

/// Serves the chat until the server's shutdown handle is used.
pub fn run(server: Server) -> std::io::Result<()> {
    server.serve(lookup, |mut client| {
        let name = client.context.clone();
        client
            .clients
            .broadcast_except(client.id, format!("{name} joined"));
        // After the announcement: a client that reads its welcome knows
        // the others have been told.
        if client.ws.send(format!("welcome, {name}")).is_err() {
            return;
        }
        while let Ok(message) = client.ws.recv() {
            if let Some(text) = message.as_text() {
                // To everyone else; `broadcast` would include the sender.
                client
                    .clients
                    .broadcast_except(client.id, format!("{name}: {text}"));
            }
        }
    })
}

fn next_text<S: sockeye_std::Transport>(ws: &mut WebSocket<S>) -> sockeye_std::Result<String> {
    match ws.read()? {
        Message::Text(text) => Ok(text.to_string()),
        other => panic!("expected text, got {other:?}"),
    }
}

/// Three clients and an intruder: what one says, the other two hear, and
/// it does not; a client without a known token gets 401.
pub fn self_test() -> sockeye_std::Result<()> {
    let server = chat_server("127.0.0.1:0")?;
    let addr = server.local_addr()?;
    let stop = server.shutdown_handle();
    let clients = server.clients();
    let serving = std::thread::spawn(move || run(server));
    let connect = |token: &str| -> sockeye_std::Result<_> {
        let (mut ws, _) = sockeye_std::connect(&format!("ws://{addr}/?token={token}"))?;
        sockeye_std::Transport::set_read_timeout(ws.get_mut(), Some(Duration::from_secs(5)))?;
        Ok(ws)
    };
    let refused = connect("mallory").unwrap_err();
    assert_eq!(refused.http_status(), Some(401));
    // A client's welcome comes after the others were told it joined (and
    // after it was registered, so it hears who joins next): wait for it
    // before the next one connects.
    let join = |token: &str| -> sockeye_std::Result<_> {
        let mut ws = connect(token)?;
        assert_eq!(next_text(&mut ws)?, format!("welcome, {token}"));
        Ok(ws)
    };
    let mut alice = join("alice")?;
    let mut bob = join("bob")?;
    assert_eq!(next_text(&mut alice)?, "bob joined");
    let mut carol = join("carol")?;
    assert_eq!(next_text(&mut alice)?, "carol joined");
    assert_eq!(next_text(&mut bob)?, "carol joined");
    assert_eq!(clients.len(), 3);
    alice.send("hello")?;
    assert_eq!(next_text(&mut bob)?, "alice: hello");
    assert_eq!(next_text(&mut carol)?, "alice: hello");
    // Alice did not hear herself: the next thing she hears is carol.
    carol.send("hi all")?;
    assert_eq!(next_text(&mut alice)?, "carol: hi all");
    stop.shutdown();
    for mut ws in [alice, bob, carol] {
        // The server closes with 1001; reading answers it.
        while ws.read().is_ok() {}
    }
    serving.join().expect("the server thread")?;
    Ok(())
}

#[allow(dead_code)]
fn main() -> sockeye_std::Result<()> {
    if std::env::args().any(|a| a == "--self-test") {
        return self_test();
    }
    let server = chat_server("127.0.0.1:8080")?;
    println!("chat on ws://{}/?token=alice", server.local_addr()?);
    run(server)?;
    Ok(())
}
