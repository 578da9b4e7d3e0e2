//! The two halves of a split connection share one transport: neither may
//! lose the other's wake-up (a close reply, the rest of a cancelled send),
//! and each gives up in time (the heartbeat shuts the transport down, the
//! writer's close is bounded). Also a server's shutdown against an upgrade
//! still being decided.

use bytes::Bytes;
use sockeye_tokio::proto::{Connection, Role};
use sockeye_tokio::{CloseCode, Config, Decision, Message, Server, WebSocketStream};
use std::time::Duration;
use tokio::io::DuplexStream;
use tokio::time::{sleep, timeout};

/// A client and a server over an in-memory pipe of `cap` bytes.
fn pair(cap: usize) -> (WebSocketStream<DuplexStream>, WebSocketStream<DuplexStream>) {
    let (a, b) = tokio::io::duplex(cap);
    let random = Some(sockeye_std::os_random());
    let client = Connection::open(Role::Client, Config::default(), random);
    let server = Connection::open(Role::Server, Config::default(), None);
    let limit = 1 << 20;
    let close_timeout = Duration::from_secs(5);
    (
        WebSocketStream::from_parts(a, client, limit, close_timeout),
        WebSocketStream::from_parts(b, server, limit, close_timeout),
    )
}

/// The peer closes while the writer waits on a full pipe: the reader gets
/// the Close, and its next `recv` ends once the reply went out, though no
/// timer wakes its task and the writer holds the transport's write wake-up.
#[tokio::test]
async fn the_reader_ends_after_the_peer_closes_while_the_writer_is_blocked() {
    let (client, mut server) = pair(1024);
    let (mut reader, mut writer) = client.split();
    let writing = tokio::spawn(async move {
        writer.send(Bytes::from(vec![7u8; 64 << 10])).await.unwrap();
        writer
    });
    sleep(Duration::from_millis(50)).await;
    server.send(Message::Close(None)).await.unwrap();
    let reading = tokio::spawn(async move {
        let first = reader.recv().await;
        assert!(matches!(first, Some(Ok(Message::Close(_)))), "{first:?}");
        let second = reader.recv().await;
        assert!(second.is_none(), "{second:?}");
    });
    sleep(Duration::from_millis(100)).await;
    let mut got = Vec::new();
    timeout(Duration::from_secs(3), async {
        while let Some(m) = server.recv().await {
            got.push(m.unwrap());
        }
    })
    .await
    .expect("the server never saw the close reply");
    assert_eq!(got.len(), 2);
    assert!(got[1].is_close(), "{:?}", got[1]);
    timeout(Duration::from_secs(3), writing)
        .await
        .unwrap()
        .unwrap();
    timeout(Duration::from_secs(3), reading)
        .await
        .expect("the reader's recv after the peer's Close never returned")
        .unwrap();
}

/// A writer's `send` dropped while the pipe is full (a timeout around it)
/// leaves the rest of its frame queued; the reader, still receiving,
/// writes it once the peer reads.
#[tokio::test]
async fn the_rest_of_a_cancelled_send_is_written_by_the_receiving_half() {
    let (client, mut server) = pair(1024);
    let (mut reader, mut writer) = client.split();
    let reading = tokio::spawn(async move { while let Some(Ok(_)) = reader.recv().await {} });
    sleep(Duration::from_millis(20)).await;
    let send = writer.send(Bytes::from(vec![7u8; 64 << 10]));
    assert!(timeout(Duration::from_millis(50), send).await.is_err());
    let got = timeout(Duration::from_secs(3), server.recv())
        .await
        .expect("the peer waits for the rest of a frame that stays queued");
    assert_eq!(got.unwrap().unwrap().len(), 64 << 10);
    reading.abort();
}

/// After a heartbeat timeout the transport is shut down, split or not: the
/// silent peer sees the end of the stream.
#[tokio::test]
async fn a_heartbeat_timeout_shuts_the_transport_down_split_or_not() {
    for split in [false, true] {
        let (mut client, mut server) = pair(1 << 16);
        client.set_heartbeat(Some(Duration::from_millis(100)));
        // The server is not polled: no pong comes back.
        let (ended, _halves) = if split {
            let (mut reader, writer) = client.split();
            let ended = timeout(Duration::from_secs(2), reader.recv()).await;
            (ended, Some((reader, writer)))
        } else {
            (timeout(Duration::from_secs(2), client.recv()).await, None)
        };
        let ended = ended.expect("no heartbeat timeout");
        assert!(
            matches!(ended, Some(Err(sockeye_tokio::Error::HeartbeatTimeout))),
            "{ended:?}"
        );
        let end = timeout(Duration::from_secs(1), async {
            while let Some(Ok(_)) = server.recv().await {}
        });
        assert!(end.await.is_ok(), "split {split}: the transport stays open");
    }
}

