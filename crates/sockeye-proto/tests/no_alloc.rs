//! No heap allocation per small message in the steady state: after a warm-up,
//! receiving 10,000 small messages (server, masked; client, unmasked; text
//! and binary) and sending 10,000 (with the output drained as an adapter
//! does, through `output_chunks` / `consume_output`) allocates nothing, or a
//! small number of times that does not grow with the number of messages.
//!
//! A server sending large shared payloads without copying them allocates
//! nothing per message either. And what a burst of large output grew (the
//! write buffer, the compression scratch) is kept while frames that large
//! keep coming, and given back once they are small again.
//!
//! A counting global allocator sees every allocation of this test binary;
//! each thread counts its own, so neither the other test nor the harness
//! (which allocates to report a finished test) can add to a test's count.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use sockeye_proto::{Config, Connection, Event, MessageKind, Role, XorShift};

/// Counts allocations and reallocations, then defers to the system
/// allocator.
struct Counting;

thread_local! {
    /// Allocations made by this thread. A `const` initialiser with no
    /// destructor: reading it never allocates.
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
    /// Bytes this thread allocated minus those it freed.
    static LIVE: Cell<isize> = const { Cell::new(0) };
}

/// Adds one to this thread's count (nothing once its thread-locals are gone).
fn count() {
    let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
}

/// Adds `bytes` (negative: freed) to this thread's live bytes.
fn live(bytes: isize) {
    let _ = LIVE.try_with(|n| n.set(n.get() + bytes));
}

// SAFETY: every call is forwarded unchanged to `System`, which upholds the
// `GlobalAlloc` contract; the counter is a side effect only.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        live(layout.size() as isize);
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count();
        live(layout.size() as isize);
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        live(new_size as isize - layout.size() as isize);
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        live(-(layout.size() as isize));
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Allocations made so far by the calling thread.
fn allocations() -> usize {
    ALLOCATIONS.with(Cell::get)
}

/// Bytes the calling thread holds allocated now.
fn live_bytes() -> isize {
    LIVE.with(Cell::get)
}

const MESSAGES: usize = 10_000;
/// Messages per read: a busy connection gets several frames per read.
const PER_READ: usize = 10;
/// What "a small constant" may be: allocations that do not grow with the
/// number of messages (e.g. a buffer reallocated once).
const SLACK: usize = 4;

fn client() -> Connection {
    Connection::open(
        Role::Client,
        Config::default(),
        Some(Box::new(XorShift::new(3))),
    )
}

fn server() -> Connection {
    Connection::open(Role::Server, Config::default(), None)
}

/// `PER_READ` messages as one read's worth of wire bytes, sent by `sender`.
fn wire(sender: &mut Connection, kind: MessageKind, payload: &str) -> Vec<u8> {
    for _ in 0..PER_READ {
        match kind {
            MessageKind::Text => sender.send_text(payload),
            MessageKind::Binary => sender.send_binary(payload.as_bytes()),
        }
        .unwrap();
    }
    sender.take_output()
}

/// Feeds `reads` copies of `bytes` and polls every event, dropping each.
/// Each copy arrives in two reads cut inside a frame, so a partial frame is
/// left in the buffer between reads, as with a real transport.
fn receive(conn: &mut Connection, bytes: &[u8], reads: usize) -> usize {
    let mut messages = 0;
    let (first, second) = bytes.split_at(bytes.len() / 2 + 3);
    for _ in 0..reads {
        for piece in [first, second] {
            conn.feed(piece);
            while let Some(event) = conn.poll_event().unwrap() {
                match event {
                    Event::Text(t) => assert!(!t.is_empty()),
                    Event::Binary(b) => assert!(!b.is_empty()),
                    other => panic!("unexpected {other:?}"),
                }
                messages += 1;
            }
        }
    }
    messages
}

/// Sends `count` messages, draining the output every `PER_READ` of them.
fn send(conn: &mut Connection, kind: MessageKind, payload: &str, count: usize) {
    for i in 0..count {
        match kind {
            MessageKind::Text => conn.send_text(payload),
            MessageKind::Binary => conn.send_binary(payload.as_bytes()),
        }
        .unwrap();
        if i % PER_READ == PER_READ - 1 {
            drain(conn);
        }
    }
}

/// Drains the output as an adapter does: slices for a vectored write, then
/// `consume_output` with what was written.
fn drain(conn: &mut Connection) {
    loop {
        let mut slots: [&[u8]; 8] = [&[]; 8];
        let n = conn.output_chunks(&mut slots);
        if n == 0 {
            break;
        }
        let len = slots[..n].iter().map(|s| s.len()).sum();
        conn.consume_output(len);
    }
}

/// Allocations made by `f` for `MESSAGES` messages after running it once to
/// warm up; and, to show the count does not grow with the messages, for
/// twice as many right after.
fn steady_state(mut f: impl FnMut(usize)) -> (usize, usize) {
    f(MESSAGES / 10);
    let before = allocations();
    f(MESSAGES);
    let once = allocations() - before;
    let before = allocations();
    f(2 * MESSAGES);
    (once, allocations() - before)
}

