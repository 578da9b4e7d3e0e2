//! Cancel safety: `recv` futures dropped half way through a message (in a
//! select against a timer) lose nothing, on async-std and on smol.

mod common;

use common::{pair, payload, within, Runtime};
use futures_util::future::join;
use futures_util::AsyncWriteExt;
use sockeye_async_std::{Bytes, CloseCode, Message};
use std::time::Duration;

/// An unmasked server frame (FIN set) with `opcode` and `payload`.
fn server_frame(opcode: u8, payload: &[u8]) -> Vec<u8> {
    let mut frame = vec![0x80 | opcode];
    match payload.len() {
        n if n < 126 => frame.push(n as u8),
        n if n <= 0xffff => {
            frame.push(126);
            frame.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            frame.push(127);
            frame.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    frame.extend_from_slice(payload);
    frame
}

/// The server writes each frame in two halves with a pause between them,
/// longer than the client's timer: every message is interrupted at least
/// once. The text is split inside a multi-byte character.
async fn dropped_mid_message<R: Runtime>() {
    let (mut client, mut server) = pair::<R>().await;
    let text = "ünïcödé ".repeat(5000);
    let binary = payload(300_000, 7);
    let frames = [
        server_frame(0x1, text.as_bytes()),
        server_frame(0x2, &binary),
    ];
    let server_side = async {
        for frame in &frames {
            let (head, tail) = frame.split_at(frame.len() / 2 + 1);
            server.get_mut().write_all(head).await.unwrap();
            server.get_mut().flush().await.unwrap();
            async_io::Timer::after(Duration::from_millis(60)).await;
            server.get_mut().write_all(tail).await.unwrap();
            server.get_mut().flush().await.unwrap();
        }
        // The client's close, once it has both messages.
        assert!(matches!(server.recv().await, Some(Ok(Message::Close(_)))));
    };
    let client_side = async {
        let mut received = Vec::new();
        let mut dropped = 0;
        while received.len() < 2 {
            match within(Duration::from_millis(5), client.recv()).await {
                Some(message) => received.push(message.unwrap().unwrap()),
                None => dropped += 1,
            }
        }
        assert!(dropped >= 2, "only {dropped} receives were cancelled");
        assert_eq!(received[0], Message::text(text.clone()));
        assert_eq!(received[1], Message::Binary(Bytes::from(binary.clone())));
        client.close(CloseCode::NORMAL, "").await.unwrap();
    };
    join(server_side, client_side).await;
}
on_both_runtimes!(dropped_mid_message, Duration::from_secs(30));

/// Many large messages through the normal send path, received with a
/// timer so short that receives are cancelled all the time.
async fn select_loop<R: Runtime>() {
    const COUNT: usize = 40;
    let (mut client, mut server) = pair::<R>().await;
    let sizes: Vec<usize> = (0..COUNT).map(|i| 1 + i * 25_013 % 400_000).collect();
    let server_side = async {
        for (i, &len) in sizes.iter().enumerate() {
            server.send(payload(len, i as u8)).await.unwrap();
        }
        server.close(CloseCode::NORMAL, "sent all").await.unwrap();
    };
    let client_side = async {
        let mut received = 0;
        loop {
            let Some(next) = within(Duration::from_micros(200), client.recv()).await else {
                continue;
            };
            match next {
                Some(Ok(Message::Binary(data))) => {
                    assert_eq!(data[..], payload(sizes[received], received as u8)[..]);
                    received += 1;
                }
                Some(Ok(Message::Close(_))) => {}
                None => break,
                other => panic!("unexpected {other:?}"),
            }
        }
        assert_eq!(received, COUNT);
    };
    join(server_side, client_side).await;
}
on_both_runtimes!(select_loop, Duration::from_secs(60));
