//! Runtime-independent synchronisation for servers: the shutdown signal,
//! counting running connections, and cutting handlers short. Each works
//! from async code (any executor) and from blocking threads.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

/// A value many tasks and threads can wait on until it satisfies a
/// condition.
#[derive(Default)]
struct Watch<V> {
    state: Mutex<WatchState<V>>,
    changed: Condvar,
}

#[derive(Default)]
struct WatchState<V> {
    value: V,
    next_key: u64,
    wakers: HashMap<u64, Waker>,
}

impl<V> Watch<V> {
    fn lock(&self) -> MutexGuard<'_, WatchState<V>> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Changes the value and wakes every waiter.
    fn update<R>(&self, f: impl FnOnce(&mut V) -> R) -> R {
        let mut state = self.lock();
        let r = f(&mut state.value);
        for (_, waker) in state.wakers.drain() {
            waker.wake();
        }
        self.changed.notify_all();
        r
    }

    fn get<R>(&self, f: impl FnOnce(&V) -> R) -> R {
        f(&self.lock().value)
    }

    /// Blocks the thread until `done` holds or `timeout` passes; whether
    /// it holds.
    fn wait_blocking(&self, timeout: Option<Duration>, done: impl Fn(&V) -> bool) -> bool {
        let deadline = timeout.map(|t| Instant::now() + t);
        let mut state = self.lock();
        while !done(&state.value) {
            match deadline {
                None => state = self.changed.wait(state).unwrap_or_else(|p| p.into_inner()),
                Some(deadline) => {
                    let left = deadline.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        return false;
                    }
                    state = self
                        .changed
                        .wait_timeout(state, left)
                        .unwrap_or_else(|p| p.into_inner())
                        .0;
                }
            }
        }
        true
    }
}

/// A future that is ready once a [`Watch`]'s value satisfies `done`.
struct Until<V: 'static> {
    watch: Arc<Watch<V>>,
    done: fn(&V) -> bool,
    key: Option<u64>,
}

impl<V> Future for Until<V> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        let mut state = this.watch.lock();
        if (this.done)(&state.value) {
            if let Some(key) = this.key.take() {
                state.wakers.remove(&key);
            }
            return Poll::Ready(());
        }
        let key = *this.key.get_or_insert_with(|| {
            state.next_key += 1;
            state.next_key
        });
        match state.wakers.get(&key) {
            Some(w) if w.will_wake(cx.waker()) => {}
            _ => {
                state.wakers.insert(key, cx.waker().clone());
            }
        }
        Poll::Pending
    }
}

impl<V> Drop for Until<V> {
    fn drop(&mut self) {
        if let Some(key) = self.key {
            self.watch.lock().wakers.remove(&key);
        }
    }
}

/// A one-way flag: raised once, waited for by any number of tasks or
/// threads.
#[derive(Clone, Default)]
struct Flag(Arc<Watch<bool>>);

impl Flag {
    fn raise(&self) {
        self.0.update(|v| *v = true);
    }

    fn is_raised(&self) -> bool {
        self.0.get(|v| *v)
    }

    fn raised(&self) -> Until<bool> {
        Until {
            watch: self.0.clone(),
            done: |v| *v,
            key: None,
        }
    }
}

/// Stops a running server: it stops accepting, sends every client a close
/// frame with 1001 (going away), waits up to the shutdown timeout for the
/// handlers to finish, then drops the rest (ws's `close()`). The same
/// handle works for the blocking, tokio and async-std servers; clone it
/// into whatever decides to stop (a Ctrl-C handler, an admin endpoint).
#[derive(Clone, Default)]
pub struct ShutdownHandle(Flag);

impl fmt::Debug for ShutdownHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ShutdownHandle")
            .field("shutting_down", &self.is_shutting_down())
            .finish()
    }
}

impl ShutdownHandle {
    /// Starts the shutdown; the server's `serve` returns once it is over.
    pub fn shutdown(&self) {
        self.0.raise();
    }

    /// Whether the shutdown was started.
    pub fn is_shutting_down(&self) -> bool {
        self.0.is_raised()
    }

