//! ws's "client authentication" recipe: an async check of the request's
//! token before the upgrade; 401 with `WWW-Authenticate` when it fails; the
//! authenticated user handed to the connection handler.
//!
//! `-- --self-test` tries without a token, with a wrong one and a good one.

use sockeye_tokio::{ClientOptions, Server, Verdict};
use std::net::SocketAddr;
use std::time::Duration;

/// Stands for an auth service or a database: async, and slow.
async fn lookup(token: Option<String>) -> Option<String> {
    tokio::time::sleep(Duration::from_millis(10)).await;
    match token?.strip_prefix("Bearer ")? {
        "alice-token" => Some("alice".into()),
        "bob-token" => Some("bob".into()),
        _ => None,
    }
}

/// Starts the server on `addr`.
pub async fn start(addr: &str) -> std::io::Result<(SocketAddr, tokio::task::JoinHandle<()>)> {
    let server = Server::bind(addr).await?;
    let local = server.local_addr()?;
    let task = tokio::spawn(async move {
        let accept = |request: &sockeye_tokio::UpgradeRequest| {
            // Copy what the check needs: the future must not borrow the request.
            let token = request.headers.get("Authorization").map(String::from);
            async move {
                match lookup(token).await {
                    Some(user) => Verdict::accept(user),
                    None => Verdict::reject(401)
                        .with_header("WWW-Authenticate", "Bearer")
                        .with_body("unknown token\n"),
                }
            }
        };
        let _ = server
            .serve(accept, |mut client| async move {
                let user: String = client.context;
                let _ = client.ws.send(format!("hello {user}")).await;
                while let Some(Ok(_)) = client.ws.recv().await {}
            })
            .await;
    });
    Ok((local, task))
}

/// Rejected without a token or with a bad one; welcomed by name otherwise.
pub async fn self_test() -> sockeye_tokio::Result<()> {
    let (addr, server) = start("127.0.0.1:0").await?;
    let url = format!("ws://{addr}/");
    let refused = sockeye_tokio::connect(&url).await.unwrap_err();
    assert_eq!(refused.http_status(), Some(401));
    let (headers, body) = refused.http_response().expect("the 401 response");
    assert_eq!(headers.get("www-authenticate"), Some("Bearer"));
    assert_eq!(body, b"unknown token\n");
    let wrong = ClientOptions::new().header("Authorization", "Bearer nope");
    let refused = sockeye_tokio::connect_with(&url, &wrong).await.unwrap_err();
    assert_eq!(refused.http_status(), Some(401));
    let good = ClientOptions::new().header("Authorization", "Bearer alice-token");
    let (mut ws, _) = sockeye_tokio::connect_with(&url, &good).await?;
    let hello = ws.recv().await.transpose()?.expect("a greeting");
    assert_eq!(hello.as_text(), Some("hello alice"));
    ws.close(sockeye_tokio::CloseCode::NORMAL, "").await?;
    server.abort();
    Ok(())
}

#[allow(dead_code)]
#[tokio::main]
async fn main() -> sockeye_tokio::Result<()> {
    if std::env::args().any(|a| a == "--self-test") {
        return self_test().await;
    }
    let (addr, server) = start("127.0.0.1:8080").await?;
    println!("ws://{addr}/ wants `Authorization: Bearer alice-token`");
    let _ = server.await;
    Ok(())
}
