//! Cancel safety and backpressure.

mod common;

use common::{bounded, listener, pattern, slow_proxy, url};
use futures_util::SinkExt;
use sockeye_tokio::{CloseCode, Message, ServerOptions};
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recv_dropped_mid_message_loses_nothing() {
    bounded(120, async {
        const BIG: usize = 4 << 20;
        let (listener, addr) = listener().await;
        let server = tokio::spawn(async move {
            let (stream, _) = listener.accept().await.unwrap();
            let mut ws = sockeye_tokio::accept(stream).await.unwrap();
            for i in 0..3u64 {
                ws.send(pattern(BIG, i)).await.unwrap();
                ws.send(format!("small {i}")).await.unwrap();
            }
            ws.close(CloseCode::NORMAL, "").await.unwrap();
        });
        // Bytes reach the client 64 KiB at a time, a millisecond apart.
        let proxy = slow_proxy(addr, 64 << 10, Duration::from_millis(1)).await;
        let (mut ws, _) = sockeye_tokio::connect(&url(proxy)).await.unwrap();

        let mut received = Vec::new();
        let mut cancelled = 0usize;
        loop {
            tokio::select! {
                message = ws.recv() => match message {
                    Some(Ok(Message::Close(_))) => {}
                    Some(Ok(message)) => received.push(message),
                    Some(Err(e)) => panic!("{e}"),
                    None => break,
                },
                _ = tokio::time::sleep(Duration::from_millis(1)) => {
                    cancelled += 1;
                    continue;
                }
            }
        }
        assert_eq!(received.len(), 6);
        for i in 0..3u64 {
            let Message::Binary(data) = &received[2 * i as usize] else {
                panic!("message {} is not binary", 2 * i);
            };
            assert_eq!(data.len(), BIG);
            assert!(data[..] == pattern(BIG, i)[..], "large message {i} differs");
            assert_eq!(
                received[2 * i as usize + 1],
                Message::text(format!("small {i}"))
            );
        }
        assert!(cancelled > 10, "recv was dropped only {cancelled} times");
        server.await.unwrap();
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reader_that_never_reads_makes_the_sender_wait() {
    bounded(60, async {
        const LIMIT: usize = 256 << 10;
        const MESSAGE: usize = 64 << 10;
        let (listener, addr) = listener().await;
        let (done_tx, done_rx) = tokio::sync::oneshot::channel::<()>();
        let client = tokio::spawn(async move {
            let (ws, _) = sockeye_tokio::connect(&url(addr)).await.unwrap();
            // Hold the connection open without ever reading.
            let _ = done_rx.await;
            ws.terminate();
        });
        let (stream, _) = listener.accept().await.unwrap();
        let options = ServerOptions::new().write_buffer_limit(LIMIT);
        let mut ws = sockeye_tokio::accept_with_options(stream, &options, |_| {
            sockeye_tokio::Decision::accept()
        })
        .await
        .unwrap();

        let payload = bytes::Bytes::from(pattern(MESSAGE, 7));
        let mut queued = 0usize;
        let blocked = loop {
            assert!(queued < 10_000, "the sender never had to wait");
            let fed = tokio::time::timeout(
                Duration::from_millis(300),
                ws.feed(Message::Binary(payload.clone())),
            )
            .await;
            assert!(ws.connection().output_len() <= LIMIT + MESSAGE);
            match fed {
                Ok(result) => {
                    result.unwrap();
                    queued += 1;
                }
                Err(_elapsed) => break queued,
            }
        };
        assert!(blocked > 0);
        // `send` (which flushes) stays pending too, and memory stays bounded.
        let sent = tokio::time::timeout(Duration::from_millis(300), ws.send(payload.clone())).await;
        assert!(sent.is_err(), "send completed although nobody reads");
        assert!(ws.connection().output_len() <= LIMIT + MESSAGE);
        done_tx.send(()).unwrap();
        client.await.unwrap();
    })
    .await;
}
