//! Messages of every size class, in order, both kinds, over real TCP.

mod common;

use common::{bounded, echo_server, pattern, text_pattern, url};
use futures_util::SinkExt;
use sockeye_tokio::{ClientOptions, CloseCode, Message};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn echoes_text_and_binary_of_every_size_class() {
    bounded(120, async {
        let addr = echo_server().await;
        let (mut ws, _) = sockeye_tokio::connect(&url(addr)).await.unwrap();
        for (i, len) in [0usize, 125, 126, 65535, 65536, 16 << 20]
            .into_iter()
            .enumerate()
        {
            let data = pattern(len, i as u64);
            ws.send(data.clone()).await.unwrap();
            match ws.recv().await {
                Some(Ok(Message::Binary(got))) => {
                    assert_eq!(got.len(), len);
                    assert!(got[..] == data[..], "binary of {len} bytes differs");
                }
                other => panic!("binary {len}: unexpected {other:?}"),
            }

            let text = text_pattern(len, i as u64 + 100);
            ws.send(text.as_str()).await.unwrap();
            match ws.recv().await {
                Some(Ok(Message::Text(got))) => {
                    assert_eq!(got.len(), len);
                    assert!(got.as_str() == text, "text of {len} bytes differs");
                }
                other => panic!(
                    "text {len}: unexpected {:?}",
                    other.map(|m| m.map(|m| m.len()))
                ),
            }
        }
        ws.close(CloseCode::NORMAL, "").await.unwrap();
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_pipelined_messages_arrive_in_order() {
    bounded(60, async {
        let addr = echo_server().await;
        let (mut ws, _) = sockeye_tokio::connect(&url(addr)).await.unwrap();
        const N: usize = 10_000;
        for i in 0..N {
            let message = if i % 2 == 0 {
                Message::text(format!("message {i}"))
            } else {
                Message::binary(i.to_le_bytes().to_vec())
            };
            ws.feed(message).await.unwrap();
        }
        ws.flush().await.unwrap();
        for i in 0..N {
            match ws.recv().await {
                Some(Ok(Message::Text(t))) if i % 2 == 0 => {
                    assert_eq!(t.as_str(), format!("message {i}"))
                }
                Some(Ok(Message::Binary(b))) if i % 2 == 1 => assert_eq!(b[..], i.to_le_bytes()),
                other => panic!("message {i}: unexpected {other:?}"),
            }
        }
        ws.close(CloseCode::NORMAL, "").await.unwrap();
        assert!(ws.recv().await.is_none());
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stream_and_sink_traits_work_together() {
    use futures_util::StreamExt;
    bounded(30, async {
        let addr = echo_server().await;
        let options = ClientOptions::new().write_buffer_limit(64 << 10);
        let (mut ws, _) = sockeye_tokio::connect_with(&url(addr), &options)
            .await
            .unwrap();
        ws.send(Message::text("via sink")).await.unwrap();
        let got = ws.next().await.unwrap().unwrap();
        assert_eq!(got, Message::text("via sink"));
        // Sink::close sends a close frame; the echo server replies and ends.
        SinkExt::close(&mut ws).await.unwrap();
        match ws.next().await {
            Some(Ok(Message::Close(_))) => {}
            other => panic!("unexpected {other:?}"),
        }
        assert!(ws.next().await.is_none());
    })
    .await;
}
