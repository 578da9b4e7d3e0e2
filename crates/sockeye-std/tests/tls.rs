//! `wss://` on the blocking adapter against a blocking TLS server
//! (`rustls::StreamOwned`), with a certificate generated at test time,
//! directly and through both kinds of proxy.

mod support;

use sockeye_std::proxy::Proxy;
use sockeye_std::tls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use sockeye_std::tls::rustls::{self, RootCertStore, ServerConfig};
use sockeye_std::{ClientOptions, CloseCode, Decision, Message};
use std::net::{SocketAddr, TcpListener};
use std::sync::{mpsc, Arc};
use std::time::Duration;

fn certificate() -> (Arc<ServerConfig>, RootCertStore) {
    let certified =
        rcgen::generate_simple_self_signed(vec!["localhost".into(), "127.0.0.1".into()]).unwrap();
    let der: CertificateDer<'static> = certified.cert.der().clone();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(certified.key_pair.serialize_der()));
    let config = sockeye_std::tls::server_config(vec![der.clone()], key).unwrap();
    let mut roots = RootCertStore::empty();
    roots.add(der).unwrap();
    (config, roots)
}

/// A blocking TLS echo server; reports each peer address the accept
/// callback saw.
fn tls_echo_server(config: Arc<ServerConfig>) -> (SocketAddr, mpsc::Receiver<Option<SocketAddr>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for tcp in listener.incoming() {
            let Ok(tcp) = tcp else { break };
            let (config, tx) = (config.clone(), tx.clone());
            std::thread::spawn(move || {
                let conn = rustls::ServerConnection::new(config).unwrap();
                let tls = rustls::StreamOwned::new(conn, tcp);
                let Ok(mut ws) = sockeye_std::accept_with(tls, |req| {
                    let _ = tx.send(req.peer_addr);
                    Decision::accept()
                }) else {
                    return;
                };
                while let Ok(m) = ws.read() {
                    if (m.is_text() || m.is_binary()) && ws.send(m).is_err() {
                        break;
                    }
                }
            });
        }
    });
    (addr, rx)
}

fn bounded(secs: u64, body: impl FnOnce() + Send + 'static) {
    let (tx, rx) = mpsc::channel();
    let handle = std::thread::spawn(move || {
        body();
        let _ = tx.send(());
    });
    if rx.recv_timeout(Duration::from_secs(secs)).is_err() {
        if handle.is_finished() {
            if let Err(panic) = handle.join() {
                std::panic::resume_unwind(panic);
            }
        }
        panic!("the test did not finish in {secs} s");
    }
    handle.join().unwrap();
}

fn echo_over(url: &str, options: &ClientOptions) {
    let (mut ws, _) = sockeye_std::connect_with(url, options).unwrap();
    assert!(ws.get_ref().is_tls());
    ws.send("secure hello").unwrap();
    assert_eq!(ws.read().unwrap(), Message::text("secure hello"));
    ws.send(Message::binary(vec![3u8; 200_000])).unwrap();
    assert_eq!(ws.read().unwrap().len(), 200_000);
    ws.close(CloseCode::NORMAL, "").unwrap();
}

#[test]
fn wss_with_a_custom_root_store() {
    bounded(30, || {
        let (config, roots) = certificate();
        let (addr, peers) = tls_echo_server(config);
        let options = ClientOptions::new().root_certificates(roots);
        echo_over(&format!("wss://localhost:{}/", addr.port()), &options);
        assert!(peers.recv().unwrap().unwrap().ip().is_loopback());
        echo_over(&format!("wss://127.0.0.1:{}/", addr.port()), &options);
    });
}

#[test]
fn webpki_roots_by_default_refuse_a_self_signed_certificate() {
    bounded(30, || {
        let (config, _) = certificate();
        let (addr, _) = tls_echo_server(config);
        let err = sockeye_std::connect(&format!("wss://localhost:{}/", addr.port())).unwrap_err();
        assert!(
            err.to_string().to_lowercase().contains("certificate"),
            "{err}"
        );
    });
}

#[test]
fn wss_through_proxies() {
    bounded(30, || {
        let (config, roots) = certificate();
        let (addr, _) = tls_echo_server(config);
        let url = format!("wss://localhost:{}/", addr.port());
        let (http, targets) = support::http_proxy(Some(("u", "p")));
        let proxy = Proxy::http(&format!("http://u:p@{http}")).unwrap();
        echo_over(
            &url,
            &ClientOptions::new()
                .root_certificates(roots.clone())
                .proxy(proxy),
        );
        assert_eq!(
            targets.recv().unwrap(),
            format!("localhost:{}", addr.port())
        );
        let (socks, _) = support::socks5_proxy(Some(("u", "p")));
        let proxy = Proxy::socks5(&format!("socks5h://u:p@{socks}")).unwrap();
        echo_over(
            &url,
            &ClientOptions::new().root_certificates(roots).proxy(proxy),
        );
    });
}

/// The handshake timeout covers the TLS handshake: a client talking to a
/// server that accepts TCP and then says nothing, or dribbles a TLS record
/// (a 16 KiB handshake record, one byte every 100 ms), gives up in time.
#[test]
fn wss_client_handshake_timeout_covers_tls() {
    for peer in [
        support::slow_peer(b"", b""),
        support::slow_peer(b"\x16\x03\x03\x40\x00", &[0; 50]),
    ] {
        bounded(10, move || {
            let options = ClientOptions::new().handshake_timeout(Duration::from_millis(500));
            let url = format!("wss://127.0.0.1:{}/", peer.port());
            support::assert_times_out(|| sockeye_std::connect_with(&url, &options));
        });
    }
}

/// The blocking TLS server of the `tls` module's docs drops a client that
/// connects and sends nothing, or dribbles its ClientHello, once
/// `ServerOptions::handshake_timeout` has passed.
#[test]
fn tls_server_handshake_timeout_covers_tls() {
    let (config, _) = certificate();
    for dribble in [None, Some(0u8)] {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let client = std::thread::spawn(move || {
            use std::io::Write;
            let mut tcp = std::net::TcpStream::connect(addr).unwrap();
            let _ = tcp.write_all(b"\x16\x03\x01\x40\x00");
            for _ in 0..30 {
                std::thread::sleep(Duration::from_millis(100));
                if let Some(byte) = dribble {
                    if tcp.write_all(&[byte]).is_err() {
                        return;
                    }
                }
            }
        });
        let config = config.clone();
        bounded(10, move || {
            let (tcp, _) = listener.accept().unwrap();
            let conn = rustls::ServerConnection::new(config).unwrap();
            let options =
                sockeye_std::ServerOptions::new().handshake_timeout(Duration::from_millis(500));
            let tls = rustls::StreamOwned::new(conn, tcp);
            support::assert_times_out(|| {
                sockeye_std::accept_with_options(tls, &options, |_| Decision::accept())
            });
        });
        client.join().unwrap();
    }
}
