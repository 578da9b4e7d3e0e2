//! Hostile input against the real server of every adapter. Each test checks
//! the server's answer and that a fresh client is still served afterwards.

mod common;

use common::{echo_server, still_serves, RUNTIMES};
use sockeye_std::ServerOptions;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

const KEY: &str = "dGhlIHNhbXBsZSBub25jZQ==";

fn connect(addr: SocketAddr) -> TcpStream {
    let s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    s.set_write_timeout(Some(Duration::from_secs(20))).unwrap();
    s
}

/// Sends `request` (from another thread, so the server may answer before it
/// is all written) and returns the server's whole answer.
fn answer_to(addr: SocketAddr, request: Vec<u8>) -> String {
    let mut s = connect(addr);
    let mut w = s.try_clone().unwrap();
    let writer = std::thread::spawn(move || {
        let _ = w.write_all(&request);
    });
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match s.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => out.extend_from_slice(&buf[..n]),
        }
        // An accepted upgrade stays open: its head is the whole answer.
        if out.starts_with(b"HTTP/1.1 101") && out.windows(4).any(|w| w == b"\r\n\r\n") {
            break;
        }
    }
    let _ = writer.join();
    String::from_utf8_lossy(&out).into_owned()
}

fn request_with(extra: &str) -> String {
    format!(
        "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: {KEY}\r\nSec-WebSocket-Version: 13\r\n{extra}\r\n"
    )
}

/// A raw, upgraded connection.
fn upgraded(addr: SocketAddr) -> TcpStream {
    upgraded_with(addr, "").0
}

/// A raw connection upgraded by a request with `extra` header lines; also
/// returns the 101 response head.
fn upgraded_with(addr: SocketAddr, extra: &str) -> (TcpStream, String) {
    let mut s = connect(addr);
    s.write_all(request_with(extra).as_bytes()).unwrap();
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        s.read_exact(&mut byte).unwrap();
        head.push(byte[0]);
    }
    assert!(
        head.starts_with(b"HTTP/1.1 101"),
        "{}",
        String::from_utf8_lossy(&head)
    );
    (s, String::from_utf8_lossy(&head).into_owned())
}

fn frame(fin: bool, rsv: u8, opcode: u8, payload: &[u8]) -> Vec<u8> {
    let key = [1, 2, 3, 4];
    let mut out = vec![(if fin { 0x80 } else { 0 }) | rsv | opcode];
    let len = payload.len();
    if len < 126 {
        out.push(0x80 | len as u8);
    } else if len <= 0xFFFF {
        out.push(0x80 | 126);
        out.extend_from_slice(&(len as u16).to_be_bytes());
    } else {
        out.push(0x80 | 127);
        out.extend_from_slice(&(len as u64).to_be_bytes());
    }
    out.extend_from_slice(&key);
    out.extend(payload.iter().enumerate().map(|(i, b)| b ^ key[i % 4]));
    out
}

