//! Protocol version 8 (HyBi-08, `Sec-WebSocket-Origin`) end to end: every
//! adapter's client with `ClientOptions::version(V8)` against every
//! adapter's server, which must see version 8 and the origin.

use futures_util::StreamExt;
use sockeye_std::{ClientOptions, CloseCode, Decision, Message, ProtocolVersion, UpgradeRequest};
use std::net::TcpListener;
use std::time::Duration;

const ORIGIN: &str = "http://hybi.example";

/// What the server saw: the version and origin of the request, and the
/// message it echoed.
type Seen = (ProtocolVersion, Option<String>, Option<String>);

fn check(req: &UpgradeRequest) -> Decision {
    let v8 = req.version == ProtocolVersion::V8
        && req.headers.get("sec-websocket-origin") == Some(ORIGIN)
        && req.headers.get("origin").is_none();
    if v8 {
        Decision::accept()
    } else {
        Decision::reject(400)
    }
}

/// A one-connection echo server on `runtime`.
fn server(runtime: &'static str) -> (String, std::thread::JoinHandle<Seen>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("ws://{}/v8", listener.local_addr().unwrap());
    let handle = std::thread::spawn(move || {
        let mut seen = (ProtocolVersion::V13, None, None);
        let mut record = |req: &UpgradeRequest| {
            seen.0 = req.version;
            seen.1 = req.origin.clone();
            check(req)
        };
        match runtime {
            "std" => {
                let tcp = listener.accept().unwrap().0;
                let mut ws = sockeye_std::accept_with(tcp, &mut record).unwrap();
                let m = ws.read().unwrap();
                ws.send(m.clone()).unwrap();
                seen.2 = m.as_text().map(str::to_string);
                while ws.read().is_ok() {}
            }
            "tokio" => {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                rt.block_on(async {
                    listener.set_nonblocking(true).unwrap();
                    let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                    let tcp = listener.accept().await.unwrap().0;
                    let mut ws = sockeye_tokio::accept_with(tcp, &mut record).await.unwrap();
                    let m = ws.next().await.unwrap().unwrap();
                    ws.send(m.clone()).await.unwrap();
                    seen.2 = m.as_text().map(str::to_string);
                    while let Some(Ok(_)) = ws.next().await {}
                });
            }
            _ => async_std::task::block_on(async {
                let listener = async_std::net::TcpListener::from(listener);
                let tcp = listener.accept().await.unwrap().0;
                let mut ws = sockeye_async_std::accept_with(tcp, &mut record)
                    .await
                    .unwrap();
                let m = ws.next().await.unwrap().unwrap();
                ws.send(m.clone()).await.unwrap();
                seen.2 = m.as_text().map(str::to_string);
                while let Some(Ok(_)) = ws.next().await {}
            }),
        }
        seen
    });
    (url, handle)
}

fn client(runtime: &str, url: &str) {
    let options = ClientOptions::new()
        .version(ProtocolVersion::V8)
        .origin(ORIGIN)
        .handshake_timeout(Duration::from_secs(10));
    let text = format!("hybi-08 from {runtime}");
    match runtime {
        "std" => {
            let (mut ws, _) = sockeye_std::connect_with(url, &options).unwrap();
            ws.send(text.as_str()).unwrap();
            assert_eq!(ws.read().unwrap(), Message::text(text));
            ws.close(CloseCode::NORMAL, "").unwrap();
        }
        "tokio" => {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
                let (mut ws, _) = sockeye_tokio::connect_with(url, &options).await.unwrap();
                ws.send(text.as_str()).await.unwrap();
                assert_eq!(ws.recv().await.unwrap().unwrap(), Message::text(text));
                ws.close(CloseCode::NORMAL, "").await.unwrap();
            });
        }
        _ => async_std::task::block_on(async {
            let (mut ws, _) = sockeye_async_std::connect_with(url, &options)
                .await
                .unwrap();
            ws.send(text.as_str()).await.unwrap();
            assert_eq!(ws.recv().await.unwrap().unwrap(), Message::text(text));
            ws.close(CloseCode::NORMAL, "").await.unwrap();
        }),
    }
}

#[test]
fn version_8_between_every_client_and_every_server() {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for server_rt in ["std", "tokio", "async-std"] {
            for client_rt in ["std", "tokio", "async-std"] {
                let (url, handle) = server(server_rt);
                client(client_rt, &url);
                let (version, origin, echoed) = handle.join().unwrap();
                assert_eq!(version, ProtocolVersion::V8, "{client_rt} -> {server_rt}");
                assert_eq!(origin.as_deref(), Some(ORIGIN));
                assert_eq!(echoed, Some(format!("hybi-08 from {client_rt}")));
            }
        }
        tx.send(()).unwrap();
    });
    rx.recv_timeout(Duration::from_secs(60))
        .expect("every pair finished within 60 s");
}
