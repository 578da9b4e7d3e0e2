#!/usr/bin/env python3
"""Writes the committed seed corpus under fuzz/corpus/<target>/.

Each seed is a small, named, valid (or deliberately borderline) input in the
layout its target expects (see fuzz/src/lib.rs): the handshakes of real
clients and servers written out from their known formats, the RFC 6455 §5.7
frame examples, extension headers and UTF-8 samples. Re-run it after changing
a layout; `ci/fuzz.sh` fuzzes with these as read-only seeds and keeps what it
generates in a scratch directory, never here.
"""
import base64
import hashlib
import os
import struct
import zlib

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")
GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
KEY = [0x37, 0xFA, 0x21, 0x3D]  # RFC 6455 §5.7


def accept(key: bytes) -> bytes:
    return base64.b64encode(hashlib.sha1(key + GUID).digest())


def crlf(text: str) -> bytes:
    """An HTTP head from lines written with \\n."""
    return text.strip("\n").replace("\n", "\r\n").encode() + b"\r\n\r\n"


def frame(opcode, payload=b"", fin=True, masked=False, rsv=0, key=KEY):
    out = bytes([(0x80 if fin else 0) | rsv | opcode])
    m = 0x80 if masked else 0
    n = len(payload)
    if n < 126:
        out += bytes([m | n])
    elif n < 1 << 16:
        out += bytes([m | 126]) + struct.pack(">H", n)
    else:
        out += bytes([m | 127]) + struct.pack(">Q", n)
    if masked:
        out += bytes(key)
        payload = bytes(b ^ key[i % 4] for i, b in enumerate(payload))
    return out + payload


def close(code=None, reason=b"", masked=False):
    body = b"" if code is None else struct.pack(">H", code) + reason
    return frame(0x8, body, masked=masked)


def chunks(data: bytes, lens=()):
    """The split-points prefix of sockeye_fuzz::split."""
    assert len(lens) < 8
    return bytes([len(lens)]) + bytes(lens) + data


SEEDS = {}


def seed(target, name, data: bytes):
    SEEDS.setdefault(target, {})[name] = data


# ---------------------------------------------------------------- handshakes

RFC_REQUEST = crlf("""
GET /chat HTTP/1.1
Host: server.example.com
Upgrade: websocket
Connection: Upgrade
Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==
Origin: http://example.com
Sec-WebSocket-Protocol: chat, superchat
Sec-WebSocket-Version: 13
""")

CHROMIUM_REQUEST = crlf("""
GET /chat HTTP/1.1
Host: localhost:8080
Connection: Upgrade
Pragma: no-cache
Cache-Control: no-cache
User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36
Upgrade: websocket
Origin: http://localhost:8080
Sec-WebSocket-Version: 13
Accept-Encoding: gzip, deflate, br, zstd
Accept-Language: en-US,en;q=0.9
Sec-WebSocket-Key: x3JJHMbDL1EzLkh9GBhXDw==
Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits
""")

FIREFOX_REQUEST = crlf("""
GET /chat HTTP/1.1
Host: localhost:8080
User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0
Accept: */*
Accept-Language: en-US,en;q=0.5
Accept-Encoding: gzip, deflate, br, zstd
Sec-WebSocket-Version: 13
Origin: http://localhost:8080
Sec-WebSocket-Protocol: chat
Sec-WebSocket-Extensions: permessage-deflate
Sec-WebSocket-Key: AQIDBAUGBwgJCgsMDQ4PEA==
Connection: keep-alive, Upgrade
Sec-Fetch-Dest: empty
Sec-Fetch-Mode: websocket
Sec-Fetch-Site: same-origin
Pragma: no-cache
Cache-Control: no-cache
Upgrade: websocket
""")

# Node's ws (8.x) client: its own headers in this order, Host added by http.
WS_REQUEST = crlf("""
GET /?room=1 HTTP/1.1
Sec-WebSocket-Version: 13
Sec-WebSocket-Key: 5bY1xvnBKXWm4+/2OB4a9w==
Connection: Upgrade
Upgrade: websocket
Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits
Host: 127.0.0.1:8080
""")

