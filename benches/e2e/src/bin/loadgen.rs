//! The neutral load generator of the end-to-end benchmarks: the same client
//! code against every server.
//!
//! Raw tokio TCP with a hand-rolled WebSocket client (a fixed handshake, a
//! prebuilt masked binary frame, a header-only reader that skips payloads
//! as they stream in), on one current-thread runtime. It is deliberately
//! not built on sockeye or on any peer, so no server gets a client tuned to
//! it, and it spends as little CPU per message as we could make it: every
//! message is the same frame (the mask key is fixed per run, so the masked
//! payload is computed once), small frames queued together go out in one
//! write, and replies read together share one timestamp.
//!
//! ```text
//! loadgen --port P --conns C --size BYTES --inflight K --warmup S --duration S [--server-pid PID] [--rcvbuf BYTES]
//! loadgen --port P --idle N [--server-pid PID]
//! ```
//!
//! Prints one JSON object: messages/s, MB/s (payload bytes echoed per second,
//! one direction), p50/p90/p99 round-trip latency of a message (from just
//! before its write to the parse of its echo), and the server's CPU time
//! (utime + stime from /proc/PID/stat) over the measured window. With
//! `--idle N` it opens N upgraded connections and reports the server's
//! VmRSS before and after (and after one 16-byte echo on each).
//!
//! `--rcvbuf BYTES` sets SO_RCVBUF on the load connections (the kernel
//! doubles it and stops autotuning the receive buffer). Off by default, as
//! for any client; it is there to reproduce the 64 KiB cell's two states
//! (see docs/benchmarks.md).

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::rc::Rc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::{Notify, Semaphore};

struct Args {
    port: u16,
    conns: usize,
    size: usize,
    inflight: usize,
    warmup: f64,
    duration: f64,
    server_pid: Option<u32>,
    idle: Option<usize>,
    rcvbuf: Option<u32>,
}

fn die(msg: &str) -> ! {
    eprintln!("loadgen: {msg}");
    std::process::exit(2)
}

fn parse_args() -> Args {
    let mut a = Args {
        port: 9001,
        conns: 1,
        size: 16,
        inflight: 1,
        warmup: 1.0,
        duration: 3.0,
        server_pid: None,
        idle: None,
        rcvbuf: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let v = it
            .next()
            .unwrap_or_else(|| die(&format!("{flag} needs a value")));
        let bad = || -> ! { die(&format!("bad value for {flag}: {v}")) };
        match flag.as_str() {
            "--port" => a.port = v.parse().unwrap_or_else(|_| bad()),
            "--conns" => a.conns = v.parse().unwrap_or_else(|_| bad()),
            "--size" => a.size = v.parse().unwrap_or_else(|_| bad()),
            "--inflight" => a.inflight = v.parse().unwrap_or_else(|_| bad()),
            "--warmup" => a.warmup = v.parse().unwrap_or_else(|_| bad()),
            "--duration" => a.duration = v.parse().unwrap_or_else(|_| bad()),
            "--server-pid" => a.server_pid = Some(v.parse().unwrap_or_else(|_| bad())),
            "--idle" => a.idle = Some(v.parse().unwrap_or_else(|_| bad())),
            "--rcvbuf" => a.rcvbuf = Some(v.parse().unwrap_or_else(|_| bad())),
            _ => die(&format!("unknown flag {flag}")),
        }
    }
    a
}

/// The server's CPU time so far (all threads), in seconds.
fn server_cpu(pid: Option<u32>) -> f64 {
    let Some(pid) = pid else { return 0.0 };
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return f64::NAN;
    };
    // Fields after the parenthesised command name; utime and stime are the
    // 14th and 15th fields of the whole line.
    let rest = &stat[stat.rfind(')').map_or(0, |i| i + 2)..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = f[11].parse::<u64>().unwrap_or(0) + f[12].parse::<u64>().unwrap_or(0);
    ticks as f64 / clock_ticks()
}

fn clock_ticks() -> f64 {
    std::env::var("CLK_TCK")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100.0)
}

