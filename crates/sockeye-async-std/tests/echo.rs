//! Echo: every size class of frame length, text and binary, and a long
//! pipelined run of small messages, on async-std and on smol.

mod common;

use common::{pair, payload, Runtime};
use futures_util::future::join;
use futures_util::SinkExt;
use sockeye_async_std::{Bytes, CloseCode, Message, WebSocketStream};
use std::time::Duration;

/// Sends back every data message until the peer closes.
async fn echo<S>(mut ws: WebSocketStream<S>)
where
    S: futures_io::AsyncRead + futures_io::AsyncWrite + Unpin,
{
    while let Some(message) = ws.recv().await {
        let message = message.expect("server receive");
        if message.is_text() || message.is_binary() {
            ws.send(message).await.expect("server send");
        }
    }
}

const SIZES: [usize; 6] = [0, 125, 126, 65535, 65536, 16 << 20];

async fn echo_sizes<R: Runtime>() {
    let (mut client, server) = pair::<R>().await;
    let client_side = async move {
        for (i, &len) in SIZES.iter().enumerate() {
            let data = payload(len, i as u8);
            let text = String::from_utf8(data.clone()).unwrap();
            client.send(text.clone()).await.unwrap();
            match client.recv().await {
                Some(Ok(Message::Text(got))) => {
                    assert_eq!(got.len(), len);
                    assert!(got.as_str() == text, "text of {len} bytes differs");
                }
                other => panic!(
                    "expected text of {len} bytes, got {:?}",
                    other.map(|m| m.map(|m| m.len()))
                ),
            }
            client.send(Bytes::from(data.clone())).await.unwrap();
            match client.recv().await {
                Some(Ok(Message::Binary(got))) => {
                    assert_eq!(got.len(), len);
                    assert!(got[..] == data[..], "binary of {len} bytes differs");
                }
                other => panic!(
                    "expected binary of {len} bytes, got {:?}",
                    other.map(|m| m.map(|m| m.len()))
                ),
            }
        }
        client.close(CloseCode::NORMAL, "done").await.unwrap();
    };
    join(client_side, echo(server)).await;
}
on_both_runtimes!(echo_sizes, Duration::from_secs(120));

const PIPELINED: usize = 10_000;

async fn pipelined<R: Runtime>() {
    let (mut client, server) = pair::<R>().await;
    let client_side = async move {
        let (mut reader, mut writer) = (Vec::new(), 0usize);
        for i in 0..PIPELINED {
            writer += 1;
            client
                .feed(Message::text(format!("message {i}")))
                .await
                .unwrap();
        }
        client.flush().await.unwrap();
        while reader.len() < PIPELINED {
            match client.recv().await {
                Some(Ok(Message::Text(t))) => reader.push(t),
                other => panic!("unexpected {other:?}"),
            }
        }
        for (i, t) in reader.iter().enumerate() {
            assert_eq!(t.as_str(), format!("message {i}"));
        }
        assert_eq!(writer, PIPELINED);
        client.close(CloseCode::NORMAL, "").await.unwrap();
    };
    join(client_side, echo(server)).await;
}
on_both_runtimes!(pipelined, Duration::from_secs(60));