HYBI08_REQUEST = crlf("""
GET /chat HTTP/1.1
Host: server.example.com
Upgrade: websocket
Connection: Upgrade
Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==
Sec-WebSocket-Origin: http://example.com
Sec-WebSocket-Protocol: chat, superchat
Sec-WebSocket-Version: 8
""")

EXTENSIONS_REQUEST = crlf("""
GET /chat HTTP/1.1
Host: [::1]:9001
Upgrade: WebSocket
Connection: keep-alive, upgrade
Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==
Sec-WebSocket-Version: 13
Sec-WebSocket-Extensions: permessage-deflate; client_no_context_takeover; server_max_window_bits=10, permessage-deflate; client_max_window_bits="12"
Sec-WebSocket-Extensions: x-webkit-deflate-frame
""")

PLAIN_GET = crlf("""
GET /health?full=1 HTTP/1.1
Host: localhost
Accept: text/html
""")

for name, req in [("rfc6455", RFC_REQUEST), ("chromium", CHROMIUM_REQUEST),
                  ("firefox", FIREFOX_REQUEST), ("node-ws", WS_REQUEST),
                  ("hybi08", HYBI08_REQUEST), ("extensions", EXTENSIONS_REQUEST),
                  ("plain-get", PLAIN_GET)]:
    seed("server_handshake", name, b"\x00" + chunks(req))
seed("server_handshake", "rfc6455-split", b"\x00" + chunks(RFC_REQUEST, [1, 7, 50]))
seed("server_handshake", "chromium-small-limits", b"\x02" + chunks(CHROMIUM_REQUEST, [3]))
seed("server_handshake", "bare-lf", b"\x00" + chunks(RFC_REQUEST.replace(b"\r\n", b"\n")))
seed("server_handshake", "rfc6455-then-frame",
     b"\x00" + chunks(RFC_REQUEST + frame(0x1, b"Hello", masked=True), [200]))

RFC_ACCEPT = accept(b"dGhlIHNhbXBsZSBub25jZQ==").decode()
assert RFC_ACCEPT == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="

RFC_RESPONSE = crlf(f"""
HTTP/1.1 101 Switching Protocols
Upgrade: websocket
Connection: Upgrade
Sec-WebSocket-Accept: {RFC_ACCEPT}
Sec-WebSocket-Protocol: chat
""")

# Node's ws server: its response header order.
WS_RESPONSE = crlf(f"""
HTTP/1.1 101 Switching Protocols
Upgrade: websocket
Connection: Upgrade
Sec-WebSocket-Accept: {RFC_ACCEPT}
Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits=15
""")

REDIRECT = crlf("""
HTTP/1.1 302 Found
Location: wss://example.com/elsewhere
Content-Length: 0
""")

UNAUTHORIZED = crlf("""
HTTP/1.1 401 Unauthorized
WWW-Authenticate: Bearer
Content-Type: text/plain
Content-Length: 12
""") + b"go away now\n"

CHUNKED = crlf("""
HTTP/1.1 400 Bad Request
Transfer-Encoding: chunked
""") + b"5\r\nhello\r\n0\r\n\r\n"

UNTIL_EOF = crlf("""
HTTP/1.0 200 OK
Content-Type: text/html
""") + b"<html>not a websocket</html>"

seed("client_handshake", "rfc6455", b"\x00" + chunks(RFC_RESPONSE))
seed("client_handshake", "rfc6455-v8", b"\x01" + chunks(RFC_RESPONSE, [9, 1]))
seed("client_handshake", "node-ws", b"\x00" + chunks(WS_RESPONSE))
seed("client_handshake", "101-then-frames",
     b"\x00" + chunks(RFC_RESPONSE + frame(0x1, b"Hello") + close(1000)))
