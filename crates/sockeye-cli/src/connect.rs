//! `sockeye connect`: an interactive terminal client.

use crate::args::Connect;
use sockeye_std::{ClientOptions, CloseCode, CloseFrame, Error, Message};
use std::io::{BufRead, Write};

/// One line typed by the user.
#[derive(Debug, PartialEq)]
pub enum Input {
    Send(Message),
    Quit,
    Help,
}

/// Interprets a line: plain text, or a `/command`.
pub fn parse_line(line: &str) -> Result<Input, String> {
    let Some(cmd) = line.strip_prefix('/') else {
        return Ok(Input::Send(Message::text(line.to_string())));
    };
    let (name, rest) = cmd.split_once(' ').unwrap_or((cmd, ""));
    match name {
        "ping" => Ok(Input::Send(Message::Ping(rest.as_bytes().to_vec().into()))),
        "pong" => Ok(Input::Send(Message::Pong(rest.as_bytes().to_vec().into()))),
        "binary" => Ok(Input::Send(Message::binary(rest.as_bytes().to_vec()))),
        "close" => {
            let (code, reason) = rest.split_once(' ').unwrap_or((rest, ""));
            if code.is_empty() {
                return Ok(Input::Send(Message::Close(Some(CloseFrame::new(1000, "")))));
            }
            let code: u16 = code
                .parse()
                .map_err(|_| format!("/close takes a numeric code, not {code:?}"))?;
            Ok(Input::Send(Message::Close(Some(CloseFrame::new(
                code, reason,
            )))))
        }
        "quit" | "exit" => Ok(Input::Quit),
        "help" => Ok(Input::Help),
        "" => Ok(Input::Send(Message::text(line.to_string()))),
        other => Err(format!("unknown command /{other}; try /help")),
    }
}

const HELP: &str = "lines are sent as text; /ping [text], /pong [text], /binary <text>, /close [code] [reason], /quit";

/// Describes a received message for the terminal.
pub fn describe(m: &Message) -> String {
    match m {
        Message::Text(t) => format!("< {t}"),
        Message::Binary(b) => {
            let hex: Vec<String> = b.iter().take(32).map(|x| format!("{x:02x}")).collect();
            format!(
                "< binary ({} bytes): {}{}",
                b.len(),
                hex.join(" "),
                if b.len() > 32 { " …" } else { "" }
            )
        }
        Message::Ping(p) => format!("< ping {}", String::from_utf8_lossy(p)),
        Message::Pong(p) => format!("< pong {}", String::from_utf8_lossy(p)),
        Message::Close(Some(f)) => format!("< close {} {}", f.code, f.reason),
        Message::Close(None) => "< close".to_string(),
    }
}

pub fn run(args: &Connect) -> Result<(), String> {
    let mut options = ClientOptions::new();
    for p in &args.protocols {
        options = options.protocol(p.clone());
    }
    for (n, v) in &args.headers {
        options = options.header(n.clone(), v.clone());
    }
    if let Some(o) = &args.origin {
        options = options.origin(o.clone());
    }
    options = match &args.proxy {
        Some(p) => options
            .proxy(sockeye_std::proxy::Proxy::parse(p).map_err(|e| format!("--proxy {p}: {e}"))?),
        None => options.proxy_from_env(),
    };
    if let Some(file) = &args.ca {
        options = options.root_certificates(load_roots(file)?);
    }
    options = options.follow_redirects(args.follow_redirects);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    rt.block_on(session(args, options))
        .map_err(|e| explain(&args.url, e))
}

/// The certificates of a PEM file, as a root store.
fn load_roots(file: &str) -> Result<sockeye_std::tls::rustls::RootCertStore, String> {
    use sockeye_std::tls::rustls::pki_types::{pem::PemObject, CertificateDer};
    let mut roots = sockeye_std::tls::rustls::RootCertStore::empty();
    let certs = CertificateDer::pem_file_iter(file).map_err(|e| format!("--ca {file}: {e}"))?;
    for cert in certs {
        let cert = cert.map_err(|e| format!("--ca {file}: {e}"))?;
        roots.add(cert).map_err(|e| format!("--ca {file}: {e}"))?;
    }
    if roots.is_empty() {
        return Err(format!("--ca {file}: no certificate in the file"));
    }
    Ok(roots)
}

/// A message for a failed connection that says what to do.
fn explain(url: &str, e: Error) -> String {
    match &e {
        Error::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => {
            format!("cannot connect to {url}: connection refused (is the server running?)")
        }
        _ if e.http_status().is_some() => format!(
            "the server refused the WebSocket handshake with HTTP status {}: {e}",
            e.http_status().unwrap_or_default()
        ),
        _ => format!("{url}: {e}"),
    }
}

async fn session(args: &Connect, options: ClientOptions) -> Result<(), Error> {
    let (mut ws, response) = sockeye_tokio::connect_with(&args.url, &options).await?;
    eprintln!(
        "connected to {}{} — {HELP}",
        args.url,
        response
            .protocol
            .map(|p| format!(" (subprotocol {p})"))
            .unwrap_or_default()
    );
    // Stdin is read on a thread of its own and handed over line by line.
    let (tx, mut lines) = tokio::sync::mpsc::channel::<Option<String>>(16);
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines() {
            let Ok(line) = line else { break };
            if tx.blocking_send(Some(line)).is_err() {
                return;
            }
        }
        let _ = tx.blocking_send(None);
    });
    let mut out = std::io::stdout();
    loop {
        tokio::select! {
            received = ws.recv() => match received {
                Some(Ok(m)) => {
                    let _ = writeln!(out, "{}", describe(&m));
                }
                Some(Err(e)) => return Err(e),
                None => {
                    eprintln!("connection closed");
                    return Ok(());
                }
            },
            line = lines.recv() => match line.flatten() {
                None => {
                    ws.close(CloseCode::NORMAL, "").await?;
                    return Ok(());
                }
                Some(line) => match parse_line(&line) {
                    Ok(Input::Send(Message::Close(Some(f)))) => {
                        match ws.close(f.code, &f.reason).await {
                            // An invalid code or a reason too long: nothing
                            // was sent; say so and go on.
                            Err(e @ sockeye_std::Error::Send(_)) => eprintln!("{e}"),
                            closed => {
                                closed?;
                                eprintln!("closed");
                                return Ok(());
                            }
                        }
                    }
                    Ok(Input::Send(m)) => match ws.send(m).await {
                        // A ping or pong over 125 bytes: nothing was sent.
                        Err(e @ sockeye_std::Error::Send(_)) => eprintln!("{e}"),
                        sent => sent?,
                    },
                    Ok(Input::Quit) => {
                        ws.close(CloseCode::NORMAL, "").await?;
                        return Ok(());
                    }
                    Ok(Input::Help) => eprintln!("{HELP}"),
                    Err(e) => eprintln!("{e}"),
                },
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands() {
        assert_eq!(parse_line("hi"), Ok(Input::Send(Message::text("hi"))));
        assert_eq!(
            parse_line("/binary ab"),
            Ok(Input::Send(Message::binary(b"ab".to_vec())))
        );
        assert_eq!(
            parse_line("/close 4000 bye"),
            Ok(Input::Send(Message::Close(Some(CloseFrame::new(
                4000, "bye"
            )))))
        );
        assert!(parse_line("/close x").is_err());
        assert_eq!(parse_line("/quit"), Ok(Input::Quit));
        assert!(describe(&Message::binary(vec![0u8; 40])).ends_with('…'));
    }
}