/// Reads server frames until a close frame; returns its code (None if the
/// connection ended without one).
fn close_code(s: &mut TcpStream) -> Option<u16> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 65536];
    loop {
        // Parse whatever is buffered.
        while buf.len() >= 2 {
            let len7 = (buf[1] & 0x7F) as usize;
            let (len, hl) = match len7 {
                126 if buf.len() >= 4 => (u16::from_be_bytes([buf[2], buf[3]]) as usize, 4),
                127 if buf.len() >= 10 => (
                    u64::from_be_bytes(buf[2..10].try_into().unwrap()) as usize,
                    10,
                ),
                126 | 127 => break,
                n => (n, 2),
            };
            if buf.len() < hl + len {
                break;
            }
            if buf[0] & 0x0F == 8 {
                return (len >= 2).then(|| u16::from_be_bytes([buf[hl], buf[hl + 1]]));
            }
            buf.drain(..hl + len);
        }
        match s.read(&mut chunk) {
            Ok(0) | Err(_) => return None,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
}

/// Sends `bytes` on a fresh upgraded connection (from another thread) and
/// returns the close code the server answers with.
fn close_code_for(addr: SocketAddr, bytes: Vec<u8>) -> Option<u16> {
    close_code_after(upgraded(addr), bytes)
}

/// Sends `bytes` on the upgraded connection `s` (from another thread) and
/// returns the close code the server answers with.
fn close_code_after(mut s: TcpStream, bytes: Vec<u8>) -> Option<u16> {
    let mut w = s.try_clone().unwrap();
    let writer = std::thread::spawn(move || {
        let _ = w.write_all(&bytes);
    });
    let code = close_code(&mut s);
    let _ = writer.join();
    code
}

/// Resident memory of this process, in bytes.
fn rss() -> usize {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap();
    statm
        .split_whitespace()
        .nth(1)
        .unwrap()
        .parse::<usize>()
        .unwrap()
        * 4096
}

/// Runs `attack`; returns its result and how far the resident memory of this
/// process (servers included) rose above its size before, at its peak: the
/// high-water mark `VmHWM`, reset first through `/proc/self/clear_refs`, so
/// memory allocated and freed again during the attack counts too. The
/// high-water mark is the process's: measured attacks take turns, so that
/// one test's reset or peak does not land inside another's window.
fn peak_growth<T>(attack: impl FnOnce() -> T) -> (T, usize) {
    static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let before = rss();
    std::fs::write("/proc/self/clear_refs", "5").unwrap();
    let result = attack();
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let peak_kib: usize = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap();
    (result, (peak_kib << 10).saturating_sub(before))
}

/// The server's side of the connections to `port` that the server still
/// holds: sockets on that local port that are established, or that the
/// client closed and the server has not (CLOSE_WAIT). Counted from
/// `/proc/net/tcp` rather than this process's descriptors, which the other
/// tests running meanwhile open and close too.
fn held_sockets(port: u16) -> usize {
    let table = std::fs::read_to_string("/proc/net/tcp").unwrap();
    let local = format!(":{port:04X}");
    table
        .lines()
        .skip(1)
        .filter(|line| {
            let mut fields = line.split_whitespace().skip(1);
            let address = fields.next().unwrap_or("");
            let state = fields.nth(1).unwrap_or("");
            // 01: ESTABLISHED, 08: CLOSE_WAIT.
            address.ends_with(&local) && matches!(state, "01" | "08")
        })
        .count()
}

fn big_head_options() -> ServerOptions {
    let mut o = ServerOptions::new();
    o.config.handshake.max_head_bytes = 1 << 20;
    o
}

#[test]
fn handshake_floods_get_431() {
    for rt in RUNTIMES {
        let addr = echo_server(rt, ServerOptions::new());
        let many: String = (0..2_500).map(|i| format!("X-Header-{i}: v\r\n")).collect();
        let answer = answer_to(addr, request_with(&many).into_bytes());
        assert!(answer.starts_with("HTTP/1.1 431"), "{rt}: {answer:.80}");

        let long_line = format!("X-Long: {}\r\n", "a".repeat(1 << 20));
        let answer = answer_to(addr, request_with(&long_line).into_bytes());
        assert!(answer.starts_with("HTTP/1.1 431"), "{rt}: {answer:.80}");
        still_serves(addr);
    }
}

#[test]
fn pathological_header_values_are_answered_in_linear_time() {
    for rt in RUNTIMES {
        let addr = echo_server(rt, big_head_options());
        let commas = format!("Sec-WebSocket-Protocol: {}\r\n", ", ".repeat(100_000));
        let started = Instant::now();
        let answer = answer_to(addr, request_with(&commas).into_bytes());
        assert!(answer.starts_with("HTTP/1.1 400"), "{rt}: {answer:.80}");
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{rt}: {:?}",
            started.elapsed()
        );

        let params: String = (0..20_000).map(|i| format!("; p{i}=\"{i}\"")).collect();
        let absurd = format!(
            "Sec-WebSocket-Extensions: permessage-deflate{params}, x-{}\r\n",
            "y".repeat(5000)
        );
        let started = Instant::now();
        let answer = answer_to(addr, request_with(&absurd).into_bytes());
        // Unknown or invalid offers are declined, never fatal to the server.
        assert!(
            answer.starts_with("HTTP/1.1 101") || answer.starts_with("HTTP/1.1 400"),
            "{rt}: {answer:.80}"
        );
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{rt}: {:?}",
            started.elapsed()
        );
        still_serves(addr);
    }
}

