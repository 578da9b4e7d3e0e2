//! `wss://` and TLS servers, with a certificate generated at test time.

mod common;

use common::bounded;
use sockeye_std::tls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use sockeye_std::tls::rustls::RootCertStore;
use sockeye_tokio::{ClientOptions, CloseCode, Decision, Error, Message, ServerOptions};
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;

/// A self-signed certificate for `localhost` and 127.0.0.1, the server
/// configuration presenting it, and a root store that trusts it.
fn certificate() -> (Arc<sockeye_std::tls::rustls::ServerConfig>, RootCertStore) {
    let certified =
        rcgen::generate_simple_self_signed(vec!["localhost".into(), "127.0.0.1".into()]).unwrap();
    let der: CertificateDer<'static> = certified.cert.der().clone();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(certified.key_pair.serialize_der()));
    let config = sockeye_std::tls::server_config(vec![der.clone()], key).unwrap();
    let mut roots = RootCertStore::empty();
    roots.add(der).unwrap();
    (config, roots)
}

/// A TLS echo server (through `accept_tls`) that reports each client's
/// address as the accept callback saw it.
async fn tls_echo_server(
    config: Arc<sockeye_std::tls::rustls::ServerConfig>,
) -> (
    SocketAddr,
    tokio::sync::mpsc::UnboundedReceiver<Option<SocketAddr>>,
) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let (config, tx) = (config.clone(), tx.clone());
            tokio::spawn(async move {
                let options = ServerOptions::new();
                let accepted = sockeye_tokio::tls::accept_tls(tcp, config, &options, |req| {
                    let _ = tx.send(req.peer_addr);
                    Decision::accept()
                });
                let Ok(mut ws) = accepted.await else { return };
                while let Some(Ok(m)) = ws.recv().await {
                    if (m.is_text() || m.is_binary()) && ws.send(m).await.is_err() {
                        break;
                    }
                }
            });
        }
    });
    (addr, rx)
}

#[tokio::test]
async fn wss_echo_with_a_custom_root_store() {
    bounded(30, async {
        let (config, roots) = certificate();
        let (addr, mut peers) = tls_echo_server(config).await;
        for host in ["localhost", "127.0.0.1"] {
            let url = format!("wss://{host}:{}/secure", addr.port());
            let options = ClientOptions::new().root_certificates(roots.clone());
            let (mut ws, _) = sockeye_tokio::connect_with(&url, &options).await.unwrap();
            assert!(ws.get_ref().is_tls());
            ws.send("over TLS").await.unwrap();
            assert_eq!(ws.recv().await.unwrap().unwrap(), Message::text("over TLS"));
            ws.send(Message::binary(vec![7u8; 100_000])).await.unwrap();
            assert_eq!(ws.recv().await.unwrap().unwrap().len(), 100_000);
            ws.close(CloseCode::NORMAL, "bye").await.unwrap();
            let peer = peers
                .recv()
                .await
                .unwrap()
                .expect("the TLS stream has a peer address");
            assert!(peer.ip().is_loopback());
        }
    })
    .await;
}

#[tokio::test]
async fn an_untrusted_certificate_is_refused() {
    bounded(30, async {
        let (config, _) = certificate();
        let (addr, _peers) = tls_echo_server(config).await;
        // Mozilla's roots do not include our self-signed certificate.
        let url = format!("wss://localhost:{}/", addr.port());
        let err = sockeye_tokio::connect(&url).await.unwrap_err();
        assert!(
            matches!(&err, Error::Io(e) if e.to_string().contains("certificate")),
            "{err:?}"
        );
        // A root store for another certificate does not help either.
        let (_, other_roots) = certificate();
        let options = ClientOptions::new().root_certificates(other_roots);
        assert!(sockeye_tokio::connect_with(&url, &options).await.is_err());
    })
    .await;
}

#[tokio::test]
async fn accept_over_your_own_tls_acceptor() {
    bounded(30, async {
        let (config, roots) = certificate();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            let (tcp, _) = listener.accept().await.unwrap();
            let tls = sockeye_tokio::tls::TlsAcceptor::from(config)
                .accept(tcp)
                .await
                .unwrap();
            let mut ws = sockeye_tokio::accept(tls).await.unwrap();
            assert!(ws.peer_addr().is_some());
            let m = ws.recv().await.unwrap().unwrap();
            ws.send(m).await.unwrap();
            assert!(matches!(ws.recv().await, Some(Ok(Message::Close(_)))));
        });
        let url = format!("wss://127.0.0.1:{}/", addr.port());
        let config = sockeye_std::tls::client_config_with_roots(roots);
        let (mut ws, _) =
            sockeye_tokio::connect_with(&url, &ClientOptions::new().tls_config(config))
                .await
                .unwrap();
        ws.send("hi").await.unwrap();
        assert_eq!(ws.recv().await.unwrap().unwrap(), Message::text("hi"));
        ws.close(CloseCode::NORMAL, "").await.unwrap();
        server.await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn a_plain_client_cannot_talk_to_a_tls_server_within_the_timeout() {
    bounded(30, async {
        let (config, _) = certificate();
        let (addr, _peers) = tls_echo_server(config).await;
        let options = ClientOptions::new().handshake_timeout(std::time::Duration::from_secs(2));
        let result = sockeye_tokio::connect_with(&format!("ws://{addr}/"), &options).await;
        assert!(result.is_err(), "{result:?}");
    })
    .await;
}
