#!/usr/bin/env bash
# Idempotent set-up for tests and the lab on Debian: installs only the missing
# Debian packages, the pinned npm dependencies (Bun comes from npm), and the
# IPVS test VM's kernel and initramfs inputs.
set -euo pipefail
cd "$(dirname "$0")/.."

# package -> a file it installs (checked instead of dpkg to stay fast and exact)
declare -A need=(
  [iproute2]=/usr/sbin/ip
  [keepalived]=/usr/sbin/keepalived
  [mosquitto]=/usr/sbin/mosquitto
  [mosquitto-clients]=/usr/bin/mosquitto_sub
  [tcpdump]=/usr/bin/tcpdump
  [ipvsadm]=/usr/sbin/ipvsadm
  [qemu-user-static]=/usr/bin/qemu-aarch64-static
  [libc6-arm64-cross]=/usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1
  [gcc-aarch64-linux-gnu]=/usr/bin/aarch64-linux-gnu-gcc
  [libc6-dev-arm64-cross]=/usr/aarch64-linux-gnu/include/stdio.h
  [qemu-system-x86]=/usr/bin/qemu-system-x86_64
  [busybox-static]=/bin/busybox
  [openssl]=/usr/bin/openssl
  [arping]=/usr/sbin/arping
  [iputils-ping]=/usr/bin/ping
  [cpio]=/usr/bin/cpio
  [kmod]=/usr/sbin/depmod
  [procps]=/usr/bin/ps
  [gcc]=/usr/bin/cc
  [make]=/usr/bin/make
  [systemd]=/usr/bin/systemd-analyze
  [binutils]=/usr/bin/readelf
  [prometheus]=/usr/bin/promtool
  [rabbitmq-server]=/usr/lib/rabbitmq/bin/rabbitmq-server
  [chromium]=/usr/bin/chromium
  [fonts-dejavu-core]=/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf
)
missing=()
for pkg in "${!need[@]}"; do
  [ -e "${need[$pkg]}" ] || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# Debian starts these as services on install; tests start their own mosquitto and
# keepalived, and prometheus is installed only for promtool (the metrics parser).
for svc in mosquitto keepalived prometheus rabbitmq-server; do
  if command -v systemctl >/dev/null && systemctl is-active --quiet "$svc" 2>/dev/null; then
    systemctl disable --now "$svc" >/dev/null 2>&1 || true
  fi
done

# `npm install` against the committed lock, not `npm ci`: cbor-x's optional native
# helper cbor-extract lists platform packages (@cbor-extract/*) that this registry
# answers with 404, so npm 11 leaves them out of the lock and `npm ci` then refuses
# the lock as out of sync. `npm install` installs the locked versions and skips the
# missing optional ones (cbor-x falls back to its JavaScript decoder, as it must in
# the compiled binary anyway).
if [ ! -x node_modules/.bin/bun ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm install --no-audit --no-fund
fi

if [ -x board/vm/fetch.sh ]; then
  bash board/vm/fetch.sh
fi
echo "setup: ok"
