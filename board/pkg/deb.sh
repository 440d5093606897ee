#!/usr/bin/env bash
# Builds vigil_<version>_<debarch>.deb with dpkg-deb alone (no debhelper).
# usage: board/pkg/deb.sh ARCH BINARY VERSION OUTDIR
#   env: PKG_DEB_COMPRESS (xz, gzip or none; default xz), PKG_DEB_LEVEL (default 6),
#        PKG_MAINTAINER
# Layout: /usr/sbin/vigil, /lib/systemd/system/vigil.service, /etc/vigil/vigil.conf
# (conffile, all comments), /var/lib/vigil (0700, the fleet's config store),
# /usr/share/doc/vigil (copyright, changelog, README, examples), vigil(8).
set -euo pipefail
PKG=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$PKG/../.." && pwd)
# shellcheck source=common.sh
. "$PKG/common.sh"

[ $# -eq 4 ] || { echo "usage: $0 ARCH BINARY VERSION OUTDIR" >&2; exit 2; }
ARCH=$1 BIN=$2 VERSION=$3 OUT=$4
DEBARCH=$(debian_arch "$ARCH")
MAINTAINER=${PKG_MAINTAINER:-vigil developers <vigil@example.org>}
check_binary_arch "$BIN" "$ARCH"
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(source_date_epoch)}

stage=$(mktemp -d "${TMPDIR:-/tmp}/vigil-deb.XXXXXX")
trap 'rm -rf "$stage"' EXIT
umask 022
chmod 0755 "$stage"

install -D -m 0755 "$BIN" "$stage/usr/sbin/vigil"
install -D -m 0644 "$ROOT/board/init/vigil.service" "$stage/lib/systemd/system/vigil.service"
install -d -m 0755 "$stage/etc/vigil"
write_commented_conf >"$stage/etc/vigil/vigil.conf"
chmod 0644 "$stage/etc/vigil/vigil.conf"
install -d -m 0700 "$stage/var/lib/vigil"

doc=$stage/usr/share/doc/vigil
install -d -m 0755 "$doc/examples"
install -m 0644 "$PKG"/examples/*.conf "$doc/examples/"
write_readme_excerpt >"$doc/README.md"
install -D -m 0644 "$PKG/debian/lintian-overrides" "$stage/usr/share/lintian/overrides/vigil"
install -d -m 0755 "$stage/usr/share/man/man8"
gzip -9n <"$PKG/vigil.8" >"$stage/usr/share/man/man8/vigil.8.gz"
chmod 0644 "$stage/usr/share/man/man8/vigil.8.gz"
{
	echo "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/"
	echo "Upstream-Name: vigil"
	echo
	echo "Files: *"
	echo "Copyright: $(sed -n 's/^Copyright (c) //p' "$ROOT/LICENSE")"
	echo "License: Expat"
	echo
	echo "Files: usr/sbin/vigil"
	echo "Comment: a bun build --compile executable: the Bun runtime (MIT; it embeds"
	echo " JavaScriptCore under LGPL-2.1 and further libraries under their own licenses,"
	echo " listed at https://bun.sh/docs/project/licensing) and these npm packages:"
	"$ROOT/node_modules/.bin/bun" "$PKG/licenses.ts" | sed 's/^/ /'
	echo "Copyright: the vigil authors, the Bun authors and the authors of the packages above"
	echo "License: Expat and LGPL-2.1 and others"
	echo
	echo "License: Expat"
	sed -n '/^Permission is hereby granted/,$p' "$ROOT/LICENSE" | sed -e 's/^$/./' -e 's/^/ /'
	echo
	echo "License: LGPL-2.1"
	echo " On Debian systems the full text is in /usr/share/common-licenses/LGPL-2.1."
} >"$doc/copyright"
# A native package's changelog (Debian policy §12.7): one entry, for this build.
{
	echo "vigil ($VERSION) unstable; urgency=medium"
	echo
	echo "  * vigil $VERSION for $DEBARCH, built by make package."
	echo
	echo " -- $MAINTAINER  $(date -u -R -d "@$SOURCE_DATE_EPOCH")"
} | gzip -9n >"$doc/changelog.gz"
find "$doc" -type f -exec chmod 0644 {} +

glibc=$(readelf --version-info "$BIN" | grep -o 'GLIBC_[0-9.]*' | sed 's/^GLIBC_//' | sort -uV | tail -n 1)
[ -n "$glibc" ] || { echo "$BIN: no GLIBC symbol versions found" >&2; exit 1; }

install -d -m 0755 "$stage/DEBIAN"
sed -e "s/@VERSION@/$VERSION/" -e "s/@ARCH@/$DEBARCH/" -e "s|@MAINTAINER@|$MAINTAINER|" \
	-e "s/@INSTALLED_SIZE@/$(du -sk --exclude=DEBIAN "$stage" | cut -f1)/" -e "s/@GLIBC@/$glibc/" \
	"$PKG/debian/control.in" >"$stage/DEBIAN/control"
install -m 0644 "$PKG/debian/conffiles" "$stage/DEBIAN/conffiles"
install -m 0755 "$PKG/debian/postinst" "$PKG/debian/prerm" "$PKG/debian/postrm" "$stage/DEBIAN/"
# md5sums of everything but the conffiles (dpkg tracks those itself), paths relative to /
(cd "$stage" && find . -path ./DEBIAN -prune -o -type f -print | sed 's|^\./||' | LC_ALL=C sort |
	grep -vxF -f <(sed 's|^/||' DEBIAN/conffiles) | xargs -d '\n' md5sum) >"$stage/DEBIAN/md5sums"
chmod 0644 "$stage/DEBIAN/md5sums"

# every timestamp is the commit's: two builds of one commit are the same package
find "$stage" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +

mkdir -p "$OUT"
deb="$OUT/vigil_${VERSION}_${DEBARCH}.deb"
# a temporary name of its own: two builds at once (make package twice) must not write into one file
tmp=$(mktemp "$OUT/.vigil_${DEBARCH}.deb.XXXXXX")
trap 'rm -rf "$stage" "$tmp"' EXIT
dpkg-deb --root-owner-group "-Z${PKG_DEB_COMPRESS:-xz}" "-z${PKG_DEB_LEVEL:-6}" --build "$stage" "$tmp" >/dev/null
chmod 0644 "$tmp"
mv -f "$tmp" "$deb"
echo "$deb"