/// The server's resident set size, in KiB.
fn server_rss_kib(pid: Option<u32>) -> u64 {
    let Some(pid) = pid else { return 0 };
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

const MASK: [u8; 4] = [0x37, 0xfa, 0x21, 0x3d];

/// One masked, final, binary frame carrying `size` bytes.
fn client_frame(size: usize) -> Vec<u8> {
    let mut f = Vec::with_capacity(size + 14);
    f.push(0x82);
    if size < 126 {
        f.push(0x80 | size as u8);
    } else if size <= 0xffff {
        f.push(0x80 | 126);
        f.extend_from_slice(&(size as u16).to_be_bytes());
    } else {
        f.push(0x80 | 127);
        f.extend_from_slice(&(size as u64).to_be_bytes());
    }
    f.extend_from_slice(&MASK);
    // A payload of printable bytes, masked once.
    f.extend((0..size).map(|i| (b'a' + (i % 26) as u8) ^ MASK[i % 4]));
    f
}

/// Connects (retrying while the server starts) and upgrades, with
/// SO_RCVBUF set to `rcvbuf` if given. Returns the stream and any bytes
/// read past the response head.
async fn connect(addr: SocketAddr, rcvbuf: Option<u32>) -> std::io::Result<(TcpStream, Vec<u8>)> {
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut stream = loop {
        let socket = tokio::net::TcpSocket::new_v4()?;
        if let Some(bytes) = rcvbuf {
            socket.set_recv_buffer_size(bytes)?;
        }
        match socket.connect(addr).await {
            Ok(s) => break s,
            Err(e)
                if Instant::now() < deadline
                    && e.kind() == std::io::ErrorKind::ConnectionRefused =>
            {
                tokio::time::sleep(Duration::from_millis(20)).await
            }
            Err(e) => return Err(e),
        }
    };
    stream.set_nodelay(true)?;
    // Close with RST: no TIME_WAIT pile-up across the many runs.
    stream.set_zero_linger()?;
    let request = format!(
        "GET /bench HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
        addr.port()
    );
    stream.write_all(request.as_bytes()).await?;
    let mut buf = Vec::with_capacity(512);
    let mut chunk = [0u8; 512];
    loop {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            if !buf.starts_with(b"HTTP/1.1 101") {
                let head = String::from_utf8_lossy(&buf[..i]).into_owned();
                return Err(std::io::Error::other(format!("upgrade refused: {head}")));
            }
            return Ok((stream, buf.split_off(i + 4)));
        }
        if buf.len() > 8192 {
            return Err(std::io::Error::other("response head too large"));
        }
    }
}

/// Parses server frames (unmasked) out of a byte stream without keeping
/// their payloads. Counts completed data messages, each of which must be
/// as long as the message sent (a server that truncates echoes is an
/// error, not a fast server).
#[derive(Default)]
struct Reader {
    /// Payload bytes of the current frame still to skip.
    skip: u64,
    /// Whether the frame being skipped ends a data message.
    counts: bool,
    /// A partial header carried over to the next read.
    partial: Vec<u8>,
    /// The length every echo must have.
    expected: u64,
    /// Payload bytes of the data message being received, so far.
    message_len: u64,
}

impl Reader {
    fn new(expected: usize) -> Self {
        Reader {
            expected: expected as u64,
            ..Reader::default()
        }
    }

