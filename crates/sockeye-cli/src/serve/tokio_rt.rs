//! `sockeye serve --runtime tokio`.

use super::{announce, echo, is_chat, Member, Room, MEMBER_QUEUE, TOO_FAR_BEHIND};
use sockeye_std::{CloseCode, Decision, Message, ServerOptions};
use sockeye_tokio::WebSocketStream;
use std::sync::Arc;
use tokio::net::{TcpListener, TcpStream};

/// Serves on `addr` with `threads` worker threads (1: a current-thread
/// runtime; 0: one per core).
pub fn serve(addr: &str, threads: usize, options: ServerOptions) -> std::io::Result<()> {
    let runtime = match threads {
        1 => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?,
        0 => tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()?,
        n => tokio::runtime::Builder::new_multi_thread()
            .worker_threads(n)
            .enable_all()
            .build()?,
    };
    runtime.block_on(async {
        let listener = TcpListener::bind(addr).await?;
        announce(listener.local_addr()?, "tokio");
        let options = Arc::new(options);
        let room = Room::default();
        loop {
            let (stream, _) = match listener.accept().await {
                Ok(s) => s,
                // Out of file descriptors and the like: keep serving.
                Err(_) => {
                    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                    continue;
                }
            };
            tokio::spawn(handle(stream, options.clone(), room.clone()));
        }
    })
}

async fn handle(stream: TcpStream, options: Arc<ServerOptions>, room: Room) {
    let _ = stream.set_nodelay(true);
    // A chat member joins the room before its upgrade is answered, so it
    // gets every message sent once it could have seen its 101.
    let mut member = None;
    let accepted = sockeye_tokio::accept_with_options(stream, &options, |req| {
        if is_chat(&req.path) {
            let (tx, rx) = tokio::sync::mpsc::channel::<Message>(MEMBER_QUEUE);
            member = Some((room.join(move |m| tx.try_send(m.clone()).is_ok()), rx));
        }
        Decision::accept()
    })
    .await;
    let Ok(ws) = accepted else { return };
    // The connection lives on in a task of its own, sized for it alone: the
    // handshake's state (and the copy of the stream its result passes
    // through) is freed with this one, halving an idle connection's memory.
    match member {
        Some((member, rx)) => tokio::spawn(chat_member(ws, member, rx)),
        None => tokio::spawn(echo(ws)),
    };
}

async fn chat_member(
    ws: WebSocketStream<TcpStream>,
    member: Member,
    mut rx: tokio::sync::mpsc::Receiver<Message>,
) {
    let (mut reader, mut writer) = ws.split();
    // The forwarding task ends when the room drops this member's sender:
    // it fell behind (or left), so it is closed, not left deaf.
    tokio::spawn(async move {
        while let Some(m) = rx.recv().await {
            if writer.send(m).await.is_err() {
                return;
            }
        }
        let _ = writer
            .close(CloseCode::TRY_AGAIN_LATER, TOO_FAR_BEHIND)
            .await;
    });
    while let Some(Ok(message)) = reader.recv().await {
        if message.is_text() || message.is_binary() {
            member.broadcast(&message);
        }
    }
}
