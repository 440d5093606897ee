#!/usr/bin/env bash
# Fetches the IPVS test VM's kernel from Debian and builds its initramfs.
# Idempotent: everything lands in .cache/vm/ and is rebuilt only when an input
# changed. The development kernel has no IP_VS, so the VM tests boot Debian's
# stock kernel (ip_vs ships there as plain .ko modules) under qemu TCG.
#
# Outputs (.cache/vm/):
#   vmlinux          uncompressed kernel (TCG boots it ~4x faster than bzImage)
#   initramfs.cpio.gz busybox + the modules below + board/vm/init
#   kernel-version   e.g. 6.1.0-56-amd64
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
CACHE=$ROOT/.cache/vm
mkdir -p "$CACHE"
cd "$CACHE"

# linux-image-amd64 is a metapackage: its Depends names the versioned image.
resolve() { apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}'; }
pkg=$(resolve)
if [ -z "$pkg" ]; then
  # a fresh container has no package lists yet
  apt-get update -qq >/dev/null 2>&1 || true
  pkg=$(resolve)
fi
if [ -z "$pkg" ]; then
  echo "vm/fetch: cannot resolve linux-image-amd64 to a versioned kernel package (apt-get update?)" >&2
  exit 1
fi
kver=${pkg#linux-image-}

deb=$(ls -1 "${pkg}"_*.deb 2>/dev/null | tail -n1 || true)
if [ -z "$deb" ]; then
  echo "vm/fetch: downloading $pkg"
  # apt's sandbox user cannot write here; the download itself is fine as root.
  if ! apt-get download "$pkg" > download.log 2>&1; then
    echo "vm/fetch: apt-get download $pkg failed:" >&2
    grep -v unsandboxed download.log >&2 || true
    exit 1
  fi
  deb=$(ls -1 "${pkg}"_*.deb 2>/dev/null | tail -n1 || true)
  if [ -z "$deb" ]; then
    echo "vm/fetch: apt-get download $pkg left no ${pkg}_*.deb in $CACHE" >&2
    exit 1
  fi
fi

if [ ! -f "x/boot/vmlinuz-$kver" ] || [ "$deb" -nt "x/boot/vmlinuz-$kver" ]; then
  rm -rf x && mkdir x
  dpkg-deb -x "$deb" x
  touch "x/boot/vmlinuz-$kver"
fi

# extract-vmlinux: the bzImage carries the real ELF kernel as one compressed
# payload somewhere inside; find each candidate magic, decompress from there and
# keep the first result that is an ELF image.
extract_vmlinux() {
  local img=$1 out=$2
  local tmp=$out.tmp
  local -a magics=( '\xfd7zXZ\x00:xz -dc' '\x28\xb5\x2f\xfd:zstd -dc' '\x1f\x8b\x08:gzip -dc' '\x02\x21\x4c\x18:lz4 -dc' 'BZh:bzip2 -dc' '\x5d\x00\x00\x00:xz -dc --format=lzma' )
  local m magic cmd off
  for m in "${magics[@]}"; do
    magic=${m%%:*}; cmd=${m#*:}
    for off in $(LC_ALL=C grep -aboP "$magic" "$img" 2>/dev/null | cut -d: -f1 | head -n 20); do
      tail -c "+$((off + 1))" "$img" | $cmd > "$tmp" 2>/dev/null || true
      if [ "$(head -c 4 "$tmp" | od -An -tx1 | tr -d ' \n')" = "7f454c46" ]; then
        mv "$tmp" "$out"
        return 0
      fi
    done
  done
  rm -f "$tmp"
  echo "vm/fetch: no ELF payload found in $img" >&2
  return 1
}
if [ ! -f vmlinux ] || [ "x/boot/vmlinuz-$kver" -nt vmlinux ]; then
  echo "vm/fetch: extracting vmlinux"
  extract_vmlinux "x/boot/vmlinuz-$kver" vmlinux
fi

# Modules the guest needs. Everything they depend on is resolved by depmod over
# the full tree, then copied in dependency order.
wanted=(
  virtio_pci virtio_net virtio_console
  9p 9pnet_virtio
  ip_vs ip_vs_rr ip_vs_wrr ip_vs_lc ip_vs_wlc ip_vs_lblc ip_vs_lblcr ip_vs_dh ip_vs_sh
  ip_vs_sed ip_vs_nq ip_vs_mh ip_vs_fo ip_vs_ovf
  ipip veth tun sctp
  ipvlan
)
inputs="$ROOT/board/vm/fetch.sh $ROOT/board/vm/init /bin/busybox x/boot/vmlinuz-$kver"
stale=0
[ -f initramfs.cpio.gz ] || stale=1
for f in $inputs; do [ "$f" -nt initramfs.cpio.gz ] && stale=1; done
if [ $stale = 1 ]; then
  echo "vm/fetch: building initramfs"
  [ -f "x/lib/modules/$kver/modules.dep" ] || depmod -b x "$kver"
  rm -rf rootfs && mkdir -p rootfs/{bin,sbin,proc,sys,dev,host,tmp,etc,lib/modules/"$kver"}
  cp /bin/busybox rootfs/bin/busybox
  for app in sh mount umount mkdir insmod modprobe ip poweroff reboot cat echo sleep chroot ls dmesg seq; do
    ln -sf busybox "rootfs/bin/$app"
  done
  # Load order: modprobe --show-depends prints each dependency before its user.
  : > rootfs/etc/modules.order
  for m in "${wanted[@]}"; do
    modprobe -d x -S "$kver" --show-depends "$m" | awk '$1=="insmod" {print $2}' |
      while read -r ko; do
        rel=${ko#"$CACHE/x/lib/modules/$kver/"}
        rel=${rel#"x/lib/modules/$kver/"}
        if ! grep -qxF "$rel" rootfs/etc/modules.order; then
          mkdir -p "rootfs/lib/modules/$kver/$(dirname "$rel")"
          cp "x/lib/modules/$kver/$rel" "rootfs/lib/modules/$kver/$rel"
          echo "$rel" >> rootfs/etc/modules.order
        fi
      done
  done
  echo "$kver" > rootfs/etc/kernel-version
  cp "$ROOT/board/vm/init" rootfs/init && chmod 755 rootfs/init
  (cd rootfs && find . -print0 | cpio --null -o -H newc --quiet | gzip -1) > initramfs.cpio.gz.tmp
  mv initramfs.cpio.gz.tmp initramfs.cpio.gz
  rm -rf rootfs
fi
echo "$kver" > kernel-version
echo "vm/fetch: ok ($kver)"
