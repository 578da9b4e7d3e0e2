//! The `sockeye` binary, run as a user would.

use sockeye_std::{CloseCode, Decision, Message};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_sockeye");

/// A `sockeye serve` child process, killed on drop.
struct Server {
    child: Child,
    addr: String,
    _stdout: BufReader<std::process::ChildStdout>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(runtime: &str) -> Server {
    let mut child = Command::new(BIN)
        .args(["serve", "--port", "0", "--runtime", runtime])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    stdout.read_line(&mut line).unwrap();
    // "sockeye serve (tokio) listening on 127.0.0.1:PORT"
    let addr = line.trim().rsplit(' ').next().unwrap().to_string();
    assert!(addr.starts_with("127.0.0.1:"), "{line}");
    Server {
        child,
        addr,
        _stdout: stdout,
    }
}

fn http_get(addr: &str, path: &str) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(s, "GET {path} HTTP/1.1\r\nHost: {addr}\r\n\r\n").unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

#[test]
fn serve_page_echo_and_chat_on_every_runtime() {
    for runtime in ["tokio", "std", "async-std"] {
        let server = serve(runtime);
        let addr = &server.addr;

        let page = http_get(addr, "/");
        assert!(page.starts_with("HTTP/1.1 200 OK"), "{runtime}: {page}");
        assert!(page.contains("<title>sockeye chat</title>"), "{runtime}");
        assert!(
            http_get(addr, "/missing").starts_with("HTTP/1.1 404"),
            "{runtime}"
        );

        // Echo on any path.
        let (mut ws, _) = sockeye_std::connect(&format!("ws://{addr}/anything")).unwrap();
        ws.send("echo me").unwrap();
        assert_eq!(ws.read().unwrap().as_text(), Some("echo me"), "{runtime}");
        ws.send(Message::binary(vec![1, 2, 3])).unwrap();
        assert_eq!(
            ws.read().unwrap(),
            Message::binary(vec![1, 2, 3]),
            "{runtime}"
        );
        ws.close(CloseCode::NORMAL, "").unwrap();

        // Chat: what one member says, every member hears.
        let (mut alice, _) = sockeye_std::connect(&format!("ws://{addr}/chat")).unwrap();
        let (mut bob, _) = sockeye_std::connect(&format!("ws://{addr}/chat")).unwrap();
        // Both are in the room once an echo of a first message comes back.
        let deadline = Instant::now() + Duration::from_secs(10);
        alice.send("alice: hi").unwrap();
        assert_eq!(
            alice.read().unwrap().as_text(),
            Some("alice: hi"),
            "{runtime}"
        );
        bob.send("bob: hello").unwrap();
        let mut bob_saw = Vec::new();
        while !bob_saw.iter().any(|m: &String| m == "bob: hello") {
            assert!(Instant::now() < deadline, "{runtime}: bob saw {bob_saw:?}");
            bob_saw.push(bob.read().unwrap().as_text().unwrap().to_string());
        }
        assert_eq!(
            alice.read().unwrap().as_text(),
            Some("bob: hello"),
            "{runtime}"
        );
        alice.close(CloseCode::NORMAL, "").unwrap();
        bob.close(CloseCode::NORMAL, "").unwrap();
    }
}

/// A member that does not read while another bursts more messages than
/// its queue holds is closed with 1013 (try again later), not left
/// connected and deaf: it gets some messages, then the close.
#[test]
fn a_chat_member_that_falls_behind_is_closed_not_left_deaf() {
    for runtime in ["tokio", "std", "async-std"] {
        let server = serve(runtime);
        let url = format!("ws://{}/chat", server.addr);
        let (mut alice, _) = sockeye_std::connect(&url).unwrap();
        let (mut bob, _) = sockeye_std::connect(&url).unwrap();
        // Both are members once a message from each came back to alice.
        alice.send("hi").unwrap();
        bob.send("hello").unwrap();
        let mut seen = 0;
        while seen < 2 {
            alice.read().unwrap();
            seen += 1;
        }
        // Bob reads nothing while alice sends far more than his queue
        // (1024 messages) holds; alice keeps reading her own echoes.
        let reading = std::thread::spawn(move || {
            for i in 0..5000 {
                alice.write(format!("burst {i}")).unwrap();
            }
            alice.flush().unwrap();
            alice
        });
        std::thread::sleep(Duration::from_millis(1500));
        sockeye_std::Transport::set_read_timeout(bob.get_mut(), Some(Duration::from_secs(10)))
            .unwrap();
        // Everything the room carried: "hi", "hello" and the burst.
        const ALL: usize = 5002;
        let mut got = 0;
        let code = loop {
            if got == ALL {
                break None;
            }
            match bob.read() {
                Ok(Message::Close(frame)) => break frame.map(|f| f.code),
                Ok(m) if m.is_text() => got += 1,
                Ok(_) => {}
                Err(e) => panic!("{runtime}: bob got {got}, then {e}"),
            }
        };
        // Bob got every message, or some and then the close.
        assert!(
            got == ALL || code == Some(CloseCode::TRY_AGAIN_LATER),
            "{runtime}: {got} messages, then {code:?}"
        );
        drop(reading.join().unwrap());
    }
}

/// A member is in the room before its upgrade is answered: a message sent
/// right after its `connect` returns reaches it, on every runtime.
#[test]
fn a_new_chat_member_hears_what_is_said_right_after_it_joins() {
    for runtime in ["tokio", "std", "async-std"] {
        let server = serve(runtime);
        let url = format!("ws://{}/chat", server.addr);
        let (mut alice, _) = sockeye_std::connect(&url).unwrap();
        alice.send("hi").unwrap();
        assert_eq!(alice.read().unwrap().as_text(), Some("hi"), "{runtime}");
        for i in 0..20 {
            let (mut bob, _) = sockeye_std::connect(&url).unwrap();
            sockeye_std::Transport::set_read_timeout(bob.get_mut(), Some(Duration::from_secs(5)))
                .unwrap();
            let said = format!("right after {i}");
            alice.send(said.as_str()).unwrap();
            assert_eq!(alice.read().unwrap().as_text(), Some(said.as_str()));
            let heard = bob.read();
            assert!(
                matches!(&heard, Ok(m) if m.as_text() == Some(said.as_str())),
                "{runtime}, member {i}: {heard:?}"
            );
            bob.close(CloseCode::NORMAL, "").unwrap();
        }
    }
}

#[test]
fn address_in_use_is_explained() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let out = Command::new(BIN)
        .args(["serve", "--port", &port])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("already in use"), "{err}");
}

