//! `sockeye serve --runtime std`: a thread per connection.

use super::{announce, is_chat, Member, Room, MEMBER_QUEUE, TOO_FAR_BEHIND};
use sockeye_std::{CloseCode, Decision, Error, Message, ServerOptions, WebSocket};
use std::net::{TcpListener, TcpStream};
use std::sync::mpsc;
use std::sync::Arc;
use std::time::Duration;

pub fn serve(addr: &str, options: ServerOptions) -> std::io::Result<()> {
    let listener = TcpListener::bind(addr)?;
    announce(listener.local_addr()?, "std");
    let options = Arc::new(options);
    let room = Room::default();
    for stream in listener.incoming() {
        let Ok(stream) = stream else {
            std::thread::sleep(Duration::from_millis(10));
            continue;
        };
        let options = options.clone();
        let room = room.clone();
        std::thread::spawn(move || handle(stream, &options, room));
    }
    Ok(())
}

fn handle(stream: TcpStream, options: &ServerOptions, room: Room) {
    let _ = stream.set_nodelay(true);
    // A chat member joins the room before its upgrade is answered, so it
    // gets every message sent once it could have seen its 101.
    let mut member = None;
    let accepted = sockeye_std::accept_with_options(stream, options, |req| {
        if is_chat(&req.path) {
            let (tx, rx) = mpsc::sync_channel::<Message>(MEMBER_QUEUE);
            member = Some((room.join(move |m| tx.try_send(m.clone()).is_ok()), rx));
        }
        Decision::accept()
    });
    let Ok(ws) = accepted else { return };
    match member {
        Some((member, rx)) => chat_member(ws, &member, rx),
        None => echo(ws),
    }
}

/// Echoes every data message. Echoes are queued and written once the
/// input already read is used up (`read` writes whatever is queued before
/// it blocks), so the echoes of a burst of small messages share one write.
fn echo(mut ws: WebSocket<TcpStream>) {
    loop {
        match ws.read() {
            Ok(m @ (Message::Text(_) | Message::Binary(_))) => {
                if ws.write(m).is_err() {
                    return;
                }
                if ws.connection().buffered_input() == 0 && ws.flush().is_err() {
                    return;
                }
            }
            Ok(_) => {}
            Err(_) => return,
        }
    }
}

/// A blocking socket cannot wait for two things at once: poll the socket
/// with a short read timeout and deliver room messages in between.
fn chat_member(mut ws: WebSocket<TcpStream>, member: &Member, rx: mpsc::Receiver<Message>) {
    let _ = ws
        .get_mut()
        .set_read_timeout(Some(Duration::from_millis(20)));
    loop {
        match ws.read() {
            Ok(m @ (Message::Text(_) | Message::Binary(_))) => member.broadcast(&m),
            Ok(_) => {}
            Err(Error::Io(e))
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(_) => break,
        }
        let mut failed = false;
        loop {
            match rx.try_recv() {
                Ok(m) => failed |= ws.write(m).is_err(),
                Err(mpsc::TryRecvError::Empty) => break,
                // The room dropped this member: it fell behind. Closed,
                // not left connected and deaf.
                Err(mpsc::TryRecvError::Disconnected) => {
                    let _ = ws.close(CloseCode::TRY_AGAIN_LATER, TOO_FAR_BEHIND);
                    return;
                }
            }
        }
        if failed || ws.flush().is_err() {
            break;
        }
    }
}