seed("client_handshake", "redirect", b"\x00" + chunks(REDIRECT))
seed("client_handshake", "401-body", b"\x00" + chunks(UNAUTHORIZED, [30]))
seed("client_handshake", "400-chunked", b"\x00" + chunks(CHUNKED, [4, 4]))
seed("client_handshake", "200-until-eof", b"\x02" + chunks(UNTIL_EOF))

# ------------------------------------------------------------ header grammar

for name, value in [
    ("pmd-bare", "permessage-deflate"),
    ("pmd-chromium", "permessage-deflate; client_max_window_bits"),
    ("pmd-full", "permessage-deflate; client_no_context_takeover; server_no_context_takeover;"
                 " client_max_window_bits=10; server_max_window_bits=12"),
    ("pmd-quoted", 'permessage-deflate; client_max_window_bits="15", permessage-deflate'),
    ("pmd-escaped", 'foo; bar="b\\az"; baz = qux , ,x-webkit-deflate-frame'),
    ("protocols", "chat, superchat"),
    ("protocols-ows", " ,\tgraphql-ws ,, mqtt,v1.chat.example.com ,"),
    ("quoted-not-token", 'foo; bar="a b"'),
    ("obs-text", 'foo; bar="caf\u00e9"'),
]:
    seed("header_grammar", name, value.encode())

# ------------------------------------------------------------------- frames

HELLO = b"Hello"
RFC_FRAMES = {
    # RFC 6455 §5.7, in order.
    "rfc-unmasked-text": frame(0x1, HELLO),
    "rfc-masked-text": frame(0x1, HELLO, masked=True),
    "rfc-fragment-1": frame(0x1, b"Hel", fin=False),
    "rfc-fragment-2": frame(0x0, b"lo"),
    "rfc-unmasked-ping": frame(0x9, HELLO),
    "rfc-masked-pong": frame(0xA, HELLO, masked=True),
    "rfc-binary-256": frame(0x2, bytes(256))[:4],
    "rfc-binary-64k": frame(0x2, bytes(65536))[:10],
}
assert RFC_FRAMES["rfc-masked-text"] == bytes.fromhex("818537fa213d7f9f4d5158")
for name, data in RFC_FRAMES.items():
    seed("frame_header", name, data)
seed("frame_header", "close-1000", close(1000, b"bye", masked=True))
seed("frame_header", "len64-max", bytes([0x82, 0x7F]) + struct.pack(">Q", (1 << 63) - 1))
seed("frame_header", "len64-top-bit", bytes([0x82, 0x7F]) + struct.pack(">Q", 1 << 63))
seed("frame_header", "non-minimal-16", bytes([0x81, 0xFE, 0x00, 0x05]) + bytes(KEY))
seed("frame_header", "rsv1-text", frame(0x1, HELLO, rsv=0x40, masked=True))
seed("frame_header", "reserved-opcode", bytes([0x83, 0x00]))

# ---------------------------------------------------------------- connection
# Two setup bytes (flags, control), see sockeye_fuzz::ConnSetup, then chunks.
LIMITS_TINY, LIMITS_SMALL, LIMITS_64K = 0x00, 0x10, 0x20
STREAM, NO_UTF8, NO_PONG, UNMASKED, ECHO, HANDSHAKE = 0x01, 0x02, 0x04, 0x08, 0x40, 0x80
EOF, PARTIAL = 0x40, 0x80


def conn(flags, control, data, lens=()):
    return bytes([flags, control]) + chunks(data, lens)


def client_frames(m=True):
    """What a client sends: masked frames (m=False: unmasked, for a client
    connection to receive)."""
    return [
        frame(0x1, HELLO, masked=m),
        frame(0x1, b"Hel", fin=False, masked=m),
        frame(0x9, b"ping", masked=m),
        frame(0x0, b"lo", masked=m),
        frame(0x2, bytes(range(200)), masked=m),
        frame(0x1, "κόσμε €𝄞".encode(), masked=m),
        frame(0xA, b"", masked=m),
    ]