#[test]
fn no_allocation_per_small_message() {
    let mut report = Vec::new();
    for (kind, payload) in [
        (MessageKind::Binary, "0123456789abcdef"),
        (MessageKind::Text, "a 125-byte text message with some multi-byte characters — é, ж, €, 中 — padded out with ASCII to exactly that: ....."),
    ] {
        assert!(payload.len() == 16 || payload.len() == 125, "{}", payload.len());
        let masked = wire(&mut client(), kind, payload);
        let unmasked = wire(&mut server(), kind, payload);

        let mut srv = server();
        let n = steady_state(|m| assert_eq!(receive(&mut srv, &masked, m / PER_READ), m));
        report.push((kind, payload.len(), "server receive (masked)", n));

        let mut cli = client();
        let n = steady_state(|m| assert_eq!(receive(&mut cli, &unmasked, m / PER_READ), m));
        report.push((kind, payload.len(), "client receive (unmasked)", n));

        let mut srv = server();
        let n = steady_state(|m| send(&mut srv, kind, payload, m));
        report.push((kind, payload.len(), "server send", n));

        let mut cli = client();
        let n = steady_state(|m| send(&mut cli, kind, payload, m));
        report.push((kind, payload.len(), "client send (masked)", n));
    }
    for (kind, len, what, (once, twice)) in &report {
        println!(
            "{kind:?} {len} B, {what}: {once} allocations for {MESSAGES} messages, \
             {twice} for {}",
            2 * MESSAGES
        );
    }
    for (kind, len, what, (once, twice)) in report {
        assert!(
            once <= SLACK && twice <= SLACK,
            "{kind:?} {len} B, {what}: {once} allocations for {MESSAGES} messages, \
             {twice} for {}",
            2 * MESSAGES
        );
    }
}

/// A server sends a large shared payload as its own output chunk after its
/// header: the headers of a stream of such messages share the write
/// buffer's allocation, which comes back once they are written, so sending
/// allocates nothing per message either.
#[test]
fn no_allocation_per_large_message_sent_without_copy() {
    let payload = bytes::Bytes::from(vec![7u8; 64 << 10]);
    let mut srv = server();
    let (once, twice) = steady_state(|m| {
        for i in 0..m {
            srv.send_message(MessageKind::Binary, payload.clone(), Default::default())
                .unwrap();
            // Four in flight, as a busy echo server has.
            if i % 4 == 3 {
                drain(&mut srv);
            }
        }
        drain(&mut srv);
    });
    println!(
        "64 KiB shared, server send: {once} allocations for {MESSAGES} messages, {twice} for {}",
        2 * MESSAGES
    );
    assert!(
        once <= SLACK && twice <= SLACK,
        "64 KiB shared, server send: {once} allocations for {MESSAGES} messages, {twice} for {}",
        2 * MESSAGES
    );
}

/// Drains all output the way an adapter does: a vectored write of a few
/// chunks at a time, `consume_output` after each.
fn drain_in_writes(conn: &mut Connection) {
    while conn.has_output() {
        let mut slices: [&[u8]; 4] = [&[]; 4];
        let n = conn.output_chunks(&mut slices);
        let written: usize = slices[..n].iter().map(|s| s.len()).sum();
        conn.consume_output(written);
    }
}

#[test]
fn memory_a_burst_of_output_grew_is_given_back_once_the_frames_are_small_again() {
    use sockeye_proto::deflate::{DeflateConfig, DeflateParams, PerMessageDeflate};
    // Copied frames in both roles, and compressed frames (which go through
    // a scratch buffer first): 4 MiB of incompressible bytes each.
    let mut big = vec![0u8; 4 << 20];
    sockeye_proto::RandomSource::fill_bytes(&mut XorShift::new(9), &mut big);
    for (role, deflate) in [
        (Role::Server, false),
        (Role::Client, false),
        (Role::Server, true),
    ] {
        let mut conn = if role == Role::Client {
            client()
        } else {
            server()
        };
        if deflate {
            let cfg = DeflateConfig::default().threshold(0);
            conn.set_extension(Box::new(PerMessageDeflate::new(
                role,
                DeflateParams::default(),
                &cfg,
            )));
        }
        // Warm up: the small buffers a connection keeps for good.
        conn.send_binary(&[1u8; 2000]).unwrap();
        drain_in_writes(&mut conn);
        let idle = live_bytes();
        // While 4 MiB frames keep coming, the memory for them stays.
        for _ in 0..3 {
            conn.send_binary(&big).unwrap();
            drain_in_writes(&mut conn);
        }
        let kept = live_bytes() - idle;
        assert!(
            kept > 3 << 20,
            "{role:?}, deflate {deflate}: only {kept} bytes kept between bursts"
        );
        // Once they stop (a small frame written since), it is given back.
        conn.send_binary(&[1u8; 2000]).unwrap();
        drain_in_writes(&mut conn);
        let kept = live_bytes() - idle;
        assert!(
            kept < 64 << 10,
            "{role:?}, deflate {deflate}: {kept} bytes kept after the burst"
        );
    }
}
