//! A `wss://` client: trusts Mozilla's roots by default, or the PEM
//! certificates of `--ca FILE` (for a server with a self-signed
//! certificate); sends a message and prints the reply.
//!
//! ```sh
//! cargo run -p sockeye-tokio --features rustls --example wss_client -- wss://example.com/socket
//! cargo run -p sockeye-tokio --features rustls --example wss_client -- wss://localhost:9443/ --ca cert.pem
//! ```

use sockeye_std::tls::rustls::pki_types::{pem::PemObject, CertificateDer};
use sockeye_std::tls::rustls::RootCertStore;
use sockeye_tokio::{ClientOptions, CloseCode, Message};

/// Connects to `url` with `options`, sends `text` and returns the reply.
pub async fn run(url: &str, options: &ClientOptions, text: &str) -> sockeye_tokio::Result<String> {
    let (mut ws, _response) = sockeye_tokio::connect_with(url, options).await?;
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

/// A root store with the certificates of a PEM file.
pub fn roots_from_pem(pem: &[u8]) -> RootCertStore {
    let mut roots = RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(pem) {
        roots
            .add(cert.expect("a PEM certificate"))
            .expect("a usable root");
    }
    roots
}

#[allow(dead_code)] // the tests call `run`, not `main`
#[tokio::main(flavor = "current_thread")]
async fn main() -> sockeye_tokio::Result<()> {
    let mut args = std::env::args().skip(1);
    let url = args
        .next()
        .unwrap_or_else(|| "wss://localhost:9443/".into());
    let mut options = ClientOptions::new();
    if let (Some(flag), Some(file)) = (args.next(), args.next()) {
        assert_eq!(flag, "--ca", "usage: wss_client URL [--ca FILE]");
        options = options.root_certificates(roots_from_pem(&std::fs::read(file)?));
    }
    println!("{}", run(&url, &options, "hello over TLS").await?);
    Ok(())
}