#[test]
fn invalid_upgrades_get_their_status() {
    for rt in RUNTIMES {
        let addr = echo_server(rt, ServerOptions::new());
        let no_key = "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n";
        assert!(
            answer_to(addr, no_key.into()).starts_with("HTTP/1.1 400"),
            "{rt}"
        );
        let bad_key = request_with("").replace(KEY, "c2hvcnQ=");
        assert!(
            answer_to(addr, bad_key.into_bytes()).starts_with("HTTP/1.1 400"),
            "{rt}"
        );
        let bad_version = request_with("").replace("Version: 13", "Version: 7");
        let answer = answer_to(addr, bad_version.into_bytes());
        assert!(answer.starts_with("HTTP/1.1 426"), "{rt}: {answer}");
        assert!(
            answer.contains("Sec-WebSocket-Version: 13, 8"),
            "{rt}: {answer}"
        );
        still_serves(addr);
    }
}

#[test]
fn slowloris_is_cut_off_while_others_are_served() {
    for rt in RUNTIMES {
        let addr = echo_server(
            rt,
            ServerOptions::new().handshake_timeout(Duration::from_secs(1)),
        );
        let mut slow = connect(addr);
        let started = Instant::now();
        let request = request_with("");
        let mut cut_off = None;
        for (i, byte) in request.bytes().enumerate() {
            if slow.write_all(&[byte]).is_err() {
                cut_off = Some(started.elapsed());
                break;
            }
            // Others are served while the slow client dribbles.
            if i == 1 {
                still_serves(addr);
            }
            std::thread::sleep(Duration::from_millis(250));
            if started.elapsed() > Duration::from_secs(6) {
                break;
            }
        }
        // The server closed it (writes fail, or reads see the end).
        let mut rest = Vec::new();
        let _ = slow.read_to_end(&mut rest);
        let elapsed = cut_off.unwrap_or(started.elapsed());
        assert!(
            elapsed < Duration::from_secs(6),
            "{rt}: slow client still open after {elapsed:?}"
        );
        assert!(!String::from_utf8_lossy(&rest).contains("101"), "{rt}");
        still_serves(addr);
    }
}

#[test]
fn frame_violations_get_their_close_codes() {
    for rt in RUNTIMES {
        let mut options = ServerOptions::new();
        options.config.max_message_size = 1 << 20;
        let addr = echo_server(rt, options);
        let mut unmasked = vec![0x81, 0x02];
        unmasked.extend_from_slice(b"hi");
        let mut huge = vec![0x82, 0xFF];
        huge.extend_from_slice(&((1u64 << 63) - 1).to_be_bytes());
        huge.extend_from_slice(&[1, 2, 3, 4]);
        let mut split_utf8 = frame(false, 0, 1, &[0xE2, 0x82]);
        split_utf8.extend(frame(true, 0, 0, &[0x28]));
        let mut bad_reason = 1000u16.to_be_bytes().to_vec();
        bad_reason.extend_from_slice(&[0xC3, 0x28]);
        let mut over_limit = Vec::new();
        for i in 0..3 {
            over_limit.extend(frame(
                i == 2,
                0,
                if i == 0 { 2 } else { 0 },
                &vec![0u8; 512 << 10],
            ));
        }
        let cases: Vec<(&str, Vec<u8>, u16)> = vec![
            ("unmasked frame", unmasked, 1002),
            ("RSV1 without extension", frame(true, 0x40, 1, b"x"), 1002),
            ("RSV3", frame(true, 0x10, 2, b"x"), 1002),
            ("opcode 3", frame(true, 0, 3, b""), 1002),
            ("opcode 0xB", frame(true, 0, 0xB, b""), 1002),
            ("fragmented ping", frame(false, 0, 9, b""), 1002),
            ("126-byte ping", frame(true, 0, 9, &[0; 126]), 1002),
            ("continuation without start", frame(true, 0, 0, b"x"), 1002),
            ("invalid UTF-8", frame(true, 0, 1, &[b'a', 0xFF]), 1007),
            ("UTF-8 split across fragments", split_utf8, 1007),
            (
                "invalid UTF-8 in close reason",
                frame(true, 0, 8, &bad_reason),
                1007,
            ),
            ("declared length 2^63-1", huge, 1009),
            ("message over the limit", over_limit, 1009),
        ];
        let mut most = 0;
        for (what, bytes, code) in cases {
            let (answer, grown) = peak_growth(|| close_code_for(addr, bytes));
            assert_eq!(answer, Some(code), "{rt}: {what}");
            assert!(grown < 64 << 20, "{rt}: {what}: memory peaked +{grown}");
            most = most.max(grown);
        }
        eprintln!("{rt}: peak RSS +{} KiB at most", most >> 10);
        still_serves(addr);
    }
}

