"""Python `websockets` as a server for sockeye clients.

usage: python py_server.py [--deflate]

Listens on 127.0.0.1 on a free port and prints {"listening": PORT}; then one
JSON line per finished connection saying what it received. The paths behave
as described in interop/README.md (as ws_server.js, but websockets does not
speak protocol version 8).
"""
import asyncio

from websockets.asyncio.server import serve
from websockets.exceptions import ConnectionClosed

from common import args, deadline, describe, emit, timeout_seconds

_, DEFLATE = args()


def select_subprotocol(_conn, offered):
    return "chat.v2" if "chat.v2" in offered else None


async def handler(ws):
    path = ws.request.path
    log = {
        "path": path,
        "version": int(ws.request.headers.get("Sec-WebSocket-Version", "0")),
        "origin": ws.request.headers.get("Origin"),
        "protocol": ws.subprotocol,
        "extensions": ws.response.headers.get("Sec-WebSocket-Extensions", ""),
        "received": [],
        "pings": [],
    }
    try:
        if path == "/fragments":
            await ws.send(["frag", "mented ✓ ", "🦀"])
            await ws.send([bytes([1, 2, 3]), bytes([7]) * 70000, bytes([9])])
            await ws.send("done")
        elif path == "/close_by_peer":
            await ws.close(4001, "bye from peer ✓")
        async for message in ws:
            log["received"].append(describe(message))
            if path == "/ping" and message == "ping-me":
                waiter = await ws.ping(b"ping-from-peer")
                await asyncio.wait_for(waiter, 10)
                await ws.send("got-pong:ping-from-peer")
                continue
            await ws.send(message)
    except ConnectionClosed:
        pass
    rcvd = ws.protocol.close_rcvd
    log["close"] = {"code": rcvd.code, "reason": rcvd.reason} if rcvd else None
    emit(log)


async def main():
    async with serve(
        handler,
        "127.0.0.1",
        0,
        compression="deflate" if DEFLATE else None,
        max_size=64 << 20,
        select_subprotocol=select_subprotocol,
    ) as server:
        emit({"listening": server.sockets[0].getsockname()[1]})
        await server.serve_forever()


if __name__ == "__main__":
    deadline(timeout_seconds())
    asyncio.run(main())