    /// Consumes `data`; returns how many data messages completed.
    fn feed(&mut self, input: &[u8]) -> std::io::Result<usize> {
        let mut done = 0;
        let scratch;
        let mut data = input;
        if !self.partial.is_empty() {
            let mut joined = std::mem::take(&mut self.partial);
            joined.extend_from_slice(data);
            scratch = joined;
            data = &scratch[..];
        }
        loop {
            if self.skip > 0 {
                let k = (self.skip as usize).min(data.len());
                self.skip -= k as u64;
                data = &data[k..];
                if self.skip > 0 {
                    return Ok(done);
                }
                if self.counts {
                    done += 1;
                }
            }
            if data.len() < 2 {
                self.partial.extend_from_slice(data);
                return Ok(done);
            }
            let (b0, b1) = (data[0], data[1]);
            if b1 & 0x80 != 0 {
                return Err(std::io::Error::other("server frame is masked"));
            }
            let (len, hdr) = match b1 & 0x7f {
                126 if data.len() >= 4 => (u16::from_be_bytes([data[2], data[3]]) as u64, 4),
                127 if data.len() >= 10 => {
                    (u64::from_be_bytes(data[2..10].try_into().unwrap()), 10)
                }
                126 | 127 => {
                    self.partial.extend_from_slice(data);
                    return Ok(done);
                }
                n => (n as u64, 2),
            };
            let opcode = b0 & 0x0f;
            if opcode == 0x8 {
                return Err(std::io::Error::other("server closed the connection"));
            }
            // Data frames (and continuations) count when final, and only
            // when the whole message is as long as the one sent.
            self.counts = b0 & 0x80 != 0 && opcode <= 0x2;
            if opcode <= 0x2 {
                self.message_len += len;
                if self.counts {
                    let got = std::mem::take(&mut self.message_len);
                    if got != self.expected {
                        return Err(std::io::Error::other(format!(
                            "an echo of {got} bytes, for a message of {}",
                            self.expected
                        )));
                    }
                }
            }
            data = &data[hdr..];
            self.skip = len;
            if len == 0 && self.counts {
                done += 1;
                self.counts = false;
            }
        }
    }
}

/// What every connection shares (single-threaded).
struct Shared {
    /// 0: warm-up, 1: measuring, 2: stop.
    phase: Cell<u8>,
    messages: Cell<u64>,
    latencies_ns: RefCell<Vec<u32>>,
    errors: RefCell<Vec<String>>,
}

/// Per connection: timestamps of the messages in flight, and how many more
/// may be sent.
struct Flight {
    sent: VecDeque<Instant>,
    credits: usize,
}

async fn run_connection(addr: SocketAddr, args: Rc<ArgsShared>, shared: Rc<Shared>) {
    if let Err(e) = drive(addr, &args, &shared).await {
        if shared.phase.get() < 2 {
            shared.errors.borrow_mut().push(e.to_string());
        }
    }
}

struct ArgsShared {
    /// The payload length of every message.
    size: usize,
    frame: Vec<u8>,
    /// `batch_max` copies of `frame`, for small frames written together.
    batch: Vec<u8>,
    batch_max: usize,
    inflight: usize,
    rcvbuf: Option<u32>,
}

async fn drive(addr: SocketAddr, a: &ArgsShared, shared: &Shared) -> std::io::Result<()> {
    let (mut stream, leftover) = connect(addr, a.rcvbuf).await?;
    let (mut rd, mut wr) = stream.split();
    let flight = RefCell::new(Flight {
        sent: VecDeque::with_capacity(a.inflight),
        credits: a.inflight,
    });
    let wake_writer = Notify::new();
    let writer = async {
        loop {
            let n = {
                let mut f = flight.borrow_mut();
                let n = f.credits;
                if n > 0 {
                    f.credits = 0;
                    let now = Instant::now();
                    f.sent.extend(std::iter::repeat_n(now, n));
                }
                n
            };
            if shared.phase.get() == 2 {
                return Ok::<(), std::io::Error>(());
            }
            if n == 0 {
                wake_writer.notified().await;
                continue;
            }
            let mut left = n;
            while left > 0 {
                let k = left.min(a.batch_max);
                wr.write_all(&a.batch[..k * a.frame.len()]).await?;
                left -= k;
            }
        }
    };
    let reader = async {
        let mut parser = Reader::new(a.size);
        let mut buf = vec![0u8; 64 << 10];
        let mut pending = leftover;
        loop {
            let n = if pending.is_empty() {
                let n = rd.read(&mut buf).await?;
                if n == 0 {
                    return Err(std::io::ErrorKind::UnexpectedEof.into());
                }
                parser.feed(&buf[..n])?
            } else {
                parser.feed(&std::mem::take(&mut pending))?
            };
            if n > 0 {
                let now = Instant::now();
                let measuring = shared.phase.get() == 1;
                let mut f = flight.borrow_mut();
                if measuring {
                    let mut lat = shared.latencies_ns.borrow_mut();
                    for _ in 0..n {
                        let t = f
                            .sent
                            .pop_front()
                            .ok_or_else(|| std::io::Error::other("unexpected echo"))?;
                        lat.push(now.duration_since(t).as_nanos().min(u32::MAX as u128) as u32);
                    }
                    shared.messages.set(shared.messages.get() + n as u64);
                } else {
                    for _ in 0..n {
                        f.sent
                            .pop_front()
                            .ok_or_else(|| std::io::Error::other("unexpected echo"))?;
                    }
                }
                f.credits += n;
                drop(f);
                wake_writer.notify_one();
            }
            if shared.phase.get() == 2 {
                wake_writer.notify_one();
                return Ok(());
            }
        }
    };
    tokio::try_join!(writer, reader)?;
    Ok(())
}

