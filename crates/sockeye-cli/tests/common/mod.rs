//! Servers on every runtime for the integration tests.

#![allow(dead_code)]

use futures_util::StreamExt;
use sockeye_std::{Message, ServerOptions};
use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;

/// The runtimes the adapters cover.
pub const RUNTIMES: [&str; 3] = ["std", "tokio", "async-std"];

/// Starts an echo server on `runtime` that serves connections until the
/// test process ends; returns its address.
pub fn echo_server(runtime: &str, options: ServerOptions) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let options = Arc::new(options);
    match runtime {
        "std" => {
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    let Ok(stream) = stream else { continue };
                    let options = options.clone();
                    std::thread::spawn(move || {
                        let Ok(mut ws) = sockeye_std::accept_with_options(stream, &options, |_| {
                            sockeye_std::Decision::accept()
                        }) else {
                            return;
                        };
                        while let Ok(m) = ws.read() {
                            if (m.is_text() || m.is_binary()) && ws.send(m).is_err() {
                                return;
                            }
                        }
                    });
                }
            });
        }
        "tokio" => {
            std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                rt.block_on(async move {
                    listener.set_nonblocking(true).unwrap();
                    let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                    loop {
                        let Ok((stream, _)) = listener.accept().await else {
                            continue;
                        };
                        let options = options.clone();
                        tokio::spawn(async move {
                            let Ok(mut ws) =
                                sockeye_tokio::accept_with_options(stream, &options, |_| {
                                    sockeye_std::Decision::accept()
                                })
                                .await
                            else {
                                return;
                            };
                            while let Some(Ok(m)) = ws.next().await {
                                if (m.is_text() || m.is_binary()) && ws.send(m).await.is_err() {
                                    return;
                                }
                            }
                        });
                    }
                })
            });
        }
        _ => {
            std::thread::spawn(move || {
                async_std::task::block_on(async move {
                    let listener = async_std::net::TcpListener::from(listener);
                    loop {
                        let Ok((stream, _)) = listener.accept().await else {
                            continue;
                        };
                        let options = options.clone();
                        async_std::task::spawn(async move {
                            let Ok(mut ws) =
                                sockeye_async_std::accept_with_options(stream, &options, |_| {
                                    sockeye_std::Decision::accept()
                                })
                                .await
                            else {
                                return;
                            };
                            while let Some(Ok(m)) = ws.next().await {
                                if (m.is_text() || m.is_binary()) && ws.send(m).await.is_err() {
                                    return;
                                }
                            }
                        });
                    }
                })
            });
        }
    }
    addr
}

/// Checks that a fresh, well-behaved client is served.
pub fn still_serves(addr: SocketAddr) {
    let (mut ws, _) =
        sockeye_std::connect(&format!("ws://{addr}/")).expect("a fresh client connects");
    ws.send("still there?").unwrap();
    assert_eq!(ws.read().unwrap(), Message::text("still there?"));
    ws.close(sockeye_std::CloseCode::NORMAL, "").unwrap();
}
