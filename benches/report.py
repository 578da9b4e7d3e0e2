#!/usr/bin/env python3
"""Turns the criterion results of `just bench` (sockeye-benches) into the
markdown tables of the "Kernels" section of docs/benchmarks.md.

Usage: benches/report.py [CRITERION_DIR]   (default: $CARGO_TARGET_DIR/criterion)

Reads each benchmark's median time (new/estimates.json) and its throughput
(new/benchmark.json) and prints ratios (sockeye vs copy_from_slice, vs
fastwebsockets, vs simdutf8) with absolute rates for context.
"""
import json
import os
import sys


def load(root):
    results = {}
    for dirpath, _dirs, files in os.walk(root):
        if os.path.basename(dirpath) != "new" or "estimates.json" not in files:
            continue
        bench = json.load(open(os.path.join(dirpath, "benchmark.json")))
        est = json.load(open(os.path.join(dirpath, "estimates.json")))
        ns = est["median"]["point_estimate"]
        tp = bench.get("throughput") or {}
        results[bench["full_id"]] = (ns, tp)
    return results


def rate(entry):
    """Bytes per second or elements per second."""
    ns, tp = entry
    amount = tp.get("Bytes") or tp.get("BytesDecimal") or tp.get("Elements") or 1
    return amount / (ns * 1e-9)


