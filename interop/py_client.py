"""Python `websockets` as a client of a sockeye server.

usage: python py_client.py ws://127.0.0.1:PORT SCENARIO... [--deflate]

Runs each scenario on its own connection to URL/SCENARIO and prints one JSON
line per scenario; the Rust test asserts on them.
"""
import asyncio
import traceback

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from common import args, binaries, deadline, describe, emit, texts, timeout_seconds

ARGV, DEFLATE = args()
BASE, SCENARIOS = ARGV[0], ARGV[1:]


def open_(path, **kw):
    return connect(
        BASE + path,
        compression="deflate" if DEFLATE else None,
        max_size=64 << 20,
        open_timeout=10,
        close_timeout=10,
        **kw,
    )


def extensions(ws):
    return ws.response.headers.get("Sec-WebSocket-Extensions", "")


def closed(ws):
    rcvd = ws.protocol.close_rcvd
    return {"code": rcvd.code, "reason": rcvd.reason} if rcvd else None


async def echo(path, payloads):
    async with open_(path) as ws:
        sent, received = [], []
        for p in payloads:
            sent.append(describe(p))
            await ws.send(p)
            received.append(describe(await ws.recv()))
        await ws.close(1000, "done")
        return {"sent": sent, "received": received, "close": closed(ws), "extensions": extensions(ws)}


async def text():
    return await echo("/text", texts())


async def binary():
    return await echo("/binary", binaries())


async def fragments():
    # websockets sends an iterable as a fragmented message, one frame each.
    async with open_("/fragments") as ws:
        text_parts = ["frag", "mented ✓ ", "🦀"]
        bin_parts = [bytes([1, 2, 3]), bytes([7]) * 70000, b"", bytes([9])]
        sent = [describe("".join(text_parts)), describe(b"".join(bin_parts))]
        await ws.send(text_parts)
        await ws.send(bin_parts)
        received = [describe(await ws.recv()), describe(await ws.recv())]
        await ws.close(1000, "done")
        return {"sent": sent, "received": received, "close": closed(ws), "extensions": extensions(ws)}


async def ping():
    async with open_("/ping") as ws:
        # The waiter resolves only on a pong carrying this payload.
        waiter = await ws.ping(b"ping-from-peer")
        await asyncio.wait_for(waiter, 10)
        await ws.send("ping-me")
        # websockets answers the server's ping by itself; the server
        # confirms with "got-pong:<payload>".
        confirm = await ws.recv()
        await ws.close(1000, "done")
        return {"pong": "ping-from-peer", "confirm": confirm, "close": closed(ws), "extensions": extensions(ws)}


async def close_by_peer():
    async with open_("/close_by_peer") as ws:
        await ws.close(4001, "bye from peer ✓")
        return {"close": closed(ws), "extensions": extensions(ws)}


async def close_by_sockeye():
    async with open_("/close_by_sockeye") as ws:
        await ws.send("close-me")
        try:
            await ws.recv()
        except ConnectionClosed:
            pass
        return {"close": closed(ws), "extensions": extensions(ws)}


async def subprotocol():
    async with open_("/subprotocol", subprotocols=["nope", "chat.v2", "chat.v1"]) as ws:
        protocol = ws.subprotocol
        await ws.close(1000, "done")
        return {"protocol": protocol, "close": closed(ws), "extensions": extensions(ws)}


TABLE = {f.__name__: f for f in (text, binary, fragments, ping, close_by_peer, close_by_sockeye, subprotocol)}


async def main():
    failed = False
    for name in SCENARIOS:
        try:
            if name not in TABLE:
                raise ValueError(f"unknown scenario {name}")
            result = await TABLE[name]()
            emit({"scenario": name, **result})
        except Exception:
            failed = True
            emit({"scenario": name, "error": traceback.format_exc()})
    return 1 if failed else 0


if __name__ == "__main__":
    deadline(timeout_seconds())
    raise SystemExit(asyncio.run(main()))