#[test]
fn a_million_one_byte_fragments_are_cut_off() {
    for rt in RUNTIMES {
        let addr = echo_server(rt, ServerOptions::new());
        let mut bytes = frame(false, 0, 2, b"x");
        let cont = frame(false, 0, 0, b"x");
        bytes.reserve(cont.len() * 1_000_000);
        for _ in 0..999_999 {
            bytes.extend_from_slice(&cont);
        }
        let (answer, grown) = peak_growth(|| close_code_for(addr, bytes));
        assert_eq!(answer, Some(1009), "{rt}");
        assert!(grown < 64 << 20, "{rt}: memory peaked +{grown}");
        eprintln!("{rt}: peak RSS +{} KiB", grown >> 10);
        still_serves(addr);
    }
}

#[test]
fn ping_flood_without_reading_stays_bounded() {
    for rt in RUNTIMES {
        let addr = echo_server(rt, ServerOptions::new());
        let mut s = upgraded(addr);
        let ping = frame(true, 0, 9, b"0123456789abcdef");
        let mut flood = Vec::with_capacity(ping.len() * 100_000);
        for _ in 0..100_000 {
            flood.extend_from_slice(&ping);
        }
        let (got, grown) = peak_growth(|| {
            s.write_all(&flood).unwrap();
            // The server answered what it could, stayed responsive and small.
            s.write_all(&frame(true, 0, 1, b"after the flood")).unwrap();
            let mut got = Vec::new();
            let mut chunk = [0u8; 65536];
            while !got.windows(15).any(|w| w == b"after the flood") {
                let n = s.read(&mut chunk).unwrap();
                assert!(n > 0, "{rt}: connection closed");
                got.extend_from_slice(&chunk[..n]);
            }
            got
        });
        // Pongs beyond the backlog were coalesced (RFC 6455 §5.5.3): at most
        // one pong per ping ever reaches us.
        assert!(got.len() <= 100_000 * 18 + 64, "{rt}: {} bytes", got.len());
        assert!(grown < 64 << 20, "{rt}: memory peaked +{grown}");
        eprintln!(
            "{rt}: {} bytes back, peak RSS +{} KiB",
            got.len(),
            grown >> 10
        );
        still_serves(addr);
    }
}

#[test]
fn a_client_that_never_reads_cannot_grow_server_memory() {
    for rt in RUNTIMES {
        let addr = echo_server(rt, ServerOptions::new().write_buffer_limit(1 << 20));
        let s = upgraded(addr);
        s.set_write_timeout(Some(Duration::from_secs(3))).unwrap();
        let message = frame(true, 0, 2, &vec![7u8; 64 << 10]);
        let mut w = s.try_clone().unwrap();
        let (sent, grown) = peak_growth(|| {
            let mut sent = 0usize;
            // Write echoes-to-be until the server stops taking them (it waits
            // for us to read, we never do) or 256 MiB went through.
            while sent < 256 << 20 {
                if w.write_all(&message).is_err() {
                    break;
                }
                sent += message.len();
            }
            sent
        });
        assert!(
            sent < 256 << 20,
            "{rt}: the server buffered {sent} bytes without pushing back"
        );
        assert!(grown < 96 << 20, "{rt}: memory peaked +{grown}");
        eprintln!("{rt}: {sent} bytes taken, peak RSS +{} KiB", grown >> 10);
        drop(s);
        still_serves(addr);
    }
}