def session(m=True):
    return b"".join(client_frames(m)) + close(1000, b"done", masked=m)


for role, m in [("connection_server", True), ("connection_client", False)]:
    seed(role, "rfc-hello", conn(LIMITS_64K, 0, frame(0x1, HELLO, masked=m)))
    seed(role, "session", conn(LIMITS_64K, 0, session(m)))
    seed(role, "session-echo-split", conn(LIMITS_64K | ECHO, PARTIAL, session(m), [1, 5, 13]))
    seed(role, "session-streaming", conn(LIMITS_SMALL | STREAM | ECHO, 0, session(m), [7]))
    seed(role, "tiny-limits-too-big", conn(LIMITS_TINY, 0, frame(0x2, bytes(200), masked=m)))
    seed(role, "no-utf8-check", conn(LIMITS_SMALL | NO_UTF8 | NO_PONG | ECHO, 0, session(m)))
    seed(role, "invalid-utf8-split",
         conn(LIMITS_64K, 0, frame(0x1, b"ok\xce", fin=False, masked=m)
              + frame(0x0, b"\xbaX\xed\xa0\x80", masked=m), [3, 9]))
    seed(role, "local-close-then-data",
         conn(LIMITS_64K | ECHO, 2 | EOF, session(m), [11, 20]))
    seed(role, "close-bad-code", conn(LIMITS_64K, 0, close(1005, masked=m)))
    seed(role, "eof-mid-frame", conn(LIMITS_64K, EOF, frame(0x2, bytes(100), masked=m)[:40]))
    seed(role, "ping-flood", conn(LIMITS_TINY, PARTIAL, frame(0x9, b"p", masked=m) * 40, [6]))
seed("connection_server", "unmasked-accepted", conn(LIMITS_64K | UNMASKED, 0, session(False)))
seed("connection_server", "unmasked-refused", conn(LIMITS_64K, 0, session(False)))
for name, req in [("chromium", CHROMIUM_REQUEST), ("firefox", FIREFOX_REQUEST),
                  ("node-ws", WS_REQUEST), ("rfc6455", RFC_REQUEST)]:
    seed("connection_server", f"handshake-{name}",
         conn(LIMITS_64K | HANDSHAKE | ECHO, 0, req + session(), [97, 3]))
seed("connection_server", "handshake-plain-get", conn(LIMITS_64K | HANDSHAKE, EOF, PLAIN_GET))
seed("connection_server", "handshake-bad-version",
     conn(LIMITS_SMALL | HANDSHAKE, 0, RFC_REQUEST.replace(b"Version: 13", b"Version: 12")))
seed("connection_client", "handshake-rfc6455",
     conn(LIMITS_64K | HANDSHAKE | ECHO, 0, RFC_RESPONSE + session(False), [50]))
seed("connection_client", "handshake-redirect", conn(LIMITS_64K | HANDSHAKE, EOF, REDIRECT))

# ------------------------------------------------------------------ deflate
# RFC 7692 §7.2.3: "Hello" compressed, the same with context takeover, a
# stored block, and a compressed message in two fragments.
RFC_HELLO = bytes.fromhex("f248cdc9c90700")
RFC_HELLO_AGAIN = bytes.fromhex("f200110000")
RFC_HELLO_STORED = bytes.fromhex("000500faff48656c6c6f00")
assert frame(0x1, RFC_HELLO, rsv=0x40) == bytes.fromhex("c107f248cdc9c90700")


def deflate(messages, wbits=15, level=6, takeover=True):
    """permessage-deflate payloads (RFC 7692 §7.2.1): raw DEFLATE, sync
    flush, the trailing 00 00 ff ff removed."""
    c = zlib.compressobj(level, zlib.DEFLATED, -wbits)
    out = []
    for m in messages:
        if not takeover:
            c = zlib.compressobj(level, zlib.DEFLATED, -wbits)
        data = c.compress(m) + c.flush(zlib.Z_SYNC_FLUSH)
        assert data.endswith(b"\x00\x00\xff\xff")
        out.append(data[:-4])
    return out