/// The writer's close gives up after the close timeout against a peer that
/// does not read, as the unsplit stream's does.
#[tokio::test]
async fn the_writers_close_is_bounded_by_the_close_timeout() {
    use futures_util::SinkExt;
    let (a, _peer) = tokio::io::duplex(1024);
    let conn = Connection::open(
        Role::Client,
        Config::default(),
        Some(sockeye_std::os_random()),
    );
    let client = WebSocketStream::from_parts(a, conn, 1 << 20, Duration::from_millis(200));
    let (_reader, mut writer) = client.split();
    writer
        .feed(Message::binary(vec![0u8; 64 << 10]))
        .await
        .unwrap();
    let closing = writer.close(CloseCode::NORMAL, "");
    let closed = timeout(Duration::from_secs(3), closing)
        .await
        .expect("close still pending after 3 s (close timeout 200 ms)");
    assert!(
        matches!(closed, Err(sockeye_tokio::Error::CloseTimeout)),
        "{closed:?}"
    );
}

/// What a client gets when the server shuts down 100 ms after it connects
/// and its accept callback takes `decide_ms`.
async fn shutdown_outcome(decide_ms: u64) -> String {
    let server = Server::bind("127.0.0.1:0")
        .await
        .unwrap()
        .shutdown_timeout(Duration::from_secs(2));
    let addr = server.local_addr().unwrap();
    let stop = server.shutdown_handle();
    let serving = tokio::spawn(server.serve(
        move |_request| async move {
            sleep(Duration::from_millis(decide_ms)).await;
            Decision::accept()
        },
        |mut client| async move { while let Some(Ok(_)) = client.ws.recv().await {} },
    ));
    let client = tokio::spawn(async move {
        match sockeye_tokio::connect(&format!("ws://{addr}/")).await {
            Err(e) => format!("refused: {:?}", e.http_status()),
            Ok((mut ws, _)) => match timeout(Duration::from_secs(5), ws.recv()).await {
                Ok(Some(Ok(Message::Close(Some(f))))) => format!("closed with {}", f.code),
                got => format!("connected, then {got:?}"),
            },
        }
    });
    sleep(Duration::from_millis(100)).await;
    stop.shutdown();
    let outcome = timeout(Duration::from_secs(8), client)
        .await
        .unwrap()
        .unwrap();
    timeout(Duration::from_secs(8), serving)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    outcome
}

/// A connected client gets 1001; one whose upgrade is still being decided
/// when the shutdown starts is refused with 503 (as ws answers an upgrade
/// that completes after `close()`), not connected and then dropped.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_closes_the_connected_and_refuses_the_undecided() {
    assert_eq!(shutdown_outcome(0).await, "closed with 1001");
    assert_eq!(shutdown_outcome(300).await, "refused: Some(503)");
}

/// A close frame the peer never answers, sent by the split writer or by
/// `send` on the whole stream: the waiting `recv` gives up after the close
/// timeout, as `close` does, instead of waiting forever.
#[tokio::test]
async fn an_unanswered_close_ends_the_wait_after_the_close_timeout() {
    for split in [true, false] {
        let (a, _silent_peer) = tokio::io::duplex(1 << 16);
        let random = Some(sockeye_std::os_random());
        let conn = Connection::open(Role::Client, Config::default(), random);
        let mut ws = WebSocketStream::from_parts(a, conn, 1 << 20, Duration::from_millis(200));
        let start = std::time::Instant::now();
        let got = if split {
            let (mut reader, mut writer) = ws.split();
            writer.close(CloseCode::NORMAL, "bye").await.unwrap();
            timeout(Duration::from_secs(3), reader.recv()).await
        } else {
            ws.send(Message::Close(None)).await.unwrap();
            timeout(Duration::from_secs(3), ws.recv()).await
        };
        let got = got.expect("recv still waiting after 3 s (close timeout 200 ms)");
        assert!(
            matches!(got, Some(Err(sockeye_tokio::Error::CloseTimeout))),
            "split {split}: {got:?}"
        );
        assert!(
            start.elapsed() < Duration::from_secs(1),
            "{:?}",
            start.elapsed()
        );
    }
}