def gbs(entry):
    return f"{rate(entry) / 1e9:.2f}"


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.environ.get("CARGO_TARGET_DIR", "target"), "criterion")
    r = load(root)
    get = r.get
    out = []
    p = out.append

    sizes = ["16B", "64B", "256B", "1KiB", "4KiB", "16KiB", "64KiB", "256KiB", "1MiB"]
    kernels = [k for k in ["portable", "sse2", "avx2", "neon"] if f"mask/sockeye_{k}/16B" in r]
    p("### Masking, by size (64-byte-aligned buffer, key offset 0)")
    p("")
    head = "| size | sockeye / fastwebsockets | sockeye / copy_from_slice | sockeye GB/s | fastwebsockets GB/s | copy GB/s | " + " | ".join(f"{k} GB/s" for k in kernels) + " |"
    p(head)
    p("|" + " --- |" * (head.count("|") - 1))
    for s in sizes:
        sk, fw, cp = get(f"mask/sockeye/{s}"), get(f"mask/fastwebsockets/{s}"), get(f"mask/copy_from_slice/{s}")
        if not (sk and fw and cp):
            continue
        ks = " | ".join(gbs(get(f"mask/sockeye_{k}/{s}")) if get(f"mask/sockeye_{k}/{s}") else "" for k in kernels)
        p(f"| {s} | **{rate(sk) / rate(fw):.2f}x** | {rate(sk) / rate(cp):.2f}x | {gbs(sk)} | {gbs(fw)} | {gbs(cp)} | {ks} |")
    p("")

    p("### Masking at every start alignment and key offset")
    p("")
    p("All 64 start alignments x 4 key offsets swept in each sample (copy_from_slice with its destination at the same alignments):")
    p("")
    p("| size | sockeye / copy_from_slice | sockeye GB/s | copy GB/s |")
    p("| --- | --- | --- | --- |")
    for s in ["64KiB", "1MiB"]:
        sk, cp = get(f"mask_all_alignments/sockeye/{s}"), get(f"mask_all_alignments/copy_from_slice/{s}")
        if sk and cp:
            p(f"| {s} | **{rate(sk) / rate(cp):.2f}x** | {gbs(sk)} | {gbs(cp)} |")
    p("")
    p("The hardest alignments measured one by one (each against copy_from_slice at the same alignment):")
    p("")
    p("| size | alignment | key offset | sockeye / copy_from_slice | sockeye GB/s | copy GB/s |")
    p("| --- | --- | --- | --- | --- | --- |")
    for s in ["64KiB", "1MiB"]:
        for a in [0, 1, 31, 33, 63]:
            cp = get(f"mask_alignment/copy_from_slice/{s}/align{a}")
            for o in [0, 3]:
                sk = get(f"mask_alignment/sockeye/{s}/align{a}/off{o}")
                if sk and cp:
                    p(f"| {s} | {a} | {o} | {rate(sk) / rate(cp):.2f}x | {gbs(sk)} | {gbs(cp)} |")
    p("")

    p("### UTF-8 validation, whole messages")
    p("")
    p("| text | size | sockeye / simdutf8 | sockeye / core::str::from_utf8 | sockeye GB/s | simdutf8 GB/s | core GB/s |")
    p("| --- | --- | --- | --- | --- | --- | --- |")
    for kind in ["ascii", "mixed30"]:
        for s in ["128B", "1KiB", "64KiB", "1MiB"]:
            sk, sd, co = get(f"utf8/sockeye/{kind}/{s}"), get(f"utf8/simdutf8/{kind}/{s}"), get(f"utf8/core/{kind}/{s}")
            if sk and sd and co:
                p(f"| {kind} | {s} | **{rate(sk) / rate(sd):.2f}x** | {rate(sk) / rate(co):.2f}x | {gbs(sk)} | {gbs(sd)} | {gbs(co)} |")
    p("")
    p("### UTF-8 validation, 1 MiB in 4093-byte fragments")
    p("")
    p("| text | sockeye / simdutf8 on the whole message | sockeye / simdutf8 compat, piece by piece | sockeye GB/s | simdutf8 whole GB/s | simdutf8 pieces GB/s |")
    p("| --- | --- | --- | --- | --- | --- |")
    for kind in ["ascii", "mixed30"]:
        sk, w, c = get(f"utf8_fragments/sockeye/{kind}"), get(f"utf8_fragments/simdutf8_whole/{kind}"), get(f"utf8_fragments/simdutf8_compat_pieces/{kind}")
        if sk and w and c:
            p(f"| {kind} | {rate(sk) / rate(w):.2f}x | {rate(sk) / rate(c):.2f}x | {gbs(sk)} | {gbs(w)} | {gbs(c)} |")
    p("")

    p("### Frames through `Connection`")
    p("")
    p("Small frames, millions of frames per second (1000 frames per read or per drained batch):")
    p("")
    sides = ["server_recv_masked", "client_recv_unmasked", "server_send", "client_send_masked"]
    p("| message | " + " | ".join(sides) + " |")
    p("|" + " --- |" * (len(sides) + 1))
    for kind in ["binary", "text"]:
        for s in ["16B", "125B"]:
            cells = [get(f"frames_small/{side}/{kind}/{s}") for side in sides]
            if all(cells):
                p(f"| {kind} {s} | " + " | ".join(f"{rate(c) / 1e6:.1f}" for c in cells) + " |")
    p("")
    p("Large messages, GB/s of payload (text is 30% multi-byte and validated):")
    p("")
    lsides = ["server_recv_masked", "client_recv_unmasked"]
    p("| message | server receive (masked) | client receive (unmasked) |")
    p("| --- | --- | --- |")
    for kind in ["binary", "text"]:
        for s in ["64KiB", "1MiB"]:
            cells = [get(f"frames_large/{side}/{kind}/{s}") for side in lsides]
            if all(cells):
                p(f"| {kind} {s} | " + " | ".join(gbs(c) for c in cells) + " |")
    p("")
    p("| send, binary | server, zero-copy `send_message` | server, `send_binary` (copy) | client, `send_binary` (copy + mask) |")
    p("| --- | --- | --- | --- |")
    for s in ["64KiB", "1MiB"]:
        cells = [get(f"frames_large/{side}/{s}") for side in ["server_send_zero_copy", "server_send_copy", "client_send_masked"]]
        if all(cells):
            p(f"| {s} | " + " | ".join(gbs(c) for c in cells) + " |")
    p("")

    p("### Handshake")
    p("")
    p("| request | rate |")
    p("| --- | --- |")
    b = get("server_handshake/browser_request_at_once")
    if b:
        p(f"| Chromium's upgrade request, fed at once | {rate(b) / 1e6:.2f} M requests/s |")
    for s in ["4KiB", "16KiB"]:
        e = get(f"server_handshake/one_byte_per_feed_{s}")
        if e:
            p(f"| {s} request fed one byte per call | {rate(e) / 1e6:.1f} MB/s ({1e9 / e[0]:.0f} requests/s) |")
    print("\n".join(out))


if __name__ == "__main__":
    main()
