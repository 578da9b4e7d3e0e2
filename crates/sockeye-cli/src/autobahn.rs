//! `sockeye autobahn-client`: the client side of the Autobahn testsuite.
//!
//! Reads the case count from `/getCaseCount`, runs every case at
//! `/runCase?case=N&agent=A` echoing each message, then asks for
//! `/updateReports?agent=A`.

use crate::args::{Autobahn, Runtime};
use futures_util::{SinkExt, StreamExt};
use sockeye_std::{ClientOptions, Error, Message};

/// Limits generous enough for the 9.* cases (16 MiB messages).
fn options() -> ClientOptions {
    ClientOptions::new()
        .max_message_size(64 << 20)
        .max_frame_size(64 << 20)
}

pub fn run(args: &Autobahn) -> Result<(), String> {
    let base = args.url.trim_end_matches('/').to_string();
    let agent = query_value(&args.agent);
    let result = match args.runtime {
        Runtime::Std => run_std(&base, &agent),
        Runtime::Tokio => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(Error::Io)
            .and_then(|rt| rt.block_on(run_tokio(&base, &agent))),
        Runtime::AsyncStd => async_std::task::block_on(run_async_std(&base, &agent)),
    };
    result.map_err(|e| format!("autobahn client failed: {e}"))
}

/// `value` percent-encoded for a URL query (everything but RFC 3986's
/// unreserved characters), so an agent name with spaces, `&` or `#` stays
/// one parameter.
fn query_value(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                char::from(b).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

fn case_count(first: Option<Message>) -> Result<u32, Error> {
    first
        .and_then(|m| m.as_text().and_then(|t| t.trim().parse().ok()))
        .ok_or(Error::ConnectionClosed)
}

fn run_std(base: &str, agent: &str) -> Result<(), Error> {
    let (mut ws, _) = sockeye_std::connect_with(&format!("{base}/getCaseCount"), &options())?;
    let count = case_count(ws.read().ok())?;
    println!("autobahn: {count} cases (std)");
    for case in 1..=count {
        let url = format!("{base}/runCase?case={case}&agent={agent}");
        let Ok((mut ws, _)) = sockeye_std::connect_with(&url, &options()) else {
            continue;
        };
        loop {
            match ws.read() {
                Ok(m @ (Message::Text(_) | Message::Binary(_))) => {
                    if ws.send(m).is_err() {
                        break;
                    }
                }
                Ok(_) => {}
                Err(_) => break,
            }
        }
    }
    let (mut ws, _) =
        sockeye_std::connect_with(&format!("{base}/updateReports?agent={agent}"), &options())?;
    while ws.read().is_ok() {}
    Ok(())
}

async fn run_tokio(base: &str, agent: &str) -> Result<(), Error> {
    let (mut ws, _) =
        sockeye_tokio::connect_with(&format!("{base}/getCaseCount"), &options()).await?;
    let count = case_count(ws.recv().await.and_then(|r| r.ok()))?;
    println!("autobahn: {count} cases (tokio)");
    for case in 1..=count {
        let url = format!("{base}/runCase?case={case}&agent={agent}");
        let Ok((mut ws, _)) = sockeye_tokio::connect_with(&url, &options()).await else {
            continue;
        };
        while let Some(Ok(m)) = ws.next().await {
            if (m.is_text() || m.is_binary()) && ws.send(m).await.is_err() {
                break;
            }
        }
    }
    let (mut ws, _) =
        sockeye_tokio::connect_with(&format!("{base}/updateReports?agent={agent}"), &options())
            .await?;
    while let Some(Ok(_)) = ws.recv().await {}
    let _ = ws.flush().await;
    Ok(())
}

async fn run_async_std(base: &str, agent: &str) -> Result<(), Error> {
    let (mut ws, _) =
        sockeye_async_std::connect_with(&format!("{base}/getCaseCount"), &options()).await?;
    let count = case_count(ws.recv().await.and_then(|r| r.ok()))?;
    println!("autobahn: {count} cases (async-std)");
    for case in 1..=count {
        let url = format!("{base}/runCase?case={case}&agent={agent}");
        let Ok((mut ws, _)) = sockeye_async_std::connect_with(&url, &options()).await else {
            continue;
        };
        while let Some(Ok(m)) = ws.next().await {
            if (m.is_text() || m.is_binary()) && ws.send(m).await.is_err() {
                break;
            }
        }
    }
    let (mut ws, _) =
        sockeye_async_std::connect_with(&format!("{base}/updateReports?agent={agent}"), &options())
            .await?;
    while let Some(Ok(_)) = ws.recv().await {}
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::query_value;

    #[test]
    fn agent_names_are_escaped_for_the_query() {
        assert_eq!(query_value("sockeye-tokio_1.0~x"), "sockeye-tokio_1.0~x");
        assert_eq!(
            query_value("a b&case=1#x/é"),
            "a%20b%26case%3D1%23x%2F%C3%A9"
        );
    }
}
