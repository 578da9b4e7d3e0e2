//! Pings, pongs and the closing handshake in both directions, on async-std
//! and on smol.

mod common;

use common::{pair, pair_with, Runtime};
use futures_util::future::join;
use sockeye_async_std::{Bytes, ClientOptions, CloseCode, Decision, Error, Message, State};
use std::time::Duration;

async fn ping_pong<R: Runtime>() {
    let (mut client, mut server) = pair::<R>().await;
    // Client pings: the server sees the ping and answers it by itself.
    let client_side = async {
        client.ping(&b"from client"[..]).await.unwrap();
        assert_eq!(
            client.recv().await.unwrap().unwrap(),
            Message::Pong(Bytes::from_static(b"from client"))
        );
        // Server pings: answered while the client waits for the next message.
        assert_eq!(
            client.recv().await.unwrap().unwrap(),
            Message::Ping(Bytes::from_static(b"from server"))
        );
        // An unsolicited pong goes through as such.
        client.pong(&b"heartbeat"[..]).await.unwrap();
        assert_eq!(client.recv().await.unwrap().unwrap(), Message::text("end"));
    };
    let server_side = async {
        assert_eq!(
            server.recv().await.unwrap().unwrap(),
            Message::Ping(Bytes::from_static(b"from client"))
        );
        server.ping(&b"from server"[..]).await.unwrap();
        assert_eq!(
            server.recv().await.unwrap().unwrap(),
            Message::Pong(Bytes::from_static(b"from server"))
        );
        assert_eq!(
            server.recv().await.unwrap().unwrap(),
            Message::Pong(Bytes::from_static(b"heartbeat"))
        );
        server.send("end").await.unwrap();
    };
    join(client_side, server_side).await;
    // Too long a ping is refused before anything is sent.
    assert!(matches!(
        client.ping(vec![0u8; 126]).await,
        Err(Error::Send(_))
    ));
    assert_eq!(client.state(), State::Open);
}
on_both_runtimes!(ping_pong, Duration::from_secs(20));

fn expect_close(
    message: Option<sockeye_async_std::Result<Message>>,
    code: CloseCode,
    reason: &str,
) {
    match message {
        Some(Ok(Message::Close(Some(frame)))) => {
            assert_eq!(frame.code, code);
            assert_eq!(frame.reason.as_str(), reason);
        }
        other => panic!("expected close {code:?} {reason:?}, got {other:?}"),
    }
}

async fn client_closes<R: Runtime>() {
    let (mut client, mut server) = pair::<R>().await;
    let client_side = async {
        client.send("last words").await.unwrap();
        client
            .close(CloseCode(4001), "client is leaving")
            .await
            .unwrap();
        assert_eq!(client.state(), State::Closed);
        assert!(client.recv().await.is_none());
        assert!(matches!(
            client.send("too late").await,
            Err(Error::ConnectionClosed)
        ));
    };
    let server_side = async {
        assert_eq!(
            server.recv().await.unwrap().unwrap(),
            Message::text("last words")
        );
        expect_close(server.recv().await, CloseCode(4001), "client is leaving");
        assert!(server.recv().await.is_none());
        assert_eq!(server.state(), State::Closed);
        // Closing again after the peer closed just finishes.
        server.close(CloseCode::NORMAL, "").await.unwrap();
    };
    join(client_side, server_side).await;
}
on_both_runtimes!(client_closes, Duration::from_secs(20));

async fn server_closes<R: Runtime>() {
    let (mut client, mut server) = pair::<R>().await;
    let client_side = async {
        assert_eq!(
            client.recv().await.unwrap().unwrap(),
            Message::text("bye soon")
        );
        expect_close(
            client.recv().await,
            CloseCode::GOING_AWAY,
            "server shutting down",
        );
        assert!(client.recv().await.is_none());
        assert_eq!(client.state(), State::Closed);
        client.close(CloseCode::NORMAL, "").await.unwrap();
    };
    let server_side = async {
        server.send("bye soon").await.unwrap();
        server
            .close(CloseCode::GOING_AWAY, "server shutting down")
            .await
            .unwrap();
        assert_eq!(server.state(), State::Closed);
    };
    join(client_side, server_side).await;
}
on_both_runtimes!(server_closes, Duration::from_secs(20));

/// Closing with no code sends an empty close frame, reported as 1005.
async fn sink_close<R: Runtime>() {
    use futures_util::SinkExt;
    let (mut client, mut server) = pair::<R>().await;
    let client_side = async {
        client.send(Message::text("x")).await.unwrap();
        SinkExt::close(&mut client).await.unwrap();
        expect_close(client.recv().await, CloseCode::NO_STATUS, "");
        assert!(client.recv().await.is_none());
    };
    let server_side = async {
        assert_eq!(server.recv().await.unwrap().unwrap(), Message::text("x"));
        match server.recv().await {
            Some(Ok(Message::Close(None))) => {}
            Some(Ok(Message::Close(Some(frame)))) => assert_eq!(frame.code, CloseCode::NO_STATUS),
            other => panic!("{other:?}"),
        }
        assert!(server.recv().await.is_none());
    };
    join(client_side, server_side).await;
}
on_both_runtimes!(sink_close, Duration::from_secs(20));

/// A peer that never answers the close frame: `close` gives up after the
/// close timeout.
async fn close_timeout<R: Runtime>() {
    let options = ClientOptions::new().close_timeout(Duration::from_millis(300));
    let (client, server) = pair_with::<R>(options, |_| Decision::accept()).await;
    let (mut client, _) = client.unwrap();
    let _server = server.unwrap(); // never read from
    let started = std::time::Instant::now();
    assert!(matches!(
        client.close(CloseCode::NORMAL, "").await,
        Err(Error::CloseTimeout)
    ));
    assert!(started.elapsed() >= Duration::from_millis(250));
}
on_both_runtimes!(close_timeout, Duration::from_secs(20));

/// `terminate` ends the transport without a closing handshake: the peer
/// sees an abnormal closure.
async fn terminate<R: Runtime>() {
    let (client, mut server) = pair::<R>().await;
    client.terminate();
    match server.recv().await {
        Some(Err(e)) => assert_eq!(e.close_code(), Some(CloseCode::ABNORMAL), "{e:?}"),
        other => panic!("{other:?}"),
    }
}
on_both_runtimes!(terminate, Duration::from_secs(20));
