//! The blocking byte-stream view: 100 MiB through `Read + Write`, by
//! checksum, and text framing.

use sockeye_std::{ByteStream, Decision, Framing, ServerOptions};
use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::Duration;

const TOTAL: usize = 100 << 20;
const CHUNK: usize = 1 << 20;

fn checksum(state: &mut u64, data: &[u8]) {
    let mut words = data.chunks_exact(8);
    for w in &mut words {
        let v = u64::from_le_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]]);
        *state = (*state ^ v).wrapping_mul(0x100_0000_01b3);
    }
    for &b in words.remainder() {
        *state = (*state ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
    }
}

/// Runs `body` on a thread and fails if it takes longer than `secs`.
fn bounded(secs: u64, body: impl FnOnce() + Send + 'static) {
    let (tx, rx) = std::sync::mpsc::channel();
    let worker = std::thread::spawn(move || {
        body();
        let _ = tx.send(());
    });
    match rx.recv_timeout(Duration::from_secs(secs)) {
        Ok(()) => worker.join().unwrap(),
        Err(_) if worker.is_finished() => worker.join().unwrap(),
        Err(_) => panic!("the test did not finish in time"),
    }
}

#[test]
fn copies_100_mib() {
    bounded(120, || {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let server = std::thread::spawn(move || {
            let (tcp, _) = listener.accept().unwrap();
            let options = ServerOptions::new().max_message_size(2 * CHUNK);
            let ws =
                sockeye_std::accept_with_options(tcp, &options, |_| Decision::accept()).unwrap();
            let mut stream = ByteStream::new(ws, Framing::Binary);
            let mut buf = vec![0u8; CHUNK];
            let (mut total, mut sum) = (0usize, 0u64);
            loop {
                let n = stream.read(&mut buf).unwrap();
                if n == 0 {
                    return (total, sum);
                }
                checksum(&mut sum, &buf[..n]);
                total += n;
            }
        });
        let (ws, _) = sockeye_std::connect(&format!("ws://{addr}/")).unwrap();
        let mut stream = ByteStream::new(ws, Framing::Binary);
        let data: Vec<u8> = (0..CHUNK).map(|i| (i * 31 % 251) as u8).collect();
        let mut sum = 0u64;
        for _ in 0..TOTAL / CHUNK {
            stream.write_all(&data).unwrap();
            checksum(&mut sum, &data);
        }
        stream.close().unwrap();
        assert_eq!(server.join().unwrap(), (TOTAL, sum));
    });
}

#[test]
fn text_framing_and_end_of_stream() {
    bounded(20, || {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let server = std::thread::spawn(move || {
            let (tcp, _) = listener.accept().unwrap();
            let mut ws = sockeye_std::accept(tcp).unwrap();
            let mut got = String::new();
            loop {
                match ws.read() {
                    Ok(m) if m.is_text() => got.push_str(m.as_text().unwrap()),
                    Ok(_) => {}
                    Err(_) => return got,
                }
            }
        });
        let (ws, _) = sockeye_std::connect(&format!("ws://{addr}/")).unwrap();
        let mut stream = ByteStream::new(ws, Framing::Text);
        for piece in "naïve café ☕".as_bytes().chunks(3) {
            stream.write_all(piece).unwrap();
        }
        let e = stream.write(&[0xff]).unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::InvalidData);
        stream.close().unwrap();
        assert_eq!(server.join().unwrap(), "naïve café ☕");
    });
}
