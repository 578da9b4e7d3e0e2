#!/usr/bin/env python3
"""Tabulates the Autobahn reports written by ci/autobahn.sh.

Prints a Markdown table of case counts per behavior for each run, and with
--write FILE writes docs/compliance.md around it.
"""
import argparse
import collections
import datetime
import json
import os
import subprocess

PASS = {"OK", "NON-STRICT", "INFORMATIONAL"}
RUNS = [(f"{side}-{rt}", side, rt) for rt in ("std", "tokio", "async-std") for side in ("server", "client")]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("reports")
    ap.add_argument("--write")
    args = ap.parse_args()

    rows = []
    for name, side, rt in RUNS:
        path = os.path.join(args.reports, name, "index.json")
        try:
            with open(path) as f:
                report = json.load(f)
        except (OSError, ValueError):
            rows.append(f"| {side} | {rt} | — | — | — | — | report missing |")
            continue
        try:
            with open(os.path.join(args.reports, name, "excluded")) as f:
                excluded = f.read().strip() or "none"
        except OSError:
            excluded = "?"
        excluded = "none" if excluded == "none" else f"`{excluded}`"
        for agent, cases in sorted(report.items()):
            behavior = collections.Counter(c["behavior"] for c in cases.values())
            close = collections.Counter(c["behaviorClose"] for c in cases.values())
            passed = sum(1 for c in cases.values() if c["behavior"] in PASS and c["behaviorClose"] in PASS)
            fmt = lambda c: ", ".join(f"{k} {v}" for k, v in sorted(c.items()))
            rows.append(
                f"| {side} | {rt} | {excluded} | {len(cases)} | {passed} | {len(cases) - passed} | {fmt(behavior)} / {fmt(close)} |"
            )
    table = "\n".join(
        [
            "| role | runtime | excluded | cases | passed | failed | behavior / behaviorClose |",
            "| --- | --- | --- | --- | --- | --- | --- |",
        ]
        + rows
    )
    print(table)
    if args.write:
        try:
            commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
        except OSError:
            commit = "?"
        with open(args.write, "w") as f:
            f.write(f"""# Compliance

sockeye is tested with the real [Autobahn|Testsuite](https://github.com/crossbario/autobahn-testsuite)
(`wstest` 0.8.2, installed by `../shared/autobahn/install.sh`): `wstest -m fuzzingclient`
against `sockeye serve`, and `wstest -m fuzzingserver` against `sockeye autobahn-client`, on
each of the three runtimes. A case passes when both its behavior and its closing behavior are
OK, NON-STRICT or INFORMATIONAL.

The server runs as `sockeye serve --deflate`; the client offers permessage-deflate as every
sockeye client does by default, so the compression cases 12.* and 13.* (RFC 7692, every
window size and context-takeover combination) are included.

Regenerate this page with `just autobahn-all` (`ci/autobahn.sh --all --write-docs`): all six
runs in full, about 40 minutes, since wstest itself is slow in 12.* and 13.*. CI
(`ci/more.sh`, `just autobahn`) runs the full suite for the tokio server and client side by
side, and the suite without 12.* and 13.* for std and async-std (the compression code is the
core's, shared by every runtime); it fails on any failed case.

Latest run: {datetime.date.today().isoformat()}, commit {commit}.

{table}
""")


if __name__ == "__main__":
    main()
