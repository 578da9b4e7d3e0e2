//! The frame path through `Connection`, in frames per second for small
//! frames and bytes per second for large ones:
//!
//! * receive: a server fed masked frames (unmask in place, split off the
//!   payload, UTF-8 for text), a client fed unmasked ones; a batch of frames
//!   arrives in one read, as a busy connection sees them;
//! * send: `send_binary` / `send_text` encode (and, for a client, mask) into
//!   the write buffer, which `output_chunks` / `consume_output` drain as an
//!   adapter's vectored write would; for large payloads also the server's
//!   zero-copy `send_message`.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use sockeye_benches::ThreadCpuTime;
use sockeye_proto::{Bytes, Config, Connection, Event, MessageKind, Role, SendOptions, XorShift};

/// Frames per batch for small messages.
const BATCH: usize = 1000;

fn config() -> Config {
    let mut config = Config::default();
    config.max_message_size = 2 << 20;
    config.max_frame_size = 2 << 20;
    config
}

fn client() -> Connection {
    Connection::open(Role::Client, config(), Some(Box::new(XorShift::new(7))))
}

fn server() -> Connection {
    Connection::open(Role::Server, config(), None)
}

/// The bytes `count` messages make on the wire when `sender` sends them.
fn wire(mut sender: Connection, kind: MessageKind, payload: &[u8], count: usize) -> Vec<u8> {
    for _ in 0..count {
        match kind {
            MessageKind::Text => sender.send_text(std::str::from_utf8(payload).unwrap()),
            MessageKind::Binary => sender.send_binary(payload),
        }
        .unwrap();
    }
    sender.take_output()
}

/// Feeds `bytes` and polls every event; returns how many messages came out.
fn receive(conn: &mut Connection, bytes: &[u8]) -> usize {
    conn.feed(bytes);
    let mut n = 0;
    while let Some(event) = conn.poll_event().unwrap() {
        match event {
            Event::Text(t) => {
                black_box(t.len());
            }
            Event::Binary(b) => {
                black_box(b.len());
            }
            other => panic!("unexpected {other:?}"),
        }
        n += 1;
    }
    n
}

/// Writes everything queued, as an adapter would with one vectored write.
fn drain(conn: &mut Connection) -> usize {
    let mut total = 0;
    loop {
        let mut slots: [&[u8]; 16] = [&[]; 16];
        let n = conn.output_chunks(&mut slots);
        if n == 0 {
            return total;
        }
        let len: usize = slots[..n].iter().map(|s| black_box(s).len()).sum();
        conn.consume_output(len);
        total += len;
    }
}

fn payload(kind: MessageKind, size: usize) -> Vec<u8> {
    match kind {
        MessageKind::Text => sockeye_benches::mixed_text(size, 30).into_bytes(),
        MessageKind::Binary => (0..size).map(|i| (i * 31) as u8).collect(),
    }
}

fn kind_name(kind: MessageKind) -> &'static str {
    match kind {
        MessageKind::Text => "text",
        MessageKind::Binary => "binary",
    }
}

fn small(c: &mut Criterion<ThreadCpuTime>) {
    let mut group = c.benchmark_group("frames_small");
    group.throughput(Throughput::Elements(BATCH as u64));
    for size in [16usize, 125] {
        for kind in [MessageKind::Binary, MessageKind::Text] {
            let data = payload(kind, size);
            let name = format!("{}/{size}B", kind_name(kind));

            let masked = wire(client(), kind, &data, BATCH);
            let mut srv = server();
            group.bench_function(BenchmarkId::new("server_recv_masked", &name), |b| {
                b.iter(|| assert_eq!(receive(&mut srv, black_box(&masked)), BATCH))
            });

            let unmasked = wire(server(), kind, &data, BATCH);
            let mut cli = client();
            group.bench_function(BenchmarkId::new("client_recv_unmasked", &name), |b| {
                b.iter(|| assert_eq!(receive(&mut cli, black_box(&unmasked)), BATCH))
            });

            let text = std::str::from_utf8(&data).ok();
            for (side, mut conn) in [("server_send", server()), ("client_send_masked", client())] {
                group.bench_function(BenchmarkId::new(side, &name), |b| {
                    b.iter(|| {
                        for _ in 0..BATCH {
                            match text {
                                Some(t) if kind == MessageKind::Text => conn.send_text(t),
                                _ => conn.send_binary(black_box(&data)),
                            }
                            .unwrap();
                        }
                        black_box(drain(&mut conn))
                    })
                });
            }
        }
    }
    group.finish();
}

fn large(c: &mut Criterion<ThreadCpuTime>) {
    let mut group = c.benchmark_group("frames_large");
    for size in [64 * 1024usize, 1024 * 1024] {
        group.throughput(Throughput::Bytes(size as u64));
        let label = if size >= 1 << 20 { "1MiB" } else { "64KiB" };
        for kind in [MessageKind::Binary, MessageKind::Text] {
            let data = payload(kind, size);
            let name = format!("{}/{label}", kind_name(kind));

            let masked = wire(client(), kind, &data, 1);
            let mut srv = server();
            group.bench_function(BenchmarkId::new("server_recv_masked", &name), |b| {
                b.iter(|| assert_eq!(receive(&mut srv, black_box(&masked)), 1))
            });

            let unmasked = wire(server(), kind, &data, 1);
            let mut cli = client();
            group.bench_function(BenchmarkId::new("client_recv_unmasked", &name), |b| {
                b.iter(|| assert_eq!(receive(&mut cli, black_box(&unmasked)), 1))
            });
        }
        let data = payload(MessageKind::Binary, size);
        let shared = Bytes::from(data.clone());
        let mut srv = server();
        group.bench_function(BenchmarkId::new("server_send_zero_copy", label), |b| {
            b.iter(|| {
                srv.send_message(MessageKind::Binary, shared.clone(), SendOptions::default())
                    .unwrap();
                black_box(drain(&mut srv))
            })
        });
        let mut srv = server();
        group.bench_function(BenchmarkId::new("server_send_copy", label), |b| {
            b.iter(|| {
                srv.send_binary(black_box(&data)).unwrap();
                black_box(drain(&mut srv))
            })
        });
        let mut cli = client();
        group.bench_function(BenchmarkId::new("client_send_masked", label), |b| {
            b.iter(|| {
                cli.send_binary(black_box(&data)).unwrap();
                black_box(drain(&mut cli))
            })
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = sockeye_benches::criterion();
    targets = small, large
}
criterion_main!(benches);