#[test]
fn usage_errors_exit_2() {
    let out = Command::new(BIN)
        .args(["serve", "--port", "eighty"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--port takes a number"));
}

#[test]
fn connect_refused_and_rejected_are_explained() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let out = Command::new(BIN)
        .args(["connect", &format!("ws://127.0.0.1:{port}/")])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("connection refused"));

    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let server = std::thread::spawn(move || {
        let stream = listener.accept().unwrap().0;
        let _ = sockeye_std::accept_with(stream, |_| Decision::reject(401));
    });
    let out = Command::new(BIN)
        .args(["connect", &format!("ws://{addr}/")])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    server.join().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("HTTP status 401"), "{err}");
}

#[test]
fn interactive_client_sends_lines_and_commands() {
    let server = serve("tokio");
    let mut child = Command::new(BIN)
        .args(["connect", &format!("ws://{}/", server.addr)])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut expect = |want: &str| {
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        assert_eq!(line.trim_end(), want);
    };
    writeln!(stdin, "hello there").unwrap();
    expect("< hello there");
    writeln!(stdin, "/binary ab").unwrap();
    expect("< binary (2 bytes): 61 62");
    writeln!(stdin, "/ping x").unwrap();
    expect("< pong x");
    // Commands that cannot be sent (a ping over 125 bytes, a close code
    // an endpoint may not send) are refused; the session goes on.
    writeln!(stdin, "/ping {}", "p".repeat(126)).unwrap();
    writeln!(stdin, "/close 1006").unwrap();
    writeln!(stdin, "still here").unwrap();
    expect("< still here");
    writeln!(stdin, "/close 4000 bye").unwrap();
    let status = child.wait().unwrap();
    assert!(status.success());
}
