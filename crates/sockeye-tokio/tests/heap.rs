//! What a server connection keeps on the heap, measured with a counting
//! allocator.
//!
//! Idle: accepted, then waiting for its peer in a task of its own (the
//! `sockeye serve` shape), and the same through
//! [`Server::serve`](sockeye_tokio::Server::serve). Receive buffers are
//! parked while a connection waits, so what remains is the task, the
//! connection's state and tokio's registration; measured over a few hundred
//! connections opened by raw clients.
//!
//! Busy with large messages: echoing 64 KiB messages allocates no buffer
//! per message. The receive buffer takes its memory back once the message
//! split off it is written, and the frame headers share one allocation.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::io::{Read, Write};
use std::sync::atomic::{AtomicIsize, Ordering::Relaxed};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

struct Counting;
static LIVE: AtomicIsize = AtomicIsize::new(0);
thread_local! {
    /// Allocations of at least [`LARGE`] bytes made by this thread:
    /// message-sized buffers. Per thread, so that only the measured runtime
    /// counts, not the test harness beside it. A `const` initialiser with
    /// no destructor: touching it never allocates.
    static LARGE_ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}
const LARGE: usize = 16 << 10;

/// Large allocations made so far by the calling thread.
fn large_allocations() -> usize {
    LARGE_ALLOCATIONS.with(Cell::get)
}

// SAFETY: forwards every call to the system allocator unchanged; only
// counts the bytes (and the large allocations).
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Relaxed);
        if layout.size() >= LARGE {
            let _ = LARGE_ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
        }
        // SAFETY: the caller's contract is passed on.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Relaxed);
        // SAFETY: the caller's contract is passed on.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const CONNECTIONS: usize = 500;
const REQUEST: &str = "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
    Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";

async fn echo<S>(mut ws: sockeye_tokio::WebSocketStream<S>)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    while let Some(Ok(message)) = ws.recv().await {
        if ws.send(message).await.is_err() {
            return;
        }
    }
}

/// Measurements share one counter, so they run one at a time.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Opens `CONNECTIONS` raw clients (every other one exchanges a message)
/// against the server `start` spawns on `rt`, and returns the heap the
/// server holds per idle connection, in bytes.
fn heap_per_idle_connection(
    rt: &tokio::runtime::Runtime,
    start: impl FnOnce(tokio::net::TcpListener),
) -> isize {
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    {
        let _guard = rt.enter();
        start(listener);
    }
    // Warm up: one connection that exchanges a message, so one-time
    // allocations (the runtime's, the read pool's) are made before counting.
    let client = move |message: bool| {
        let mut s = std::net::TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        s.write_all(REQUEST.as_bytes()).unwrap();
        let mut response = [0u8; 129];
        s.read_exact(&mut response).unwrap();
        assert!(response.starts_with(b"HTTP/1.1 101"));
        if message {
            // A masked binary frame "hi" and its echo.
            s.write_all(&[0x82, 0x82, 1, 2, 3, 4, b'h' ^ 1, b'i' ^ 2])
                .unwrap();
            let mut echo = [0u8; 4];
            s.read_exact(&mut echo).unwrap();
            assert_eq!(echo, [0x82, 2, b'h', b'i']);
        }
        s
    };
    let settle = || std::thread::sleep(Duration::from_millis(200));
    let warm = std::thread::spawn(move || client(true)).join().unwrap();
    settle();
    let before = LIVE.load(Relaxed);
    let clients = std::thread::spawn(move || {
        (0..CONNECTIONS)
            .map(|i| client(i % 2 == 0))
            .collect::<Vec<_>>()
    })
    .join()
    .unwrap();
    settle();
    let per_connection = (LIVE.load(Relaxed) - before) / CONNECTIONS as isize;
    drop((clients, warm));
    per_connection
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn an_idle_connection_holds_little_heap() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let rt = runtime();
    let per_connection = heap_per_idle_connection(&rt, |listener| {
        tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                tokio::spawn(async move {
                    if let Ok(ws) = sockeye_tokio::accept(tcp).await {
                        tokio::spawn(echo(ws));
                    }
                });
            }
        });
    });
    eprintln!("heap per idle connection (accept, then a task): {per_connection} bytes");
    assert!(
        per_connection <= 3072,
        "an idle connection holds {per_connection} bytes of heap"
    );
}

#[test]
fn an_idle_server_connection_holds_little_heap() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let rt = runtime();
    let per_connection = heap_per_idle_connection(&rt, |listener| {
        let server = sockeye_tokio::Server::from_listener(listener);
        tokio::spawn(server.serve(
            |_request| async { sockeye_tokio::Decision::accept() },
            |client| echo(client.ws),
        ));
    });
    eprintln!("heap per idle connection (Server::serve): {per_connection} bytes");
    assert!(
        per_connection <= 3072,
        "an idle Server connection holds {per_connection} bytes of heap"
    );
}

/// Echoes `count` masked 64 KiB binary messages through a server on the
/// other end of `client`, one at a time: each frame is written whole before
/// the server reads, so its reads end on frame boundaries.
async fn echo_large(client: &mut tokio::io::DuplexStream, frame: &[u8], count: usize) {
    let mut echo = vec![0u8; frame.len() - 4];
    for _ in 0..count {
        client.write_all(frame).await.unwrap();
        client.read_exact(&mut echo).await.unwrap();
        assert_eq!(&echo[..4], &[0x82, 127, 0, 0], "a 64 KiB binary echo");
        assert_eq!(&echo[10..], &frame[14..], "key 0 leaves the payload as is");
    }
}

/// The server runs on a current-thread runtime, on the test's own thread,
/// where the large allocations are counted.
#[test]
fn echoing_large_messages_allocates_no_buffer_per_message() {
    const SIZE: usize = 64 << 10;
    const MESSAGES: usize = 200;
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let large = rt.block_on(async {
        let (mut client, server) = tokio::io::duplex(1 << 20);
        let server = tokio::spawn(async move {
            echo(sockeye_tokio::accept(server).await.unwrap()).await;
        });
        client.write_all(REQUEST.as_bytes()).await.unwrap();
        let mut response = [0u8; 129];
        client.read_exact(&mut response).await.unwrap();
        assert!(response.starts_with(b"HTTP/1.1 101"));
        // A masked binary frame, 64-bit length, key 0 (the payload is sent
        // as is).
        let mut frame = vec![0x82, 0xFF];
        frame.extend_from_slice(&(SIZE as u64).to_be_bytes());
        frame.extend_from_slice(&[0; 4]);
        frame.extend((0..SIZE).map(|i| i as u8));
        echo_large(&mut client, &frame, 20).await;
        let before = large_allocations();
        echo_large(&mut client, &frame, MESSAGES).await;
        let large = large_allocations() - before;
        drop(client);
        server.await.unwrap();
        large
    });
    eprintln!("allocations of 16 KiB or more while echoing {MESSAGES} 64 KiB messages: {large}");
    assert!(
        large <= 2,
        "{large} allocations of 16 KiB or more for {MESSAGES} echoes of 64 KiB"
    );
}
