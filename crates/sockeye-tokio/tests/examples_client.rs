//! Runs the client examples (`examples/wss_client.rs`,
//! `examples/proxy_client.rs`) against test servers: a TLS echo server
//! with a certificate generated here, and the in-process proxies.

#[path = "../examples/proxy_client.rs"]
mod proxy_client;
#[path = "../../sockeye-std/tests/support/mod.rs"]
mod support;
#[path = "../examples/wss_client.rs"]
mod wss_client;

use sockeye_std::tls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use sockeye_tokio::{ClientOptions, Decision, ServerOptions};
use std::time::Duration;

async fn bounded<T>(body: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(30), body)
        .await
        .expect("the test did not finish in time")
}

#[tokio::test]
async fn wss_client_example_with_a_pem_root() {
    bounded(async {
        let certified = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
        let pem = certified.cert.pem();
        let der: CertificateDer<'static> = certified.cert.der().clone();
        let key =
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(certified.key_pair.serialize_der()));
        let config = sockeye_std::tls::server_config(vec![der], key).unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            let (tcp, _) = listener.accept().await.unwrap();
            let options = ServerOptions::new();
            let mut ws =
                sockeye_tokio::tls::accept_tls(tcp, config, &options, |_| Decision::accept())
                    .await
                    .unwrap();
            while let Some(Ok(m)) = ws.recv().await {
                if m.is_text() && ws.send(m).await.is_err() {
                    break;
                }
            }
        });
        let options =
            ClientOptions::new().root_certificates(wss_client::roots_from_pem(pem.as_bytes()));
        let url = format!("wss://localhost:{port}/");
        let reply = wss_client::run(&url, &options, "hi").await.unwrap();
        assert_eq!(reply, "hi");
    })
    .await;
}

#[tokio::test]
async fn proxy_client_example_through_both_kinds_of_proxy() {
    bounded(async {
        let (ws_addr, _) = support::echo_server();
        let url = format!("ws://{ws_addr}/");
        let (http, _) = support::http_proxy(Some(("u", "p")));
        let reply = proxy_client::run(&url, Some(&format!("http://u:p@{http}")), "via http")
            .await
            .unwrap();
        assert_eq!(reply, "via http");
        let (socks, _) = support::socks5_proxy(None);
        let reply = proxy_client::run(&url, Some(&format!("socks5://{socks}")), "via socks")
            .await
            .unwrap();
        assert_eq!(reply, "via socks");
    })
    .await;
}
