//! Pings, pongs, closing handshakes and split halves.

mod common;

use common::{bounded, echo_server, listener, url};
use sockeye_tokio::{CloseCode, Message};
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_ping_gets_a_pong() {
    bounded(30, async {
        let addr = echo_server().await;
        let (mut ws, _) = sockeye_tokio::connect(&url(addr)).await.unwrap();
        ws.ping(&b"are you there"[..]).await.unwrap();
        match ws.recv().await {
            Some(Ok(Message::Pong(payload))) => assert_eq!(&payload[..], b"are you there"),
            other => panic!("unexpected {other:?}"),
        }
        // An unsolicited pong is simply received by the server.
        ws.pong(&b"heartbeat"[..]).await.unwrap();
        ws.close(CloseCode::NORMAL, "").await.unwrap();
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_ping_gets_an_automatic_pong() {
    bounded(30, async {
        let (listener, addr) = listener().await;
        let server = tokio::spawn(async move {
            let (stream, _) = listener.accept().await.unwrap();
            let mut ws = sockeye_tokio::accept(stream).await.unwrap();
            ws.ping(&b"server ping"[..]).await.unwrap();
            match ws.recv().await {
                Some(Ok(Message::Pong(payload))) => assert_eq!(&payload[..], b"server ping"),
                other => panic!("unexpected {other:?}"),
            }
            ws.close(CloseCode::NORMAL, "done").await.unwrap();
        });
        let (mut ws, _) = sockeye_tokio::connect(&url(addr)).await.unwrap();
        // The ping is returned too; its pong is already on its way.
        match ws.recv().await {
            Some(Ok(Message::Ping(payload))) => assert_eq!(&payload[..], b"server ping"),
            other => panic!("unexpected {other:?}"),
        }
        match ws.recv().await {
            Some(Ok(Message::Close(Some(frame)))) => assert_eq!(frame.code, CloseCode::NORMAL),
            other => panic!("unexpected {other:?}"),
        }
        assert!(ws.recv().await.is_none());
        server.await.unwrap();
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_initiated_close_carries_code_and_reason() {
    bounded(30, async {
        let (listener, addr) = listener().await;
        let server = tokio::spawn(async move {
            let (stream, _) = listener.accept().await.unwrap();
            let mut ws = sockeye_tokio::accept(stream).await.unwrap();
            match ws.recv().await {
                Some(Ok(Message::Close(Some(frame)))) => {
                    assert_eq!(frame.code, CloseCode(4000));
                    assert_eq!(frame.reason, "client is leaving");
                }
                other => panic!("unexpected {other:?}"),
            }
            assert!(ws.recv().await.is_none());
            assert_eq!(ws.state(), sockeye_tokio::proto::State::Closed);
        });
        let (mut ws, _) = sockeye_tokio::connect(&url(addr)).await.unwrap();
        ws.close(CloseCode(4000), "client is leaving")
            .await
            .unwrap();
        assert_eq!(ws.state(), sockeye_tokio::proto::State::Closed);
        assert!(ws.recv().await.is_none());
        assert!(matches!(
            ws.send("too late").await,
            Err(sockeye_tokio::Error::ConnectionClosed)
        ));
        server.await.unwrap();
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_initiated_close_carries_code_and_reason() {
    bounded(30, async {
        let (listener, addr) = listener().await;
        let server = tokio::spawn(async move {
            let (stream, _) = listener.accept().await.unwrap();
            let mut ws = sockeye_tokio::accept(stream).await.unwrap();
            ws.close(CloseCode(4001), "server is leaving")
                .await
                .unwrap();
            assert!(ws.recv().await.is_none());
        });
        let (mut ws, _) = sockeye_tokio::connect(&url(addr)).await.unwrap();
        match ws.recv().await {
            Some(Ok(Message::Close(Some(frame)))) => {
                assert_eq!(frame.code, CloseCode(4001));
                assert_eq!(frame.reason, "server is leaving");
            }
            other => panic!("unexpected {other:?}"),
        }
        assert!(ws.recv().await.is_none());
        server.await.unwrap();
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn close_times_out_when_the_peer_does_not_answer() {
    bounded(30, async {
        let (listener, addr) = listener().await;
        // A server that completes the handshake, then never reads again.
        let server = tokio::spawn(async move {
            let (stream, _) = listener.accept().await.unwrap();
            let ws = sockeye_tokio::accept(stream).await.unwrap();
            tokio::time::sleep(Duration::from_secs(5)).await;
            ws.terminate();
        });
        let options = sockeye_tokio::ClientOptions::new().close_timeout(Duration::from_millis(200));
        let (mut ws, _) = sockeye_tokio::connect_with(&url(addr), &options)
            .await
            .unwrap();
        let started = std::time::Instant::now();
        let result = ws.close(CloseCode::NORMAL, "").await;
        assert!(
            matches!(result, Err(sockeye_tokio::Error::CloseTimeout)),
            "{result:?}"
        );
        assert!(started.elapsed() < Duration::from_secs(3));
        server.abort();
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn split_reader_answers_pings_while_the_writer_sends() {
    bounded(60, async {
        const N: usize = 1000;
        let (listener, addr) = listener().await;
        let server = tokio::spawn(async move {
            let (stream, _) = listener.accept().await.unwrap();
            let mut ws = sockeye_tokio::accept(stream).await.unwrap();
            // Pings go out while the client's writer is busy; the client
            // answers only the latest of the pings it has not answered yet
            // (RFC 6455 §5.5.3), so wait for the pong to the latest one.
            // The last ping goes out after the 1,000th message, when only
            // the reader is left to answer it.
            ws.ping(&b"p0"[..]).await.unwrap();
            let mut awaiting = Some(b"p0".to_vec());
            let (mut texts, mut pongs) = (0, 0);
            while texts < N || awaiting.is_some() {
                match ws.recv().await {
                    Some(Ok(Message::Text(t))) => {
                        assert_eq!(t.as_str(), format!("m{texts}"));
                        texts += 1;
                        if texts % 100 == 0 {
                            let payload = format!("p{texts}").into_bytes();
                            ws.ping(payload.clone()).await.unwrap();
                            awaiting = Some(payload);
                        }
                    }
                    Some(Ok(Message::Pong(p))) => {
                        pongs += 1;
                        if awaiting.as_deref() == Some(&p[..]) {
                            awaiting = None;
                        }
                    }
                    other => panic!("unexpected {other:?}"),
                }
            }
            assert!(pongs >= 1);
            ws.close(CloseCode::NORMAL, "all received").await.unwrap();
        });

        let (ws, _) = sockeye_tokio::connect(&url(addr)).await.unwrap();
        let (mut reader, mut writer) = ws.split();
        let reading = tokio::spawn(async move {
            let mut pings = 0;
            loop {
                match reader.recv().await {
                    Some(Ok(Message::Ping(_))) => pings += 1,
                    Some(Ok(Message::Close(Some(frame)))) => {
                        assert_eq!(frame.reason, "all received");
                    }
                    None => break,
                    other => panic!("unexpected {other:?}"),
                }
            }
            (reader, pings)
        });
        let writing = tokio::spawn(async move {
            for i in 0..N {
                writer.send(format!("m{i}")).await.unwrap();
            }
            writer
        });
        let writer = writing.await.unwrap();
        let (reader, pings) = reading.await.unwrap();
        assert!(pings >= 2, "pings seen: {pings}");
        server.await.unwrap();
        let ws = reader.reunite(writer).unwrap();
        assert_eq!(ws.state(), sockeye_tokio::proto::State::Closed);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn split_writer_close_is_answered_through_the_reader() {
    use futures_util::{SinkExt, StreamExt};
    bounded(30, async {
        let addr = echo_server().await;
        let (ws, _) = sockeye_tokio::connect(&url(addr)).await.unwrap();
        let (mut reader, mut writer) = ws.split();
        writer.feed(Message::text("one")).await.unwrap();
        writer.feed(Message::text("two")).await.unwrap();
        SinkExt::flush(&mut writer).await.unwrap();
        assert_eq!(reader.next().await.unwrap().unwrap(), Message::text("one"));
        assert_eq!(reader.next().await.unwrap().unwrap(), Message::text("two"));
        writer.close(CloseCode(4002), "bye").await.unwrap();
        match reader.recv().await {
            Some(Ok(Message::Close(Some(frame)))) => assert_eq!(frame.code, CloseCode(4002)),
            other => panic!("unexpected {other:?}"),
        }
        assert!(reader.recv().await.is_none());

        // Halves of different connections do not reunite.
        let (other, _) = sockeye_tokio::connect(&url(addr)).await.unwrap();
        let (other_reader, other_writer) = other.split();
        let sockeye_tokio::ReuniteError(reader, other_writer) =
            reader.reunite(other_writer).unwrap_err();
        reader.reunite(writer).unwrap();
        other_reader.reunite(other_writer).unwrap();
    })
    .await;
}
