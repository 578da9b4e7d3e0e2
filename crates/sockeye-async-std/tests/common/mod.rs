//! What the tests share: the two runtimes behind one trait, loopback
//! connection pairs, and a deadline for every test.
#![allow(dead_code)]

use futures_io::{AsyncRead, AsyncWrite};
use sockeye_async_std::{
    accept_with, client_handshake, ClientOptions, ClientRequest, Decision, PeerAddr,
    UpgradeRequest, WebSocketStream,
};
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::time::Duration;

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A runtime: how to block on a future, spawn a task, and open loopback
/// TCP connections with its own socket types.
pub trait Runtime: 'static {
    type Stream: AsyncRead + AsyncWrite + Unpin + PeerAddr + Send + 'static;
    type Listener: Send + Sync + 'static;
    const NAME: &'static str;

    fn block_on<T>(future: impl Future<Output = T>) -> T;
    fn spawn<T: Send + 'static>(
        future: impl Future<Output = T> + Send + 'static,
    ) -> BoxFuture<'static, T>;
    /// Runs a task in the background, forgetting it.
    fn detach(future: BoxFuture<'static, ()>);
    fn bind() -> BoxFuture<'static, (Self::Listener, SocketAddr)>;
    fn accept(listener: &Self::Listener) -> BoxFuture<'_, Self::Stream>;
    fn connect(addr: SocketAddr) -> BoxFuture<'static, Self::Stream>;
    fn local_addr(stream: &Self::Stream) -> SocketAddr;
}

pub struct AsyncStd;

impl Runtime for AsyncStd {
    type Stream = async_std::net::TcpStream;
    type Listener = async_std::net::TcpListener;
    const NAME: &'static str = "async-std";

    fn block_on<T>(future: impl Future<Output = T>) -> T {
        async_std::task::block_on(future)
    }

    fn spawn<T: Send + 'static>(
        future: impl Future<Output = T> + Send + 'static,
    ) -> BoxFuture<'static, T> {
        Box::pin(async_std::task::spawn(future))
    }

    fn detach(future: BoxFuture<'static, ()>) {
        async_std::task::spawn(future);
    }

    fn bind() -> BoxFuture<'static, (Self::Listener, SocketAddr)> {
        Box::pin(async {
            let listener = async_std::net::TcpListener::bind("127.0.0.1:0")
                .await
                .unwrap();
            let addr = listener.local_addr().unwrap();
            (listener, addr)
        })
    }

    fn accept(listener: &Self::Listener) -> BoxFuture<'_, Self::Stream> {
        Box::pin(async move { listener.accept().await.unwrap().0 })
    }

    fn connect(addr: SocketAddr) -> BoxFuture<'static, Self::Stream> {
        Box::pin(async move { async_std::net::TcpStream::connect(addr).await.unwrap() })
    }

    fn local_addr(stream: &Self::Stream) -> SocketAddr {
        stream.local_addr().unwrap()
    }
}

pub struct Smol;

impl Runtime for Smol {
    type Stream = smol::net::TcpStream;
    type Listener = smol::net::TcpListener;
    const NAME: &'static str = "smol";

    fn block_on<T>(future: impl Future<Output = T>) -> T {
        smol::block_on(future)
    }

    fn spawn<T: Send + 'static>(
        future: impl Future<Output = T> + Send + 'static,
    ) -> BoxFuture<'static, T> {
        Box::pin(smol::spawn(future))
    }

    fn detach(future: BoxFuture<'static, ()>) {
        smol::spawn(future).detach();
    }

    fn bind() -> BoxFuture<'static, (Self::Listener, SocketAddr)> {
        Box::pin(async {
            let listener = smol::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            (listener, addr)
        })
    }

    fn accept(listener: &Self::Listener) -> BoxFuture<'_, Self::Stream> {
        Box::pin(async move { listener.accept().await.unwrap().0 })
    }

    fn connect(addr: SocketAddr) -> BoxFuture<'static, Self::Stream> {
        Box::pin(async move { smol::net::TcpStream::connect(addr).await.unwrap() })
    }

    fn local_addr(stream: &Self::Stream) -> SocketAddr {
        stream.local_addr().unwrap()
    }
}

/// Runs `test` on runtime `R`, failing it if it takes longer than `limit`.
pub fn run<R: Runtime, Fut: Future<Output = ()>>(limit: Duration, test: impl FnOnce() -> Fut) {
    let outcome = R::block_on(async {
        let test = test();
        let mut test = std::pin::pin!(test);
        let mut timer = async_io::Timer::after(limit);
        std::future::poll_fn(|cx| {
            if test.as_mut().poll(cx).is_ready() {
                return std::task::Poll::Ready(true);
            }
            if Pin::new(&mut timer).poll(cx).is_ready() {
                return std::task::Poll::Ready(false);
            }
            std::task::Poll::Pending
        })
        .await
    });
    assert!(
        outcome,
        "{}: the test did not finish within {limit:?}",
        R::NAME
    );
}

/// One test body, run once under each runtime.
#[macro_export]
macro_rules! on_both_runtimes {
    ($name:ident, $limit:expr) => {
        mod $name {
            use super::*;

            #[test]
            fn async_std() {
                $crate::common::run::<$crate::common::AsyncStd, _>(
                    $limit,
                    super::$name::<$crate::common::AsyncStd>,
                );
            }

            #[test]
            fn smol() {
                $crate::common::run::<$crate::common::Smol, _>(
                    $limit,
                    super::$name::<$crate::common::Smol>,
                );
            }
        }
    };
}

/// A connected client and server on loopback, the server deciding with
/// `decide` and the client connecting with `options`.
pub async fn pair_with<R: Runtime>(
    options: ClientOptions,
    decide: impl FnOnce(&UpgradeRequest) -> Decision,
) -> (
    sockeye_async_std::Result<(WebSocketStream<R::Stream>, sockeye_async_std::Response)>,
    sockeye_async_std::Result<WebSocketStream<R::Stream>>,
) {
    let (listener, addr) = R::bind().await;
    let server = async {
        let stream = R::accept(&listener).await;
        accept_with(stream, decide).await
    };
    let client = async {
        let stream = R::connect(addr).await;
        let mut request = ClientRequest::new("127.0.0.1", "/test");
        request.port = Some(addr.port());
        request.protocols = options.protocols.clone();
        request.headers = options.headers.clone();
        client_handshake(stream, &request, &options).await
    };
    futures_util::future::join(client, server).await
}

/// A connected client and server on loopback with default options.
pub async fn pair<R: Runtime>() -> (WebSocketStream<R::Stream>, WebSocketStream<R::Stream>) {
    let (client, server) = pair_with::<R>(ClientOptions::default(), |_| Decision::accept()).await;
    (client.unwrap().0, server.unwrap())
}

/// A deterministic payload of `len` bytes (ASCII, so valid as text too).
pub fn payload(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| b'a' + ((i as u32).wrapping_mul(31).wrapping_add(seed as u32) % 26) as u8)
        .collect()
}

/// Races `future` against a timer of `limit`: `None` (dropping the future)
/// when the timer fires first.
pub async fn within<T>(limit: Duration, future: impl Future<Output = T>) -> Option<T> {
    let mut future = std::pin::pin!(future);
    let mut timer = async_io::Timer::after(limit);
    std::future::poll_fn(|cx| {
        if let std::task::Poll::Ready(out) = future.as_mut().poll(cx) {
            return std::task::Poll::Ready(Some(out));
        }
        if Pin::new(&mut timer).poll(cx).is_ready() {
            return std::task::Poll::Ready(None);
        }
        std::task::Poll::Pending
    })
    .await
}
