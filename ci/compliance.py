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
    ap.add_argument("--exclude", default="")
    ap.add_argument("--write")
    args = ap.parse_args()

    rows = []
    for name, side, rt in RUNS:
        path = os.path.join(args.reports, name, "index.json")
        try:
            with open(path) as f:
                report = json.load(f)
        except (OSError, ValueError):
            rows.append(f"| {side} | {rt} | — | — | — | report missing |")
            continue
        for agent, cases in sorted(report.items()):
            behavior = collections.Counter(c["behavior"] for c in cases.values())
            close = collections.Counter(c["behaviorClose"] for c in cases.values())
            passed = sum(1 for c in cases.values() if c["behavior"] in PASS and c["behaviorClose"] in PASS)
            fmt = lambda c: ", ".join(f"{k} {v}" for k, v in sorted(c.items()))
            rows.append(f"| {side} | {rt} | {len(cases)} | {passed} | {len(cases) - passed} | {fmt(behavior)} / {fmt(close)} |")
    table = "\n".join(
        ["| role | runtime | cases | passed | failed | behavior / behaviorClose |", "| --- | --- | --- | --- | --- | --- |"] + rows
    )
    print(table)
    if args.write:
        try:
            commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
        except OSError:
            commit = "?"
        excluded = args.exclude or "none"
        with open(args.write, "w") as f:
            f.write(f"""# Compliance

sockeye is tested with the real [Autobahn|Testsuite](https://github.com/crossbario/autobahn-testsuite)
(`wstest` 0.8.2, installed by `../shared/autobahn/install.sh`): `wstest -m fuzzingclient`
against `sockeye serve`, and `wstest -m fuzzingserver` against `sockeye autobahn-client`, on
each of the three runtimes. A case passes when both its behavior and its closing behavior are
OK, NON-STRICT or INFORMATIONAL.

Regenerate this page with `just autobahn` (which runs `ci/autobahn.sh --write-docs`); CI runs
the same six runs on every change and fails on any failed case.

Latest run: {datetime.date.today().isoformat()}, commit {commit}. Excluded cases: `{excluded}`
(12.* and 13.* are the permessage-deflate cases, which need the deflate extension).

{table}
""")


if __name__ == "__main__":
    main()
