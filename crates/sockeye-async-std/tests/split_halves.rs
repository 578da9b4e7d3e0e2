//! The two halves of a split connection share one transport; async-io
//! wakes the task a new write waker replaces, so two halves registering in
//! turn would wake each other in a loop. Also a server's shutdown against
//! an upgrade still being decided.

use futures_io::{AsyncRead, AsyncWrite};
use sockeye_async_std::proto::{Connection, Role};
use sockeye_async_std::{Config, Decision, Message, Server, WebSocketStream};
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

/// A TCP stream that counts the writes polled on it.
struct CountingWrites(async_std::net::TcpStream, Arc<AtomicUsize>);

impl AsyncRead for CountingWrites {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().0).poll_read(cx, buf)
    }
}

impl AsyncWrite for CountingWrites {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.poll_write_vectored(cx, &[IoSlice::new(buf)])
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        this.1.fetch_add(1, Relaxed);
        Pin::new(&mut this.0).poll_write_vectored(cx, bufs)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().0).poll_flush(cx)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().0).poll_close(cx)
    }
}

/// The writer blocks on a peer that never reads; the peer pings once. The
/// halves then wait: a few polls of the socket in half a second, not the
/// hundreds of thousands of two tasks waking each other.
#[test]
fn blocked_halves_do_not_wake_each_other_in_a_loop() {
    async_std::task::block_on(async {
        use async_std::io::WriteExt;
        let listener = async_std::net::TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap();
        let tcp = async_std::net::TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let (mut peer, _) = listener.accept().await.unwrap();
        let writes = Arc::new(AtomicUsize::new(0));
        let conn = Connection::open(
            Role::Client,
            Config::default(),
            Some(sockeye_std::os_random()),
        );
        let ws = WebSocketStream::from_parts(
            CountingWrites(tcp, writes.clone()),
            conn,
            1 << 20,
            Duration::from_secs(5),
        );
        let (mut reader, mut writer) = ws.split();
        let reading =
            async_std::task::spawn(async move { while let Some(Ok(_)) = reader.recv().await {} });
        let writing = async_std::task::spawn(async move {
            let _ = writer.send(vec![1u8; 64 << 20]).await;
        });
        async_std::task::sleep(Duration::from_millis(300)).await;
        peer.write_all(&[0x89, 0x00]).await.unwrap();
        async_std::task::sleep(Duration::from_millis(200)).await;
        let before = writes.load(Relaxed);
        async_std::task::sleep(Duration::from_millis(500)).await;
        let polls = writes.load(Relaxed) - before;
        drop(peer);
        let _ = async_std::future::timeout(Duration::from_secs(2), writing).await;
        let _ = async_std::future::timeout(Duration::from_secs(2), reading).await;
        assert!(polls < 100, "{polls} write polls in 500 ms of waiting");
    })
}

/// What a client gets when the server shuts down 100 ms after it connects
/// and its accept callback takes `decide_ms`.
fn shutdown_outcome(decide_ms: u64) -> String {
    async_std::task::block_on(async move {
        let server = Server::bind("127.0.0.1:0")
            .await
            .unwrap()
            .shutdown_timeout(Duration::from_secs(2));
        let addr = server.local_addr().unwrap();
        let stop = server.shutdown_handle();
        let serving = async_std::task::spawn(server.serve(
            move |_request| async move {
                async_std::task::sleep(Duration::from_millis(decide_ms)).await;
                Decision::accept()
            },
            |mut client| async move { while let Some(Ok(_)) = client.ws.recv().await {} },
        ));
        let client = async_std::task::spawn(async move {
            match sockeye_async_std::connect(&format!("ws://{addr}/")).await {
                Err(e) => format!("refused: {:?}", e.http_status()),
                Ok((mut ws, _)) => {
                    match async_std::future::timeout(Duration::from_secs(5), ws.recv()).await {
                        Ok(Some(Ok(Message::Close(Some(f))))) => format!("closed with {}", f.code),
                        got => format!("connected, then {got:?}"),
                    }
                }
            }
        });
        async_std::task::sleep(Duration::from_millis(100)).await;
        stop.shutdown();
        let outcome = async_std::future::timeout(Duration::from_secs(8), client)
            .await
            .unwrap();
        async_std::future::timeout(Duration::from_secs(8), serving)
            .await
            .unwrap()
            .unwrap();
        outcome
    })
}

/// A connected client gets 1001; one whose upgrade is still being decided
/// when the shutdown starts is refused with 503.
#[test]
fn shutdown_closes_the_connected_and_refuses_the_undecided() {
    assert_eq!(shutdown_outcome(0), "closed with 1001");
    assert_eq!(shutdown_outcome(300), "refused: Some(503)");
}