#[test]
fn ten_thousand_dropped_connections_leave_no_trace() {
    for rt in RUNTIMES {
        let addr = echo_server(rt, ServerOptions::new());
        still_serves(addr);
        std::thread::sleep(Duration::from_millis(100));
        let baseline = held_sockets(addr.port());
        let request = request_with("");
        let partial_request = &request.as_bytes()[..40];
        for i in 0..10_000 {
            if i % 2 == 0 {
                // Mid-handshake.
                let mut s = connect(addr);
                let _ = s.write_all(partial_request);
            } else if i % 50 == 1 {
                // Mid-frame, after a complete handshake.
                let mut s = upgraded(addr);
                let _ = s.write_all(&frame(true, 0, 2, &[0; 1000])[..500]);
            } else {
                let _ = connect(addr);
            }
        }
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut held = held_sockets(addr.port());
        let right_after = held;
        while held > baseline + 8 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
            held = held_sockets(addr.port());
        }
        assert!(
            held <= baseline + 8,
            "{rt}: the server still holds {held} connections, {baseline} before"
        );
        eprintln!("{rt}: {baseline} connections held before, {right_after} right after the drops, {held} later");
        still_serves(addr);
    }
}

/// How much the deflate bomb inflates to.
const BOMB_INFLATED: usize = 1 << 30;

/// A permessage-deflate message payload (raw DEFLATE, trailing `00 00 ff ff`
/// removed, RFC 7692 §7.2.1) that inflates to [`BOMB_INFLATED`] zeros:
/// about 1 MiB, DEFLATE's best ratio being about 1:1032. Built once.
fn deflate_bomb() -> &'static [u8] {
    static BOMB: OnceLock<Vec<u8>> = OnceLock::new();
    BOMB.get_or_init(|| {
        let mut compressor = sockeye_proto::deflate::Compressor::new(9, 15);
        let zeros = vec![0u8; 1 << 20];
        let mut out = sockeye_proto::BytesMut::new();
        let chunks = BOMB_INFLATED / zeros.len();
        for i in 0..chunks {
            compressor
                .compress(&zeros, i + 1 == chunks, &mut out)
                .unwrap();
        }
        out.to_vec()
    })
}

/// Sends `bomb` (masked frames) to a fresh server on every runtime that
/// accepts permessage-deflate with a 1 MiB message limit: it must answer
/// 1009 within 2 s, with memory growing far less than the inflated size,
/// and still serve others.
fn bomb_is_defused(frames: impl Fn(&[u8]) -> Vec<u8>) {
    let bomb = frames(deflate_bomb());
    for rt in RUNTIMES {
        let mut options = ServerOptions::new().deflate(Some(sockeye_std::default_deflate()));
        options.config.max_message_size = 1 << 20;
        let addr = echo_server(rt, options);
        let (s, head) = upgraded_with(addr, "Sec-WebSocket-Extensions: permessage-deflate\r\n");
        assert!(
            head.to_ascii_lowercase()
                .contains("\r\nsec-websocket-extensions: permessage-deflate"),
            "{rt}: compression not accepted: {head}"
        );
        let bytes = bomb.clone();
        let ((answer, elapsed), grown) = peak_growth(|| {
            let started = Instant::now();
            (close_code_after(s, bytes), started.elapsed())
        });
        assert_eq!(answer, Some(1009), "{rt}");
        assert!(elapsed < Duration::from_secs(2), "{rt}: took {elapsed:?}");
        assert!(grown < 64 << 20, "{rt}: memory peaked +{grown}");
        eprintln!(
            "{rt}: {} bytes in, 1009 after {elapsed:?}, peak RSS +{} KiB",
            bomb.len(),
            grown >> 10
        );
        still_serves(addr);
    }
}

#[test]
fn deflate_bomb_in_one_frame_is_cut_off() {
    assert!(deflate_bomb().len() < 2 << 20, "{}", deflate_bomb().len());
    bomb_is_defused(|bomb| frame(true, 0x40, 2, bomb));
}

#[test]
fn deflate_bomb_in_many_fragments_is_cut_off() {
    // 256-byte fragments each inflate to about 256 KiB, below the 1 MiB
    // limit: only the message's running total can stop them.
    bomb_is_defused(|bomb| {
        let pieces: Vec<&[u8]> = bomb.chunks(256).collect();
        let mut bytes = Vec::with_capacity(bomb.len() + pieces.len() * 8);
        for (i, piece) in pieces.iter().enumerate() {
            let (fin, rsv, opcode) = (
                i + 1 == pieces.len(),
                if i == 0 { 0x40 } else { 0 },
                if i == 0 { 2 } else { 0 },
            );
            bytes.extend(frame(fin, rsv, opcode, piece));
        }
        bytes
    });
}
