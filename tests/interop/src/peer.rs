//! Peer processes: start a script, read the JSON lines it prints, and kill
//! it (only it, by its `Child` handle) when done.

use serde_json::Value;
use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a peer process may live at most; the scripts exit by
/// themselves after this many seconds too.
pub const PEER_LIFETIME: Duration = Duration::from_secs(150);

/// The repository's `interop/` directory (scripts and node_modules).
pub fn interop_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../interop")
}

/// The repository root.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The Python with `websockets` installed: `$SOCKEYE_INTEROP_PYTHON`, else
/// the venv `ci/setup-interop.sh` makes.
pub fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("SOCKEYE_INTEROP_PYTHON") {
        return p.into();
    }
    let home = std::env::var_os("HOME").expect("HOME is set");
    PathBuf::from(home).join(".cache/sockeye-interop-venv/bin/python")
}

/// `node interop/<script> args...`.
pub fn node(script: &str) -> Command {
    let mut cmd = Command::new("node");
    cmd.arg(interop_dir().join(script));
    cmd
}

/// `<venv python> interop/<script> args...`.
pub fn py(script: &str) -> Command {
    let mut cmd = Command::new(python());
    cmd.arg(interop_dir().join(script));
    cmd
}

/// The `sockeye` binary: `$SOCKEYE_BIN`, else `debug/sockeye` under
/// `$CARGO_TARGET_DIR` (or the workspace's `target/`). `ci/interop.sh`
/// builds it first (`cargo build -p sockeye-cli`); a test crate cannot
/// depend on another package's binary.
pub fn sockeye_bin() -> PathBuf {
    if let Some(p) = std::env::var_os("SOCKEYE_BIN") {
        return p.into();
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("target"));
    let bin = target.join("debug/sockeye");
    assert!(
        bin.exists(),
        "{} not found: run `cargo build -p sockeye-cli` (ci/interop.sh does) or set SOCKEYE_BIN",
        bin.display()
    );
    bin
}

/// A running `sockeye serve --port 0 ARGS...`; dropping it kills it.
pub struct SockeyeServe {
    /// The process.
    pub process: Peer,
    /// `127.0.0.1:PORT`.
    pub addr: String,
}

impl SockeyeServe {
    /// Starts `sockeye serve` on 127.0.0.1 on a free port with `args`
    /// (e.g. `--runtime std`) and reads the address it listens on.
    pub fn start(args: &[&str]) -> SockeyeServe {
        let mut cmd = Command::new(sockeye_bin());
        cmd.args(["serve", "--host", "127.0.0.1", "--port", "0"])
            .args(args);
        let mut process = Peer::spawn(format!("sockeye serve {}", args.join(" ")), cmd);
        let line = process.next_line(Duration::from_secs(20));
        let addr = line
            .split("listening on ")
            .nth(1)
            .unwrap_or_else(|| panic!("sockeye serve: unexpected first line {line:?}"))
            .trim()
            .to_string();
        SockeyeServe { process, addr }
    }

    /// Whether this build of `sockeye serve` has `--deflate`
    /// (permessage-deflate), from its usage text.
    pub fn has_deflate() -> bool {
        let out = Command::new(sockeye_bin())
            .arg("--help")
            .output()
            .expect("sockeye --help");
        String::from_utf8_lossy(&out.stdout).contains("--deflate")
    }
}

/// Which third-party implementation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PeerKind {
    /// Node.js `ws`.
    Ws,
    /// Python `websockets`.
    Websockets,
}

impl PeerKind {
    /// The name used in messages.
    pub fn name(self) -> &'static str {
        match self {
            PeerKind::Ws => "ws",
            PeerKind::Websockets => "websockets",
        }
    }

    /// Whether it speaks HyBi-08 (`Sec-WebSocket-Version: 8`): ws does,
    /// websockets does not.
    pub fn speaks_v8(self) -> bool {
        self == PeerKind::Ws
    }

    /// The peer as a client running `scenarios` against `base_url`.
    pub fn client(self, base_url: &str, scenarios: &[&str], deflate: bool) -> Command {
        let mut cmd = match self {
            PeerKind::Ws => node("ws_client.js"),
            PeerKind::Websockets => py("py_client.py"),
        };
        cmd.arg(base_url).args(scenarios);
        if deflate {
            cmd.arg("--deflate");
        }
        cmd
    }

    /// The peer as a scenario server on a free port.
    pub fn server(self, deflate: bool) -> Command {
        let mut cmd = match self {
            PeerKind::Ws => node("ws_server.js"),
            PeerKind::Websockets => py("py_server.py"),
        };
        if deflate {
            cmd.arg("--deflate");
        }
        cmd
    }
}

