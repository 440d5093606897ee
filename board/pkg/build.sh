#!/usr/bin/env bash
# `make package`: the Debian package and the tarball for each architecture, from the
# binaries `make build` made.
# usage: board/pkg/build.sh VERSION DISTDIR [ARCH...]     (ARCH: x64 arm64; default both)
set -euo pipefail
PKG=$(cd "$(dirname "$0")" && pwd)
[ $# -ge 2 ] || { echo "usage: $0 VERSION DISTDIR [ARCH...]" >&2; exit 2; }
VERSION=$1 DIST=$2
shift 2
[ -n "$VERSION" ] || { echo "$0: empty version" >&2; exit 2; }
archs=("$@")
[ ${#archs[@]} -gt 0 ] || archs=(x64 arm64)
for arch in "${archs[@]}"; do
	bin="$DIST/vigil-linux-$arch"
	[ -x "$bin" ] || { echo "$bin is missing: run make build" >&2; exit 1; }
	bash "$PKG/deb.sh" "$arch" "$bin" "$VERSION" "$DIST"
	bash "$PKG/tarball.sh" "$arch" "$bin" "$VERSION" "$DIST"
done
