//! sockeye from an axum handler: one `Router` serves a plain page at `/`
//! and an echo WebSocket (permessage-deflate on) at `/ws`, on one port.
//! axum hands the handler the whole request, whose `OnUpgrade` hyper put
//! there; `sockeye_tokio::hyper::upgrade` takes it as it is.
//!
//! `cargo run -p sockeye-tokio --features hyper --example axum_upgrade`

use axum::extract::{Request, State};
use axum::routing::get;
use axum::Router;
use http_body_util::Full;
use hyper::Response;
use sockeye_tokio::hyper::upgrade;
use sockeye_tokio::{default_deflate, Bytes, Decision, ServerOptions};
use std::net::SocketAddr;
use std::sync::Arc;

/// The WebSocket route: upgrades and echoes, or answers with the HTTP
/// error (a plain GET gets 426 Upgrade Required).
async fn websocket(
    State(options): State<Arc<ServerOptions>>,
    mut req: Request,
) -> Response<Full<Bytes>> {
    let (response, pending) = match upgrade(&mut req, &options, |_| Decision::accept()) {
        Ok(accepted) => accepted,
        Err(refused) => return refused.into_response(),
    };
    tokio::spawn(async move {
        let mut ws = pending.await?;
        while let Some(message) = ws.recv().await {
            let message = message?;
            if message.is_text() || message.is_binary() {
                ws.send(message).await?;
            }
        }
        Ok::<_, sockeye_tokio::Error>(())
    });
    response
}

/// The application: a plain route and the WebSocket route.
pub fn app(options: ServerOptions) -> Router {
    Router::new()
        .route("/", get(|| async { "plain HTTP from axum\n" }))
        .route("/ws", get(websocket))
        .with_state(Arc::new(options))
}

/// Serves [`app`] on `addr` with axum, with permessage-deflate on.
pub async fn start(addr: &str) -> std::io::Result<(SocketAddr, tokio::task::JoinHandle<()>)> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    let app = app(ServerOptions::new().deflate(Some(default_deflate())));
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok((local, task))
}

#[allow(dead_code)]
#[tokio::main]
async fn main() -> std::io::Result<()> {
    let (addr, server) = start("127.0.0.1:8080").await?;
    println!("http://{addr}/ and ws://{addr}/ws");
    let _ = server.await;
    Ok(())
}