/// A running peer process. Dropping it kills the process (if still
/// running) and reaps it.
pub struct Peer {
    name: String,
    child: Child,
    lines: Receiver<String>,
    seen: Vec<Value>,
    stderr: Arc<Mutex<String>>,
}

impl Peer {
    /// Starts `cmd` with piped stdout and stderr.
    pub fn spawn(name: impl Into<String>, mut cmd: Command) -> Peer {
        let name = name.into();
        cmd.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .current_dir(interop_dir())
            .env("INTEROP_PEER_TIMEOUT", PEER_LIFETIME.as_secs().to_string());
        let mut child = cmd.spawn().unwrap_or_else(|e| {
            panic!("{name}: cannot start {cmd:?}: {e} (run ci/setup-interop.sh)")
        });
        let (tx, lines) = mpsc::channel();
        let stdout = child.stdout.take().expect("piped stdout");
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let stderr = Arc::new(Mutex::new(String::new()));
        let mut err_pipe = child.stderr.take().expect("piped stderr");
        let sink = stderr.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = err_pipe.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        Peer {
            name,
            child,
            lines,
            seen: Vec::new(),
            stderr,
        }
    }

    /// What the peer wrote on stderr so far.
    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// The next JSON line, waiting up to `timeout`. Panics (with the
    /// peer's stderr) on a time-out, on end of output, or on a `fatal`
    /// line.
    pub fn next_json(&mut self, timeout: Duration) -> Value {
        let line = self.next_line(timeout);
        let value: Value = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("{}: not JSON ({e}): {line}", self.name));
        if let Some(fatal) = value.get("fatal") {
            panic!("{}: {fatal}; stderr:\n{}", self.name, self.stderr());
        }
        self.seen.push(value.clone());
        value
    }

    /// The next line of output, waiting up to `timeout` (panics as
    /// [`next_json`](Self::next_json)).
    pub fn next_line(&mut self, timeout: Duration) -> String {
        match self.lines.recv_timeout(timeout) {
            Ok(line) => line,
            Err(RecvTimeoutError::Timeout) => panic!(
                "{}: no output within {timeout:?}; stderr:\n{}",
                self.name,
                self.stderr()
            ),
            Err(RecvTimeoutError::Disconnected) => {
                // Give the stderr reader a moment to catch the last words.
                std::thread::sleep(Duration::from_millis(100));
                panic!(
                    "{}: exited ({:?}) before the expected output; stderr:\n{}",
                    self.name,
                    self.child.try_wait(),
                    self.stderr()
                )
            }
        }
    }

    /// The first line (already seen or arriving within `timeout`) for
    /// which `pred` holds.
    pub fn find(&mut self, timeout: Duration, pred: impl Fn(&Value) -> bool) -> Value {
        if let Some(v) = self.seen.iter().find(|v| pred(v)) {
            return v.clone();
        }
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let v = self.next_json(left.max(Duration::from_millis(1)));
            if pred(&v) {
                return v;
            }
        }
    }

    /// Waits up to `timeout` for the process to exit by itself.
    pub fn wait(&mut self, timeout: Duration) -> ExitStatus {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return status;
            }
            if Instant::now() >= deadline {
                panic!(
                    "{}: still running after {timeout:?}; stderr:\n{}",
                    self.name,
                    self.stderr()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

/// Runs `f` on its own thread and fails if it takes longer than `limit`
/// (a hung scenario must not hang the test run). Resources owned by the
/// caller, such as a [`Peer`], are still dropped, so processes end.
pub fn with_timeout<T: Send + 'static>(
    what: &str,
    limit: Duration,
    f: impl FnOnce() -> T + Send + 'static,
) -> T {
    let (tx, rx) = mpsc::channel();
    let handle = std::thread::spawn(move || {
        let out = f();
        let _ = tx.send(());
        out
    });
    match rx.recv_timeout(limit) {
        Ok(()) | Err(RecvTimeoutError::Disconnected) => match handle.join() {
            Ok(v) => v,
            Err(panic) => std::panic::resume_unwind(panic),
        },
        Err(RecvTimeoutError::Timeout) => panic!("{what}: did not finish within {limit:?}"),
    }
}
