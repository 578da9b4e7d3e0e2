//! Every client (std, tokio, async-std) through REAL proxy servers that
//! this test starts: Debian's tinyproxy (HTTP CONNECT with BasicAuth) and
//! dante-server's danted (SOCKS5 with username/password, checked against
//! the system user `ci/setup-proxies.sh` creates). Each runs on a free port
//! of 127.0.0.1 with its own config in a temporary directory and is killed
//! by PID at the end. Behind the `real-proxies` feature: run by
//! `ci/proxies.sh`, which installs the proxies first.

use sockeye_std::proxy::{Proxy, ProxyError};
use sockeye_std::tls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use sockeye_std::tls::rustls::{self, RootCertStore};
use sockeye_std::{ClientOptions, CloseCode, Error, Message};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

const HTTP_USER: &str = "alice";
const HTTP_PASS: &str = "tiny-s3cret";

fn socks_user() -> (String, String) {
    (
        std::env::var("SOCKEYE_PROXY_USER").unwrap_or_else(|_| "sockeyeproxy".into()),
        std::env::var("SOCKEYE_PROXY_PASS").unwrap_or_else(|_| "sockeye-pw".into()),
    )
}

/// A proxy process, stopped (SIGTERM, then SIGKILL) by its PID on drop.
struct Daemon {
    child: Child,
    port: u16,
    dir: PathBuf,
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let deadline = Instant::now() + Duration::from_secs(3);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                let _ = std::fs::remove_dir_all(&self.dir);
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn temp_dir(name: &str) -> PathBuf {
    static COUNT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = COUNT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("sockeye-{name}-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn find(program: &str, fallback: &str) -> PathBuf {
    let fallback = Path::new(fallback);
    if fallback.exists() {
        return fallback.to_path_buf();
    }
    PathBuf::from(program)
}

/// Starts `command` and waits until it listens on `port`.
fn start(mut command: Command, port: u16, dir: PathBuf) -> Daemon {
    let log = std::fs::File::create(dir.join("log")).unwrap();
    let child = command
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {command:?} (run ci/setup-proxies.sh): {e}"));
    let mut daemon = Daemon { child, port, dir };
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if let Ok(Some(status)) = daemon.child.try_wait() {
            let log = std::fs::read_to_string(daemon.dir.join("log")).unwrap_or_default();
            panic!("{command:?} exited with {status}: {log}");
        }
        assert!(
            Instant::now() < deadline,
            "{command:?} did not listen on {port}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    daemon
}

fn tinyproxy() -> Daemon {
    let dir = temp_dir("tinyproxy");
    let port = free_port();
    let conf = dir.join("tinyproxy.conf");
    std::fs::write(
        &conf,
        format!(
            "Port {port}\nListen 127.0.0.1\nTimeout 30\nMaxClients 50\nAllow 127.0.0.1\n\
             BasicAuth {HTTP_USER} {HTTP_PASS}\nLogLevel Info\nPidFile \"{}\"\n",
            dir.join("pid").display()
        ),
    )
    .unwrap();
    let mut command = Command::new(find("tinyproxy", "/usr/bin/tinyproxy"));
    command.arg("-d").arg("-c").arg(&conf);
    start(command, port, dir)
}

fn danted() -> Daemon {
    let dir = temp_dir("danted");
    let port = free_port();
    let conf = dir.join("danted.conf");
    std::fs::write(
        &conf,
        format!(
            "logoutput: stderr\ninternal: 127.0.0.1 port = {port}\nexternal: 127.0.0.1\n\
             clientmethod: none\nsocksmethod: username\nuser.privileged: root\n\
             user.unprivileged: nobody\n\
             client pass {{ from: 127.0.0.0/8 to: 0.0.0.0/0 }}\n\
             socks pass {{ from: 127.0.0.0/8 to: 0.0.0.0/0 }}\n"
        ),
    )
    .unwrap();
    let mut command = Command::new(find("danted", "/usr/sbin/danted"));
    command
        .arg("-f")
        .arg(&conf)
        .arg("-N")
        .arg("1")
        .arg("-p")
        .arg(dir.join("pid"));
    start(command, port, dir)
}

/// A blocking echo server, plain or TLS.
fn echo_server(tls: Option<Arc<rustls::ServerConfig>>) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for tcp in listener.incoming() {
            let Ok(tcp) = tcp else { break };
            let tls = tls.clone();
            std::thread::spawn(move || match tls {
                Some(config) => {
                    let conn = rustls::ServerConnection::new(config).unwrap();
                    if let Ok(ws) = sockeye_std::accept(rustls::StreamOwned::new(conn, tcp)) {
                        echo(ws);
                    }
                }
                None => {
                    if let Ok(ws) = sockeye_std::accept(tcp) {
                        echo(ws);
                    }
                }
            });
        }
    });
    addr
}

fn echo<S: sockeye_std::Transport>(mut ws: sockeye_std::WebSocket<S>) {
    while let Ok(m) = ws.read() {
        if (m.is_text() || m.is_binary()) && ws.send(m).is_err() {
            break;
        }
    }
}

fn certificate() -> (Arc<rustls::ServerConfig>, RootCertStore) {
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
    let der: CertificateDer<'static> = certified.cert.der().clone();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(certified.key_pair.serialize_der()));
    let config = sockeye_std::tls::server_config(vec![der.clone()], key).unwrap();
    let mut roots = RootCertStore::empty();
    roots.add(der).unwrap();
    (config, roots)
}

