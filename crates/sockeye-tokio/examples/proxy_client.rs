//! A client through a proxy: HTTP CONNECT or SOCKS5, given on the command
//! line (`http://user:pass@host:port`, `socks5://user:pass@host:port`) or
//! taken from the environment (HTTPS_PROXY, HTTP_PROXY, ALL_PROXY,
//! NO_PROXY). Sends a message and prints the reply.
//!
//! ```sh
//! cargo run -p sockeye-tokio --example proxy_client -- ws://echo.local/ socks5://me:pw@127.0.0.1:1080
//! HTTPS_PROXY=http://127.0.0.1:3128 cargo run -p sockeye-tokio --features rustls --example proxy_client -- wss://echo.local/
//! ```

use sockeye_std::proxy::Proxy;
use sockeye_tokio::{ClientOptions, CloseCode, Message};

/// Connects to `url` through `proxy` (or the environment's), sends `text`
/// and returns the reply.
pub async fn run(url: &str, proxy: Option<&str>, text: &str) -> sockeye_tokio::Result<String> {
    let options = match proxy {
        Some(proxy) => ClientOptions::new().proxy(Proxy::parse(proxy)?),
        None => ClientOptions::new().proxy_from_env(),
    };
    let (mut ws, _response) = sockeye_tokio::connect_with(url, &options).await?;
    ws.send(text).await?;
    let reply = match ws.recv().await {
        Some(Ok(Message::Text(reply))) => reply.to_string(),
        Some(Ok(other)) => format!("{other:?}"),
        Some(Err(e)) => return Err(e),
        None => String::new(),
    };
    ws.close(CloseCode::NORMAL, "done").await?;
    Ok(reply)
}

#[allow(dead_code)] // the tests call `run`, not `main`
#[tokio::main(flavor = "current_thread")]
async fn main() -> sockeye_tokio::Result<()> {
    let mut args = std::env::args().skip(1);
    let url = args.next().unwrap_or_else(|| "ws://127.0.0.1:9001/".into());
    let proxy = args.next();
    println!(
        "{}",
        run(&url, proxy.as_deref(), "hello through a proxy").await?
    );
    Ok(())
}
