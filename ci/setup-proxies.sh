#!/usr/bin/env bash
# Installs the real proxy servers the `real-proxies` tests run: Debian's
# tinyproxy (HTTP CONNECT) and dante-server (danted, SOCKS5), and the system
# user danted's username/password method checks. Idempotent: a second run
# installs nothing.
#
# The packages' own services are kept from starting (policy-rc.d during the
# install) and disabled: the tests start their own instances, on free ports
# of 127.0.0.1 with config files in a temporary directory, and kill them by
# PID.
set -euo pipefail

PROXY_USER=${SOCKEYE_PROXY_USER:-sockeyeproxy}
PROXY_PASS=${SOCKEYE_PROXY_PASS:-sockeye-pw}

missing=()
command -v tinyproxy >/dev/null 2>&1 || [[ -x /usr/bin/tinyproxy ]] || missing+=(tinyproxy)
command -v danted >/dev/null 2>&1 || [[ -x /usr/sbin/danted ]] || missing+=(dante-server)

if [[ ${#missing[@]} -gt 0 ]]; then
  # Refuse service starts while the packages install (invoke-rc.d honours this).
  policy=/usr/sbin/policy-rc.d
  saved=
  if [[ -e $policy ]]; then saved=$(mktemp); cp -p "$policy" "$saved"; fi
  printf '#!/bin/sh\nexit 101\n' >"$policy"
  chmod +x "$policy"
  restore() { if [[ -n $saved ]]; then mv "$saved" "$policy"; else rm -f "$policy"; fi; }
  trap restore EXIT
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  restore
  trap - EXIT
fi

# Make sure no system instance runs or starts at boot: ours are the tests'.
for svc in tinyproxy danted; do
  if command -v systemctl >/dev/null 2>&1 && [[ -d /run/systemd/system ]]; then
    systemctl disable --now "$svc" >/dev/null 2>&1 || true
  else
    if [[ -x /etc/init.d/$svc ]]; then
      /etc/init.d/"$svc" stop >/dev/null 2>&1 || true
      update-rc.d "$svc" disable >/dev/null 2>&1 || true
    fi
  fi
done

# danted's `username` method checks the system's password database.
if ! id "$PROXY_USER" >/dev/null 2>&1; then
  useradd --no-create-home --shell /usr/sbin/nologin "$PROXY_USER"
fi
echo "$PROXY_USER:$PROXY_PASS" | chpasswd

echo "proxies: $(command -v tinyproxy || echo /usr/bin/tinyproxy), $(command -v danted || echo /usr/sbin/danted); SOCKS user $PROXY_USER"
