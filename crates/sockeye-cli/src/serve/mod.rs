//! `sockeye serve`: echo on every path, a chat room on `/chat`, the chat
//! page at `/`, on the runtime of your choice.

mod async_std_rt;
mod std_rt;
mod tokio_rt;

use crate::args::{Runtime, Serve};
use sockeye_std::{Decision, HttpRequest, Message, ServerOptions};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// The chat page, embedded in the binary.
pub const CHAT_PAGE: &str = include_str!("../chat.html");

/// Runs the server until it fails (for example the address is in use).
pub fn run(args: &Serve) -> Result<(), String> {
    let mut options = ServerOptions::new().http_handler(http_page);
    if args.deflate {
        options = options.deflate(Some(sockeye_std::default_deflate()));
    }
    if let Some(max) = args.max_message_size {
        options.config.max_message_size = max;
        options.config.max_frame_size = options.config.max_frame_size.min(max);
    }
    let addr = format!("{}:{}", args.host, args.port);
    match args.runtime {
        Runtime::Tokio => tokio_rt::serve(&addr, args.threads, options),
        Runtime::Std => std_rt::serve(&addr, options),
        Runtime::AsyncStd => async_std_rt::serve(&addr, options),
    }
    .map_err(|e| listen_error(&addr, e))
}

/// Explains a failure to listen.
fn listen_error(addr: &str, e: std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::AddrInUse => format!(
            "cannot listen on {addr}: the address is already in use (is another server running? pick another --port)"
        ),
        std::io::ErrorKind::PermissionDenied => {
            format!("cannot listen on {addr}: permission denied (ports below 1024 need privileges)")
        }
        _ => format!("cannot serve on {addr}: {e}"),
    }
}

/// Echoes every data message of a tokio or async-std WebSocket. Echoes are
/// queued (`feed`) and written together once no further message is ready,
/// so the echoes of a burst of small messages share one write. Each
/// wake-up polls the stream once and, when it has nothing more, flushes in
/// the same poll (what `StreamExt::forward` does) instead of asking again.
async fn echo<W>(mut ws: W)
where
    W: futures_util::Stream<Item = sockeye_std::Result<Message>>
        + futures_util::Sink<Message, Error = sockeye_std::Error>
        + Unpin,
{
    use futures_util::{SinkExt, StreamExt};
    use std::future::poll_fn;
    use std::task::Poll;
    loop {
        let next = poll_fn(|cx| match ws.poll_next_unpin(cx) {
            Poll::Ready(next) => Poll::Ready(Ok(next)),
            Poll::Pending => match ws.poll_flush_unpin(cx) {
                Poll::Ready(Ok(())) | Poll::Pending => Poll::Pending,
                Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            },
        })
        .await;
        match next {
            Ok(Some(Ok(message))) if message.is_text() || message.is_binary() => {
                if ws.feed(message).await.is_err() {
                    return;
                }
            }
            Ok(Some(Ok(_))) => {}
            _ => return,
        }
    }
}

/// Prints where the server listens.
fn announce(addr: std::net::SocketAddr, runtime: &str) {
    println!("sockeye serve ({runtime}) listening on {addr}");
    println!(
        "  open http://{addr}/ in a browser (two tabs) for the chat; ws://{addr}/<any path> echoes"
    );
}

/// Answers plain HTTP: the chat page at `/`, 404 elsewhere.
pub fn http_page(req: &HttpRequest) -> Decision {
    match (req.method.as_str(), req.path.as_str()) {
        ("GET" | "HEAD", "/" | "/index.html") => Decision::respond(200)
            .with_header("Content-Type", "text/html; charset=utf-8")
            .with_header("Cache-Control", "no-cache")
            .with_body(if req.method == "HEAD" { "" } else { CHAT_PAGE }),
        _ => Decision::respond(404)
            .with_header("Content-Type", "text/plain; charset=utf-8")
            .with_body("Not found: open / for the chat page, or connect a WebSocket to any path\n"),
    }
}

/// Whether a WebSocket on `path` joins the chat room (else it echoes).
pub fn is_chat(path: &str) -> bool {
    path == "/chat"
}

/// How many room messages may wait for a member before the room drops it.
pub const MEMBER_QUEUE: usize = 1024;

/// Why a member the room dropped is closed (with 1013, try again later):
/// it fell [`MEMBER_QUEUE`] messages behind. Closed rather than left
/// connected and deaf.
pub const TOO_FAR_BEHIND: &str = "too far behind the room: reconnect";

/// A chat room: every member gets every message. Each runtime registers a
/// delivery function over its own channel type; a member whose queue is
/// full is dropped from the room, and its runtime closes its connection
/// ([`TOO_FAR_BEHIND`]).
#[derive(Clone, Default)]
pub struct Room {
    inner: Arc<RoomInner>,
}

type Deliver = Box<dyn Fn(&Message) -> bool + Send + Sync>;

#[derive(Default)]
struct RoomInner {
    next_id: AtomicU64,
    members: Mutex<HashMap<u64, Deliver>>,
}

/// A place in a [`Room`]: it leaves the room when dropped (the connection
/// ended, or its handshake failed after it joined).
pub struct Member {
    room: Room,
    id: u64,
}

impl Member {
    /// Sends `message` to everyone in the room, this member included.
    pub fn broadcast(&self, message: &Message) {
        self.room.broadcast(message);
    }
}

impl Drop for Member {
    fn drop(&mut self) {
        self.room.lock().remove(&self.id);
    }
}

impl Room {
    /// Adds a member; `deliver` returns false once the member is gone.
    pub fn join(&self, deliver: impl Fn(&Message) -> bool + Send + Sync + 'static) -> Member {
        let id = self.inner.next_id.fetch_add(1, Ordering::Relaxed);
        self.lock().insert(id, Box::new(deliver));
        Member {
            room: self.clone(),
            id,
        }
    }

    /// Sends `message` to every member (the sender included, so each tab
    /// sees the conversation in order), dropping members that are gone.
    pub fn broadcast(&self, message: &Message) {
        self.lock().retain(|_, deliver| deliver(message));
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Deliver>> {
        self.inner.members.lock().unwrap_or_else(|p| p.into_inner())
    }
}