/// Echoes one message through `url` with `options` on all three clients.
fn echo_on_every_runtime(url: &str, options: &ClientOptions) {
    let (mut ws, _) = sockeye_std::connect_with(url, options).unwrap();
    ws.send("std").unwrap();
    assert_eq!(ws.read().unwrap(), Message::text("std"));
    ws.close(CloseCode::NORMAL, "").unwrap();

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let (mut ws, _) = sockeye_tokio::connect_with(url, options).await.unwrap();
        ws.send("tokio").await.unwrap();
        assert_eq!(ws.recv().await.unwrap().unwrap(), Message::text("tokio"));
        ws.close(CloseCode::NORMAL, "").await.unwrap();
    });

    async_std::task::block_on(async {
        let (mut ws, _) = sockeye_async_std::connect_with(url, options).await.unwrap();
        ws.send("async-std").await.unwrap();
        assert_eq!(
            ws.recv().await.unwrap().unwrap(),
            Message::text("async-std")
        );
        ws.close(CloseCode::NORMAL, "").await.unwrap();
    });
}

/// Runs `body` on a thread; fails past `secs`.
fn bounded(secs: u64, body: impl FnOnce() + Send + 'static) {
    let (tx, rx) = std::sync::mpsc::channel();
    let handle = std::thread::spawn(move || {
        body();
        let _ = tx.send(());
    });
    match rx.recv_timeout(Duration::from_secs(secs)) {
        Ok(()) => handle.join().unwrap(),
        Err(_) if handle.is_finished() => {
            if let Err(panic) = handle.join() {
                std::panic::resume_unwind(panic);
            }
        }
        Err(_) => panic!("the test did not finish in {secs} s"),
    }
}

fn options(roots: &RootCertStore) -> ClientOptions {
    ClientOptions::new()
        .root_certificates(roots.clone())
        .handshake_timeout(Duration::from_secs(10))
}

#[test]
fn tinyproxy_http_connect_with_basic_auth() {
    bounded(120, || {
        let proxy = tinyproxy();
        let (tls, roots) = certificate();
        let plain = echo_server(None);
        let secure = echo_server(Some(tls));
        let good = Proxy::http(&format!(
            "http://{HTTP_USER}:{HTTP_PASS}@127.0.0.1:{}",
            proxy.port
        ))
        .unwrap();
        let with_proxy = options(&roots).proxy(good);
        echo_on_every_runtime(&format!("ws://{plain}/"), &with_proxy);
        echo_on_every_runtime(&format!("wss://localhost:{}/", secure.port()), &with_proxy);

        let bad = Proxy::http(&format!("127.0.0.1:{}", proxy.port))
            .unwrap()
            .with_credentials(HTTP_USER, "wrong");
        let err = sockeye_std::connect_with(&format!("ws://{plain}/"), &options(&roots).proxy(bad))
            .unwrap_err();
        // tinyproxy answers a CONNECT with wrong credentials with 401, not 407.
        assert!(
            matches!(err, Error::Proxy(ProxyError::HttpStatus(401 | 407))),
            "{err:?}"
        );
    });
}

#[test]
fn danted_socks5_with_username_and_password() {
    bounded(120, || {
        let proxy = danted();
        let (user, pass) = socks_user();
        let (tls, roots) = certificate();
        let plain = echo_server(None);
        let secure = echo_server(Some(tls));
        let good = Proxy::socks5(&format!("127.0.0.1:{}", proxy.port))
            .unwrap()
            .with_credentials(user.clone(), pass);
        let with_proxy = options(&roots).proxy(good);
        echo_on_every_runtime(&format!("ws://{plain}/"), &with_proxy);
        // The host name is resolved by danted.
        echo_on_every_runtime(&format!("wss://localhost:{}/", secure.port()), &with_proxy);

        let bad = Proxy::socks5(&format!("127.0.0.1:{}", proxy.port))
            .unwrap()
            .with_credentials(user, "wrong");
        let err = sockeye_std::connect_with(&format!("ws://{plain}/"), &options(&roots).proxy(bad))
            .unwrap_err();
        assert!(
            matches!(err, Error::Proxy(ProxyError::AuthenticationFailed)),
            "{err:?}"
        );
        let anonymous = Proxy::socks5(&format!("127.0.0.1:{}", proxy.port)).unwrap();
        let err =
            sockeye_std::connect_with(&format!("ws://{plain}/"), &options(&roots).proxy(anonymous))
                .unwrap_err();
        assert!(
            matches!(err, Error::Proxy(ProxyError::NoAcceptableMethod)),
            "{err:?}"
        );
    });
}

/// The only test here that touches the process environment.
#[test]
fn proxies_from_the_environment() {
    bounded(120, || {
        let http = tinyproxy();
        let socks = danted();
        let (user, pass) = socks_user();
        let (tls, roots) = certificate();
        let plain = echo_server(None);
        let secure = echo_server(Some(tls));
        std::env::set_var(
            "HTTPS_PROXY",
            format!("http://{HTTP_USER}:{HTTP_PASS}@127.0.0.1:{}", http.port),
        );
        std::env::set_var(
            "ALL_PROXY",
            format!("socks5h://{user}:{pass}@127.0.0.1:{}", socks.port),
        );
        std::env::set_var("NO_PROXY", "example.invalid");
        let from_env = options(&roots).proxy_from_env();
        // wss: HTTPS_PROXY (tinyproxy); ws: ALL_PROXY (danted).
        echo_on_every_runtime(&format!("wss://localhost:{}/", secure.port()), &from_env);
        echo_on_every_runtime(&format!("ws://{plain}/"), &from_env);
        // NO_PROXY exempts the host: a direct connection.
        std::env::set_var("HTTPS_PROXY", "http://127.0.0.1:1");
        std::env::set_var("NO_PROXY", "localhost");
        echo_on_every_runtime(&format!("wss://localhost:{}/", secure.port()), &from_env);
        for var in ["HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"] {
            std::env::remove_var(var);
        }
    });
}