    /// Waits (asynchronously, on any executor) until the shutdown starts.
    pub fn wait(&self) -> impl Future<Output = ()> + Send + 'static {
        self.0.raised()
    }

    /// Blocks the thread until the shutdown starts or `timeout` passes
    /// (`None`: no limit); whether it started.
    pub fn wait_blocking(&self, timeout: Option<Duration>) -> bool {
        self.0 .0.wait_blocking(timeout, |v| *v)
    }
}

/// Counts a server's running connections, so that a shutdown can wait for
/// them; and cuts their handlers short once the wait is over. Servers
/// make one.
#[derive(Clone, Default)]
pub struct TaskTracker {
    running: Arc<Watch<usize>>,
    abort: Flag,
}

impl fmt::Debug for TaskTracker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskTracker")
            .field("running", &self.running())
            .finish()
    }
}

impl TaskTracker {
    /// Counts one more running connection until the guard is dropped. Call
    /// it before spawning the connection's task or thread.
    pub fn enter(&self) -> TaskGuard {
        self.running.update(|n| *n += 1);
        TaskGuard(self.clone())
    }

    /// How many connections are running.
    pub fn running(&self) -> usize {
        self.running.get(|n| *n)
    }

    /// Waits (asynchronously, on any executor) until no connection runs;
    /// bound it with the runtime's timer.
    pub fn wait_idle(&self) -> impl Future<Output = ()> + Send + 'static {
        Until {
            watch: self.running.clone(),
            done: |n| *n == 0,
            key: None,
        }
    }

    /// Blocks the thread until no connection runs or `timeout` passes;
    /// whether they all ended.
    pub fn wait_idle_blocking(&self, timeout: Option<Duration>) -> bool {
        self.running.wait_blocking(timeout, |n| *n == 0)
    }

    /// Makes every future wrapped by [`abortable`](Self::abortable) end at
    /// its next poll (dropping what it owns, the connection included).
    pub fn abort_all(&self) {
        self.abort.raise();
    }

    /// Wraps a connection's future so that [`abort_all`](Self::abort_all)
    /// ends it (returning `None`).
    pub fn abortable<F: Future>(&self, future: F) -> Abortable<F> {
        Abortable {
            future: Box::pin(future),
            abort: Box::pin(self.abort.raised()),
        }
    }
}

/// Keeps a connection counted in its [`TaskTracker`] while alive.
#[derive(Debug)]
pub struct TaskGuard(TaskTracker);

impl Drop for TaskGuard {
    fn drop(&mut self) {
        self.0.running.update(|n| *n -= 1);
    }
}

/// A future that ends early (with `None`) once its tracker aborts; see
/// [`TaskTracker::abortable`].
pub struct Abortable<F> {
    future: Pin<Box<F>>,
    abort: Pin<Box<Until<bool>>>,
}

impl<F> fmt::Debug for Abortable<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Abortable").finish_non_exhaustive()
    }
}

impl<F: Future> Future for Abortable<F> {
    type Output = Option<F::Output>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if self.abort.as_mut().poll(cx).is_ready() {
            return Poll::Ready(None);
        }
        self.future.as_mut().poll(cx).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shutdown_wakes_a_blocked_thread() {
        let stop = ShutdownHandle::default();
        assert!(!stop.wait_blocking(Some(Duration::from_millis(10))));
        let other = stop.clone();
        let waiter = std::thread::spawn(move || other.wait_blocking(Some(Duration::from_secs(5))));
        stop.shutdown();
        assert!(waiter.join().unwrap());
        assert!(stop.is_shutting_down());
    }

    #[test]
    fn tracker_counts_and_waits() {
        let tracker = TaskTracker::default();
        let guard = tracker.enter();
        assert_eq!(tracker.running(), 1);
        assert!(!tracker.wait_idle_blocking(Some(Duration::from_millis(10))));
        let t = std::thread::spawn(move || drop(guard));
        assert!(tracker.wait_idle_blocking(Some(Duration::from_secs(5))));
        t.join().unwrap();
    }
}