TEXT = "κόσμε permessage-deflate ".encode() * 8
BOMB = deflate([bytes(1 << 20)])[0]  # 1 MiB of zeros in about 1 KiB
seed("inflate_arbitrary", "rfc-hello", b"\x10" + chunks(RFC_HELLO))
seed("inflate_arbitrary", "rfc-stored", b"\x10" + chunks(RFC_HELLO_STORED, [3, 1]))
seed("inflate_arbitrary", "text-window-9", b"\x0c" + chunks(deflate([TEXT], wbits=9)[0], [5]))
seed("inflate_arbitrary", "bomb-1mib", b"\x10" + chunks(BOMB, [64]))
seed("inflate_arbitrary", "truncated", b"\x10" + chunks(deflate([TEXT])[0][:20]))

# Agreed parameters (sockeye_fuzz::ConnSetup::with_deflate): 15-bit windows,
# with (0xfc) or without (0xff) context takeover.
PMD_TAKEOVER, PMD_NO_TAKEOVER, PMD_SMALL = 0xFC, 0xFF, 0x04
seed("deflate_roundtrip", "text-takeover", bytes([PMD_TAKEOVER, 0x01]) + chunks(TEXT * 2, [200, 13]))
seed("deflate_roundtrip", "binary-no-takeover",
     bytes([PMD_NO_TAKEOVER, 0x06]) + chunks(bytes(range(256)) * 3, [255, 7]))
seed("deflate_roundtrip", "small-window-stored", bytes([PMD_SMALL, 0x08]) + chunks(TEXT * 4, [255]))


def compressed_session(m, takeover=True):
    hello = [RFC_HELLO, RFC_HELLO_AGAIN] if takeover else [RFC_HELLO, RFC_HELLO]
    text = deflate([TEXT], takeover=takeover)[0] if not takeover else None
    frames = [frame(0x1, hello[0], rsv=0x40, masked=m),
              frame(0x1, hello[1], rsv=0x40, masked=m),
              frame(0x1, RFC_HELLO_STORED, rsv=0x40, masked=m),
              frame(0x2, b"raw", masked=m),
              frame(0x1, RFC_HELLO[:3], fin=False, rsv=0x40, masked=m),
              frame(0x9, b"ping", masked=m),
              frame(0x0, RFC_HELLO[3:], masked=m)]
    if text is not None:
        frames.append(frame(0x1, text, rsv=0x40, masked=m))
    return b"".join(frames) + close(1000, masked=m)


PMD_REQUEST = RFC_REQUEST.replace(
    b"\r\n\r\n", b"\r\nSec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n")
PMD_RESPONSE = RFC_RESPONSE.replace(
    b"\r\n\r\n", b"\r\nSec-WebSocket-Extensions: permessage-deflate; "
    b"server_max_window_bits=15; client_max_window_bits=15\r\n\r\n")
BOMB_FRAME = frame(0x2, BOMB, rsv=0x40, masked=True)
for role, m in [("connection_server_deflate", True), ("connection_client_deflate", False)]:
    seed(role, "rfc7692-takeover", bytes([PMD_TAKEOVER]) + conn(LIMITS_64K | ECHO, 0, compressed_session(m)))
    seed(role, "no-takeover-split", bytes([PMD_NO_TAKEOVER])
         + conn(LIMITS_SMALL | ECHO, PARTIAL, compressed_session(m, takeover=False), [9, 2]))
    seed(role, "streaming", bytes([PMD_TAKEOVER]) + conn(LIMITS_64K | STREAM | ECHO, 0, compressed_session(m), [6]))
    seed(role, "bomb", bytes([PMD_TAKEOVER]) + conn(LIMITS_64K, 0, frame(0x2, BOMB, rsv=0x40, masked=m)))
seed("connection_server_deflate", "handshake-offer",
     bytes([PMD_TAKEOVER]) + conn(LIMITS_64K | HANDSHAKE | ECHO, 0, PMD_REQUEST + compressed_session(True), [120]))
