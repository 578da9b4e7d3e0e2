#!/usr/bin/env bash
# Checks beyond unit tests, run by .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."
bash ci/autobahn.sh
# Real peers (Node ws, Python websockets, headless Chromium); installs them.
bash ci/interop.sh