fn percentile(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i] as f64 / 1000.0
}

fn main() {
    let args = parse_args();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let local = tokio::task::LocalSet::new();
    let addr = SocketAddr::from(([127, 0, 0, 1], args.port));
    let json = local.block_on(&rt, async move {
        match args.idle {
            Some(n) => idle(addr, n, args.server_pid).await,
            None => load(addr, &args).await,
        }
    });
    println!("{json}");
    // Exit without dropping the runtime: the sockets close with RST.
    std::process::exit(0);
}

async fn load(addr: SocketAddr, args: &Args) -> String {
    // Check once that the echo is byte-exact before measuring.
    if let Err(e) = check_echo(addr, args.size).await {
        die(&format!("echo check failed: {e}"));
    }
    let frame = client_frame(args.size);
    let batch_max = if args.size <= 1024 {
        args.inflight.max(1)
    } else {
        1
    };
    let batch = frame.repeat(batch_max);
    let a = Rc::new(ArgsShared {
        size: args.size,
        frame,
        batch,
        batch_max,
        inflight: args.inflight,
        rcvbuf: args.rcvbuf,
    });
    let shared = Rc::new(Shared {
        phase: Cell::new(0),
        messages: Cell::new(0),
        latencies_ns: RefCell::new(Vec::with_capacity(1 << 20)),
        errors: RefCell::new(Vec::new()),
    });
    for _ in 0..args.conns {
        tokio::task::spawn_local(run_connection(addr, a.clone(), shared.clone()));
    }
    tokio::time::sleep(Duration::from_secs_f64(args.warmup)).await;
    let cpu0 = server_cpu(args.server_pid);
    let own0 = server_cpu(Some(std::process::id()));
    let t0 = Instant::now();
    shared.phase.set(1);
    tokio::time::sleep(Duration::from_secs_f64(args.duration)).await;
    shared.phase.set(2);
    let elapsed = t0.elapsed().as_secs_f64();
    let cpu1 = server_cpu(args.server_pid);
    let own1 = server_cpu(Some(std::process::id()));
    let messages = shared.messages.get();
    let mut lat = std::mem::take(&mut *shared.latencies_ns.borrow_mut());
    lat.sort_unstable();
    let errors = shared.errors.borrow();
    let server_cpu_s = cpu1 - cpu0;
    let mps = messages as f64 / elapsed;
    format!(
        concat!(
            "{{\"conns\":{},\"size\":{},\"inflight\":{},\"duration_s\":{:.3},\"messages\":{},",
            "\"msgs_per_s\":{:.1},\"mb_per_s\":{:.3},\"p50_us\":{:.1},\"p90_us\":{:.1},\"p99_us\":{:.1},",
            "\"server_cpu_s\":{:.3},\"server_cpu_us_per_msg\":{:.4},\"server_cpu_util\":{:.3},\"loadgen_cpu_util\":{:.3},",
            "\"errors\":{},\"first_error\":{:?}}}"
        ),
        args.conns,
        args.size,
        args.inflight,
        elapsed,
        messages,
        mps,
        mps * args.size as f64 / 1e6,
        percentile(&lat, 0.50),
        percentile(&lat, 0.90),
        percentile(&lat, 0.99),
        server_cpu_s,
        if messages > 0 { server_cpu_s * 1e6 / messages as f64 } else { f64::NAN },
        server_cpu_s / elapsed,
        (own1 - own0) / elapsed,
        errors.len(),
        errors.first().cloned().unwrap_or_default(),
    )
}

