//! `sockeye serve --runtime async-std`.

use super::{announce, echo, is_chat, Member, Room, MEMBER_QUEUE, TOO_FAR_BEHIND};
use async_std::net::{TcpListener, TcpStream};
use sockeye_async_std::WebSocketStream;
use sockeye_std::{CloseCode, Decision, Message, ServerOptions};
use std::sync::Arc;

pub fn serve(addr: &str, options: ServerOptions) -> std::io::Result<()> {
    async_std::task::block_on(async {
        let listener = TcpListener::bind(addr).await?;
        announce(listener.local_addr()?, "async-std");
        let options = Arc::new(options);
        let room = Room::default();
        loop {
            let (stream, _) = match listener.accept().await {
                Ok(s) => s,
                Err(_) => {
                    async_std::task::sleep(std::time::Duration::from_millis(10)).await;
                    continue;
                }
            };
            async_std::task::spawn(handle(stream, options.clone(), room.clone()));
        }
    })
}

async fn handle(stream: TcpStream, options: Arc<ServerOptions>, room: Room) {
    let _ = stream.set_nodelay(true);
    // A chat member joins the room before its upgrade is answered, so it
    // gets every message sent once it could have seen its 101.
    let mut member = None;
    let accepted = sockeye_async_std::accept_with_options(stream, &options, |req| {
        if is_chat(&req.path) {
            let (tx, rx) = async_std::channel::bounded::<Message>(MEMBER_QUEUE);
            member = Some((room.join(move |m| tx.try_send(m.clone()).is_ok()), rx));
        }
        Decision::accept()
    })
    .await;
    let Ok(ws) = accepted else { return };
    // The connection lives on in a task of its own, sized for it alone: the
    // handshake's state (and the copy of the stream its result passes
    // through) is freed with this one.
    match member {
        Some((member, rx)) => async_std::task::spawn(chat_member(ws, member, rx)),
        None => async_std::task::spawn(echo(ws)),
    };
}

async fn chat_member(
    ws: WebSocketStream<TcpStream>,
    member: Member,
    rx: async_std::channel::Receiver<Message>,
) {
    let (mut reader, mut writer) = ws.split();
    // The forwarding task ends when the room drops this member's sender:
    // it fell behind (or left), so it is closed, not left deaf.
    async_std::task::spawn(async move {
        while let Ok(m) = rx.recv().await {
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
