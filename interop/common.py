"""Shared helpers for the Python peers: payloads, checksums, a time limit."""
import hashlib
import json
import os
import sys
import threading


def sha1(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()


def describe(data) -> dict:
    if isinstance(data, str):
        raw = data.encode("utf-8")
        return {"kind": "text", "len": len(raw), "sha1": sha1(raw)}
    raw = bytes(data)
    return {"kind": "binary", "len": len(raw), "sha1": sha1(raw)}


def texts():
    """Text payloads: ASCII, multi-byte code points, up to 16 MiB of UTF-8."""
    unit = "sockeye ✓ héllo 🦀 "
    u = len(unit.encode("utf-8"))

    def big(n):
        return unit * (n // u) + "x" * (n % u)

    return ["", "hello", "héllo wörld ✓ 🦀", big(70000), big(1 << 20), big(16 << 20)]


def binaries():
    """Binary payloads at every length-encoding boundary, up to 16 MiB."""
    return [os.urandom(n) for n in (0, 1, 125, 126, 127, 65535, 65536, 1 << 20, 16 << 20)]


def emit(obj):
    print(json.dumps(obj), flush=True)


def deadline(seconds: float):
    """Ends the process if the peer has not finished in time."""

    def expire():
        emit({"fatal": f"time limit of {seconds}s reached"})
        os._exit(3)

    t = threading.Timer(seconds, expire)
    t.daemon = True
    t.start()


def timeout_seconds() -> float:
    return float(os.environ.get("INTEROP_PEER_TIMEOUT", "120"))


def args():
    argv = sys.argv[1:]
    deflate = "--deflate" in argv
    return [a for a in argv if a != "--deflate"], deflate