seed("connection_client_deflate", "handshake-answer",
     bytes([PMD_TAKEOVER]) + conn(LIMITS_64K | HANDSHAKE | ECHO, 0, PMD_RESPONSE + compressed_session(False), [64]))

# --------------------------------------------------------------------- utf8

for name, text in [
    ("greek", "κόσμε".encode()),
    ("mixed", "a€𝄞ü\u0000\U0010FFFF".encode()),
    ("surrogate", b"ok\xed\xa0\x80"),
    ("overlong", b"\xc0\xaf"),
    ("above-max", b"\xf4\x90\x80\x80"),
    ("truncated", b"\xe2\x82"),
    ("invalid-after-valid-prefix", "κόσμε".encode() + b"\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xf4\x90\x80\x80edited"),
]:
    seed("utf8", name, chunks(text))
seed("utf8", "byte-by-byte", chunks("€𝄞ü".encode(), [1]))
seed("utf8", "split-3-1", chunks("𝄞𝄞€".encode() + b"\xf0\x9d", [3, 1]))

# --------------------------------------------------------------------- mask

# Key, key offset, buffer alignment, then chunks.
seed("mask", "rfc-hello", bytes(KEY) + b"\x00\x00" + chunks(bytes.fromhex("7f9f4d5158")))
seed("mask", "pieces-unaligned",
     bytes([0xde, 0xad, 0xbe, 0xef]) + b"\x03\x05" + chunks(bytes(range(100)), [1, 7, 9, 33]))
seed("mask", "long-aligned", bytes([1, 2, 3, 4]) + b"\x00\x00" + chunks(bytes(range(256)) * 4))

# ------------------------------------------------------------ proxy_tunnel

# Selector (bit 0: SOCKS5, bit 1: credentials), then chunks of the answer.
seed("proxy_tunnel", "http-200", b"\x00" + chunks(crlf("HTTP/1.1 200 Connection established")))
seed("proxy_tunnel", "http-interim-lf",
     b"\x00" + chunks(crlf("HTTP/1.1 100 Continue") + b"HTTP/1.1 200 OK\nX: y\n\n", [7, 1]))
seed("proxy_tunnel", "http-407",
     b"\x02" + chunks(crlf("HTTP/1.1 407 Proxy Authentication Required\nProxy-Authenticate: Basic")))
seed("proxy_tunnel", "socks5-ipv4",
     b"\x01" + chunks(b"\x05\x00" + b"\x05\x00\x00\x01\x7f\x00\x00\x01\x01\xbb", [2, 10]))
seed("proxy_tunnel", "socks5-auth-domain",
     b"\x03" + chunks(b"\x05\x02" + b"\x01\x00" + b"\x05\x00\x00\x03\x04host\x01\xbb", [2, 2, 11]))

# ------------------------------------------------------------- client_urls

for name, text in [
    ("dots", "../../up?x=/../y"),
    ("absolute", "https://b.example:9/p/./q/../r#frag"),
    ("network-path", "//c.example/p"),
    ("proxy-v6", "socks5h://a%40b:p%3Aw@[::1]:9050/"),
    ("no-proxy", ".internal.example, [::1]:80,*db.internal.example."),
]:
    seed("client_urls", name, text.encode())


def main():
    for target, files in SEEDS.items():
        d = os.path.join(ROOT, target)
        # Inputs a fuzzer found (committed as `regression-*`) stay.
        os.makedirs(d, exist_ok=True)
        for old in os.listdir(d):
            if not old.startswith("regression-"):
                os.remove(os.path.join(d, old))
        for name, data in files.items():
            with open(os.path.join(d, name), "wb") as f:
                f.write(data)
    total = sum(len(v) for f in SEEDS.values() for v in f.values())
    count = sum(len(f) for f in SEEDS.values())
    print(f"{count} seeds, {total} bytes, in {len(SEEDS)} targets")


if __name__ == "__main__":
    main()
