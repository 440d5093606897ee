#!/usr/bin/env bash
# Builds vigil-<version>-linux-<arch>.tar.gz for systems without dpkg.
# usage: board/pkg/tarball.sh ARCH BINARY VERSION OUTDIR     env: PKG_GZIP_LEVEL (1-9, default 6)
# One directory, vigil-<version>-linux-<arch>/: the executable, the systemd unit,
# the OpenWrt procd init script, the manual page, example configs (vigil.conf is the commented one
# the Debian package installs), LICENSE and the README's install section.
set -euo pipefail
PKG=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$PKG/../.." && pwd)
# shellcheck source=common.sh
. "$PKG/common.sh"

[ $# -eq 4 ] || { echo "usage: $0 ARCH BINARY VERSION OUTDIR" >&2; exit 2; }
ARCH=$1 BIN=$2 VERSION=$3 OUT=$4
debian_arch "$ARCH" >/dev/null
check_binary_arch "$BIN" "$ARCH"
epoch=$(source_date_epoch)

name="vigil-${VERSION}-linux-${ARCH}"
stage=$(mktemp -d "${TMPDIR:-/tmp}/vigil-tar.XXXXXX")
trap 'rm -rf "$stage"' EXIT
umask 022
chmod 0755 "$stage"
dir="$stage/$name"

install -D -m 0755 "$BIN" "$dir/vigil"
install -m 0644 "$ROOT/board/init/vigil.service" "$dir/vigil.service"
install -m 0755 "$ROOT/board/init/vigil.procd" "$dir/vigil.procd"
install -m 0644 "$PKG/vigil.8" "$dir/vigil.8"
install -d -m 0755 "$dir/examples"
install -m 0644 "$PKG"/examples/*.conf "$dir/examples/"
write_commented_conf >"$dir/examples/vigil.conf"
install -m 0644 "$ROOT/LICENSE" "$dir/LICENSE"
write_readme_excerpt >"$dir/README.md"
chmod 0644 "$dir/examples/vigil.conf" "$dir/README.md"

mkdir -p "$OUT"
tgz="$OUT/$name.tar.gz"
# a temporary name of its own: two builds at once must not write into one file
tmp=$(mktemp "$OUT/.$name.tar.gz.XXXXXX")
trap 'rm -rf "$stage" "$tmp"' EXIT
tar -C "$stage" --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$epoch" -cf - "$name" |
	gzip -n "-${PKG_GZIP_LEVEL:-6}" >"$tmp"
chmod 0644 "$tmp"
mv -f "$tmp" "$tgz"
echo "$tgz"
