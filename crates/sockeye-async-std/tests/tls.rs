//! `wss://` and TLS servers on async-std and smol, with a certificate
//! generated at test time.

use sockeye_async_std::{ClientOptions, CloseCode, Decision, Message, ServerOptions};
use sockeye_std::tls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use sockeye_std::tls::rustls::{RootCertStore, ServerConfig};
use std::sync::Arc;
use std::time::Duration;

fn certificate() -> (Arc<ServerConfig>, RootCertStore) {
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
    let der: CertificateDer<'static> = certified.cert.der().clone();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(certified.key_pair.serialize_der()));
    let config = sockeye_std::tls::server_config(vec![der.clone()], key).unwrap();
    let mut roots = RootCertStore::empty();
    roots.add(der).unwrap();
    (config, roots)
}

/// Fails the test past `secs`.
async fn bounded<T>(secs: u64, body: impl std::future::Future<Output = T>) -> T {
    futures_util::future::select(
        Box::pin(body),
        Box::pin(async_io::Timer::after(Duration::from_secs(secs))),
    )
    .await
    .factor_first_left()
}

trait FactorLeft<T> {
    fn factor_first_left(self) -> T;
}

impl<T, A, B> FactorLeft<T> for futures_util::future::Either<(T, A), B> {
    fn factor_first_left(self) -> T {
        match self {
            futures_util::future::Either::Left((t, _)) => t,
            futures_util::future::Either::Right(_) => panic!("the test did not finish in time"),
        }
    }
}

#[test]
fn wss_on_async_std() {
    async_std::task::block_on(bounded(30, async {
        let (config, roots) = certificate();
        let listener = async_std::net::TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = async_std::task::spawn(async move {
            let (tcp, _) = listener.accept().await.unwrap();
            let mut ws =
                sockeye_async_std::tls::accept_tls(tcp, config, &ServerOptions::new(), |req| {
                    assert!(req.peer_addr.is_some());
                    Decision::accept()
                })
                .await
                .unwrap();
            let m = ws.recv().await.unwrap().unwrap();
            ws.send(m).await.unwrap();
            assert!(matches!(ws.recv().await, Some(Ok(Message::Close(_)))));
        });
        let options = ClientOptions::new().root_certificates(roots);
        let (mut ws, _) =
            sockeye_async_std::connect_with(&format!("wss://localhost:{port}/"), &options)
                .await
                .unwrap();
        assert!(ws.get_ref().is_tls());
        ws.send("secure").await.unwrap();
        assert_eq!(ws.recv().await.unwrap().unwrap(), Message::text("secure"));
        ws.close(CloseCode::NORMAL, "").await.unwrap();
        server.await;
    }));
}

#[test]
fn wss_on_smol_with_your_own_acceptor() {
    smol::block_on(bounded(30, async {
        let (config, roots) = certificate();
        let listener = smol::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = smol::spawn(async move {
            let (tcp, _) = listener.accept().await.unwrap();
            let tls = sockeye_async_std::tls::TlsAcceptor::from(config)
                .accept(tcp)
                .await
                .unwrap();
            let mut ws = sockeye_async_std::accept(tls).await.unwrap();
            assert!(ws.peer_addr().is_some());
            let m = ws.recv().await.unwrap().unwrap();
            ws.send(m).await.unwrap();
            assert!(matches!(ws.recv().await, Some(Ok(Message::Close(_)))));
        });
        let options = ClientOptions::new().root_certificates(roots);
        let (mut ws, _) =
            sockeye_async_std::connect_with(&format!("wss://localhost:{port}/"), &options)
                .await
                .unwrap();
        ws.send(Message::binary(vec![1u8; 70_000])).await.unwrap();
        assert_eq!(ws.recv().await.unwrap().unwrap().len(), 70_000);
        ws.close(CloseCode::NORMAL, "").await.unwrap();
        server.await;
    }));
}
