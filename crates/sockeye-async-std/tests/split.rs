//! A split connection: the reader and the writer in separate tasks, the
//! reader answering the server's pings while the writer sends, on
//! async-std and on smol.

mod common;

use common::{pair, Runtime};
use sockeye_async_std::{CloseCode, Message, State};
use std::time::Duration;

const MESSAGES: usize = 1000;
const PING_EVERY: usize = 50;

async fn split_halves<R: Runtime>() {
    let (client, mut server) = pair::<R>().await;
    let (mut reader, mut writer) = client.split();
    let writer_task = R::spawn(async move {
        for i in 0..MESSAGES {
            writer.send(format!("message {i}")).await.unwrap();
        }
        writer
    });
    let reader_task = R::spawn(async move {
        let mut pings = Vec::new();
        let mut close = None;
        while let Some(message) = reader.recv().await {
            match message.unwrap() {
                Message::Ping(p) => pings.push(p),
                Message::Close(frame) => close = frame,
                other => panic!("unexpected {other:?}"),
            }
        }
        (reader, pings, close)
    });

    // The server checks the order and pings now and then; the reader must
    // answer (the writer is busy with its own messages).
    let mut received = 0;
    let mut last_ping = 0;
    let mut pongs: Vec<usize> = Vec::new();
    while received < MESSAGES || pongs.last() != Some(&last_ping) {
        match server.recv().await.unwrap().unwrap() {
            Message::Text(text) => {
                assert_eq!(text.as_str(), format!("message {received}"));
                received += 1;
                if received % PING_EVERY == 0 {
                    last_ping = received;
                    server.ping(received.to_string()).await.unwrap();
                }
            }
            Message::Pong(p) => pongs.push(std::str::from_utf8(&p).unwrap().parse().unwrap()),
            other => panic!("unexpected {other:?}"),
        }
    }
    // Pongs answer pings in order (a ping overtaken by a newer one before
    // its pong was written may go unanswered, RFC 6455 §5.5.3).
    assert!(pongs.windows(2).all(|w| w[0] < w[1]), "{pongs:?}");
    server.close(CloseCode::NORMAL, "done").await.unwrap();

    let writer = writer_task.await;
    let (reader, pings, close) = reader_task.await;
    assert_eq!(pings.len(), MESSAGES / PING_EVERY);
    let close = close.expect("close frame");
    assert_eq!(
        (close.code, close.reason.as_str()),
        (CloseCode::NORMAL, "done")
    );
    let ws = reader.reunite(writer).expect("same connection");
    assert_eq!(ws.state(), State::Closed);
}
on_both_runtimes!(split_halves, Duration::from_secs(60));

/// The writer closes; the reader sees the server's reply and ends.
async fn writer_closes<R: Runtime>() {
    let (client, mut server) = pair::<R>().await;
    let (mut reader, mut writer) = client.split();
    let reader_task = R::spawn(async move {
        let mut messages = Vec::new();
        while let Some(message) = reader.recv().await {
            messages.push(message.unwrap());
        }
        messages
    });
    let server_task = R::spawn(async move {
        server.send("hello").await.unwrap();
        let mut seen = Vec::new();
        while let Some(message) = server.recv().await {
            seen.push(message.unwrap());
        }
        seen
    });
    writer.send("from writer").await.unwrap();
    writer.close(CloseCode(4100), "writer done").await.unwrap();
    let messages = reader_task.await;
    assert_eq!(messages[0], Message::text("hello"));
    assert!(matches!(&messages[1], Message::Close(Some(f)) if f.code == CloseCode(4100)));
    let seen = server_task.await;
    assert_eq!(seen[0], Message::text("from writer"));
    assert!(matches!(&seen[1], Message::Close(Some(f)) if f.reason.as_str() == "writer done"));
}
on_both_runtimes!(writer_closes, Duration::from_secs(20));
