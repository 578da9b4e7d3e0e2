#!/usr/bin/env bash
# Installs the real peers the interop tests run against: Node's ws and
# playwright-core (npm, into interop/node_modules), Python's websockets (pip,
# into a venv under ~/.cache), and Debian's Chromium when it is missing.
# Idempotent and cache-friendly: a second run installs nothing.
# Prints the venv's python as the last line, for callers that want it.
set -euo pipefail
cd "$(dirname "$0")/.."

venv="${SOCKEYE_INTEROP_VENV:-$HOME/.cache/sockeye-interop-venv}"

# Node: exact versions from interop/package.json, no lock file written.
want_ws=$(node -p "require('./interop/package.json').dependencies.ws")
want_pw=$(node -p "require('./interop/package.json').dependencies['playwright-core']")
have() { node -p "try { require('./interop/node_modules/$1/package.json').version } catch (e) { '' }"; }
if [ "$(have ws)" != "$want_ws" ] || [ "$(have playwright-core)" != "$want_pw" ]; then
  echo "setup-interop: npm install (ws $want_ws, playwright-core $want_pw)" >&2
  (cd interop && npm install --no-package-lock --no-audit --no-fund --loglevel=error >&2)
fi

# Python: websockets pinned in interop/requirements.txt, in its own venv.
if [ ! -x "$venv/bin/python" ]; then
  echo "setup-interop: creating venv $venv" >&2
  python3 -m venv "$venv"
fi
want_py=$(sed -n 's/^websockets==//p' interop/requirements.txt)
if [ "$("$venv/bin/python" -c 'import websockets; print(websockets.__version__)' 2>/dev/null || true)" != "$want_py" ]; then
  echo "setup-interop: pip install websockets==$want_py" >&2
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r interop/requirements.txt >&2
fi

# Chromium for the browser test: Debian's package (browser downloads don't
# work here). We run as root in CI.
if [ ! -x /usr/bin/chromium ]; then
  echo "setup-interop: apt-get install chromium chromium-driver" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq chromium chromium-driver >&2
fi

echo "$venv/bin/python"
