//! The clients a server tracks, and broadcasting to them. Shared by every
//! adapter's `Server` (blocking, tokio, async-std/smol).

use super::outbox::Outbox;
use sockeye_proto::{CloseCode, Message, PreparedMessage};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

/// Identifies one connection of a server, e.g. to
/// broadcast to everyone but its sender.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ClientId(pub u64);

/// One tracked connection.
#[derive(Debug)]
struct Entry {
    outbox: Arc<Outbox>,
    peer_addr: Option<SocketAddr>,
}

#[derive(Debug, Default)]
struct Registry {
    next_id: AtomicU64,
    /// Every live connection, tracked or not (the server closes them all
    /// on shutdown).
    all: Mutex<HashMap<ClientId, Entry>>,
    /// Set by [`Clients::close_all`] while holding `all`: a connection
    /// that would register afterwards is refused instead.
    closing: AtomicBool,
}

/// The set of connected clients of a server (ws's
/// `wss.clients`): count them, and broadcast to all of them or to all but
/// one. Cheap to clone; every clone sees the same set.
///
/// Broadcasting encodes the frame once ([`PreparedMessage`]) and queues the
/// same bytes on every connection; each connection writes them while it
/// receives. A client that leaves more than the server's
/// `broadcast_limit` unread is disconnected ([`Error::SlowPeer`]) rather
/// than letting memory grow.
///
/// [`Error::SlowPeer`]: crate::Error::SlowPeer
#[derive(Clone, Debug)]
pub struct Clients {
    registry: Arc<Registry>,
    tracking: bool,
}

impl Clients {
    /// An empty set; with `tracking` off it never lists anyone (but still
    /// knows every live connection, to close them on shutdown). Servers
    /// make one; call it when building a server of your own.
    pub fn new(tracking: bool) -> Self {
        Clients {
            registry: Arc::default(),
            tracking,
        }
    }

    fn all(&self) -> MutexGuard<'_, HashMap<ClientId, Entry>> {
        self.registry.all.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Registers a connection whose mailbox is `outbox`; the guard removes
    /// it when dropped. A server calls this once the handshake succeeded.
    pub fn register(&self, outbox: Arc<Outbox>, peer_addr: Option<SocketAddr>) -> Registration {
        self.insert(&mut self.all(), outbox, peer_addr)
    }

    fn insert(
        &self,
        all: &mut HashMap<ClientId, Entry>,
        outbox: Arc<Outbox>,
        peer_addr: Option<SocketAddr>,
    ) -> Registration {
        let id = ClientId(self.registry.next_id.fetch_add(1, Ordering::Relaxed));
        all.insert(id, Entry { outbox, peer_addr });
        Registration {
            id,
            clients: self.clone(),
        }
    }

    /// [`register`](Self::register), unless [`close_all`](Self::close_all)
    /// has run: then `None`, and the server refuses the upgrade (503, as ws
    /// answers an upgrade that completes after `close()`), since its
    /// shutdown would not reach this connection.
    pub fn try_register(
        &self,
        outbox: Arc<Outbox>,
        peer_addr: Option<SocketAddr>,
    ) -> Option<Registration> {
        let mut all = self.all();
        if self.registry.closing.load(Ordering::Relaxed) {
            return None;
        }
        Some(self.insert(&mut all, outbox, peer_addr))
    }

    /// Whether clients are tracked (ws's `clientTracking`). When not,
    /// [`len`](Self::len) is 0 and broadcasts reach nobody.
    pub fn is_tracking(&self) -> bool {
        self.tracking
    }

    /// How many clients are connected (ws's `wss.clients.size`).
    pub fn len(&self) -> usize {
        if self.tracking {
            self.all().len()
        } else {
            0
        }
    }

    /// Whether no client is connected.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The connected clients and their addresses.
    pub fn list(&self) -> Vec<(ClientId, Option<SocketAddr>)> {
        if !self.tracking {
            return Vec::new();
        }
        let mut list: Vec<_> = self
            .all()
            .iter()
            .map(|(id, e)| (*id, e.peer_addr))
            .collect();
        list.sort();
        list
    }

    /// Sends a text or binary message to every client; returns how many it
    /// was queued for. Control messages are not broadcast (returns 0).
    pub fn broadcast(&self, message: impl Into<Message>) -> usize {
        match PreparedMessage::from_message(message.into()) {
            Some(prepared) => self.broadcast_prepared(&prepared, None),
            None => 0,
        }
    }

    /// Sends a text or binary message to every client but `except` (ws's
    /// "broadcast to all other clients" recipe).
    pub fn broadcast_except(&self, except: ClientId, message: impl Into<Message>) -> usize {
        match PreparedMessage::from_message(message.into()) {
            Some(prepared) => self.broadcast_prepared(&prepared, Some(except)),
            None => 0,
        }
    }

    /// Queues an already encoded message on every client but `except`.
    pub fn broadcast_prepared(&self, message: &PreparedMessage, except: Option<ClientId>) -> usize {
        if !self.tracking {
            return 0;
        }
        self.all()
            .iter()
            .filter(|(id, _)| Some(**id) != except)
            .filter(|(_, entry)| entry.outbox.push(message))
            .count()
    }

    /// Sends a text or binary message to one client; `false` if it is gone.
    pub fn send_to(&self, id: ClientId, message: impl Into<Message>) -> bool {
        let Some(prepared) = PreparedMessage::from_message(message.into()) else {
            return false;
        };
        match self.all().get(&id) {
            Some(entry) if self.tracking => entry.outbox.push(&prepared),
            _ => false,
        }
    }

    /// Starts the closing handshake on every connection (tracked or not),
    /// as a server does when it shuts down.
    pub fn close_all(&self, code: CloseCode, reason: &str) {
        let all = self.all();
        self.registry.closing.store(true, Ordering::Relaxed);
        for entry in all.values() {
            entry.outbox.request_close(code, reason);
        }
    }

    /// How many connections are open, tracked or not (a shutting-down
    /// server waits for this to reach 0).
    pub fn live(&self) -> usize {
        self.all().len()
    }
}

/// Removes a connection from [`Clients`] when dropped; a server keeps it
/// for as long as the connection's handler runs.
#[derive(Debug)]
pub struct Registration {
    /// The id the connection was given.
    pub id: ClientId,
    clients: Clients,
}

impl Registration {
    /// The clients the connection is registered among.
    pub fn clients(&self) -> &Clients {
        &self.clients
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        self.clients.all().remove(&self.id);
    }
}