/// Sends one message and checks the echo byte for byte.
async fn check_echo(addr: SocketAddr, size: usize) -> std::io::Result<()> {
    let (mut stream, mut got) = connect(addr, None).await?;
    stream.write_all(&client_frame(size)).await?;
    let want_hdr = if size < 126 {
        2
    } else if size <= 0xffff {
        4
    } else {
        10
    };
    let mut chunk = vec![0u8; 64 << 10];
    while got.len() < want_hdr + size {
        let n = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut chunk))
            .await
            .map_err(|_| std::io::Error::other("no echo within 10 s"))??;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        got.extend_from_slice(&chunk[..n]);
    }
    let payload: Vec<u8> = (0..size).map(|i| b'a' + (i % 26) as u8).collect();
    if got[0] != 0x82 || got[want_hdr..want_hdr + size] != payload[..] {
        return Err(std::io::Error::other("echo differs from the message sent"));
    }
    Ok(())
}

async fn idle(addr: SocketAddr, n: usize, pid: Option<u32>) -> String {
    // One connection first, so the server's one-time set-up is not counted.
    if let Err(e) = check_echo(addr, 16).await {
        die(&format!("echo check failed: {e}"));
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let rss0 = server_rss_kib(pid);
    let started = Instant::now();
    let gate = Rc::new(Semaphore::new(200));
    let mut tasks = Vec::with_capacity(n);
    for _ in 0..n {
        let gate = gate.clone();
        tasks.push(tokio::task::spawn_local(async move {
            let _permit = gate.acquire().await.unwrap();
            connect(addr, None).await
        }));
    }
    let mut streams = Vec::with_capacity(n);
    let mut failed = 0usize;
    let mut first_error = String::new();
    for t in tasks {
        match t.await.unwrap() {
            Ok((s, _)) => streams.push(s),
            Err(e) => {
                if failed == 0 {
                    first_error = e.to_string();
                }
                failed += 1;
            }
        }
    }
    let open_s = started.elapsed().as_secs_f64();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let rss1 = server_rss_kib(pid);
    // Connections open when `rss1` was read: its divisor.
    let open_idle = streams.len();
    // Then one 16-byte echo on each, and idle again.
    let frame = Rc::new(client_frame(16));
    let mut echoes = Vec::with_capacity(streams.len());
    for mut s in streams {
        let frame = frame.clone();
        let gate = gate.clone();
        echoes.push(tokio::task::spawn_local(async move {
            let _permit = gate.acquire().await.unwrap();
            s.write_all(&frame).await?;
            let mut got = 0;
            let mut b = [0u8; 64];
            while got < 18 {
                let k = s.read(&mut b).await?;
                if k == 0 {
                    return Err(std::io::ErrorKind::UnexpectedEof.into());
                }
                got += k;
            }
            Ok::<_, std::io::Error>(s)
        }));
    }
    let mut streams = Vec::with_capacity(echoes.len());
    for t in echoes {
        if let Ok(s) = t.await.unwrap() {
            streams.push(s);
        }
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let rss2 = server_rss_kib(pid);
    let open = streams.len();
    let per = |r: u64, open: usize| {
        if open > 0 {
            (r as f64 - rss0 as f64) / open as f64
        } else {
            f64::NAN
        }
    };
    let json = format!(
        concat!(
            "{{\"idle_conns\":{},\"failed\":{},\"first_error\":{:?},\"open_s\":{:.2},",
            "\"rss_before_kib\":{},\"rss_idle_kib\":{},\"rss_after_echo_kib\":{},",
            "\"kib_per_conn\":{:.2},\"kib_per_conn_after_echo\":{:.2}}}"
        ),
        open,
        failed,
        first_error,
        open_s,
        rss0,
        rss1,
        rss2,
        per(rss1, open_idle),
        per(rss2, open)
    );
    drop(streams);
    json
}
