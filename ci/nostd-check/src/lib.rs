//! A bare-metal consumer of sockeye-proto: builds for thumbv7em-none-eabihf,
//! where `std` does not exist.
#![no_std]

extern crate alloc;

use alloc::boxed::Box;
use core::alloc::{GlobalAlloc, Layout};
use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicUsize, Ordering};
use sockeye_proto::{handshake::ClientRequest, Config, Connection, Event, XorShift};

const HEAP_SIZE: usize = 64 * 1024;

/// A bump allocator over a static array; it never frees. Enough to prove
/// the core links with nothing but `alloc`.
struct Bump {
    heap: UnsafeCell<[u8; HEAP_SIZE]>,
    next: AtomicUsize,
}

// SAFETY: `next` is advanced atomically, so no two allocations overlap.
unsafe impl Sync for Bump {}

// SAFETY: every returned block lies inside `heap`, is aligned as requested
// and is never handed out twice.
unsafe impl GlobalAlloc for Bump {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let base = self.heap.get() as usize;
        let mut cur = self.next.load(Ordering::Relaxed);
        loop {
            let start = (base + cur + layout.align() - 1) & !(layout.align() - 1);
            let end = start - base + layout.size();
            if end > HEAP_SIZE {
                return core::ptr::null_mut();
            }
            match self.next.compare_exchange(cur, end, Ordering::Relaxed, Ordering::Relaxed) {
                Ok(_) => return start as *mut u8,
                Err(now) => cur = now,
            }
        }
    }
    unsafe fn dealloc(&self, _ptr: *mut u8, _layout: Layout) {}
}

#[global_allocator]
static ALLOC: Bump = Bump {
    heap: UnsafeCell::new([0; HEAP_SIZE]),
    next: AtomicUsize::new(0),
};

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    loop {}
}

/// Runs a client and a server against each other in memory and returns the
/// length of the echoed text (5), or 0 on any failure.
#[no_mangle]
pub extern "C" fn sockeye_nostd_roundtrip() -> u32 {
    let request = ClientRequest::new("device.local", "/");
    let Ok(mut client) = Connection::client(&request, Config::default(), Box::new(XorShift::new(42))) else {
        return 0;
    };
    let mut server = Connection::server(Config::default());
    server.feed(&client.take_output());
    let Ok(Some(Event::Request(_))) = server.poll_event() else {
        return 0;
    };
    if server.accept(None, &Default::default()).is_err() {
        return 0;
    }
    client.feed(&server.take_output());
    let Ok(Some(Event::Connected(_))) = client.poll_event() else {
        return 0;
    };
    if client.send_text("hello").is_err() {
        return 0;
    }
    server.feed(&client.take_output());
    match server.poll_event() {
        Ok(Some(Event::Text(t))) => t.len() as u32,
        _ => 0,
    }
}
