# Shared by deb.sh and tarball.sh (sourced): what goes into both packages.
# PKG is board/pkg, ROOT the checkout.

# vigil's architecture name -> Debian's
debian_arch() {
	case "$1" in
	x64) echo amd64 ;;
	arm64) echo arm64 ;;
	*) echo "unknown architecture '$1' (x64 or arm64)" >&2; return 1 ;;
	esac
}

# The ELF machine a binary of this architecture must carry (e_machine, <elf.h>).
elf_machine() {
	case "$1" in
	x64) echo 62 ;;   # EM_X86_64
	arm64) echo 183 ;; # EM_AARCH64
	esac
}

# Refuses a binary of the wrong architecture: a package must not ship x64 as arm64.
check_binary_arch() {
	local bin=$1 arch=$2 got
	got=$(od -An -tu2 -j18 -N2 "$bin" | tr -d ' ')
	if [ "$got" != "$(elf_machine "$arch")" ]; then
		echo "$bin: ELF machine $got, not $arch's $(elf_machine "$arch")" >&2
		return 1
	fi
}

# /etc/vigil/vigil.conf as shipped: the header, then the gateway-pair example
# commented out line by line, so a fresh install configures nothing.
write_commented_conf() {
	cat "$PKG/vigil.conf.head"
	sed -e 's/^/# /' -e 's/^# $/#/' "$PKG/examples/vrrp-pair.conf"
}

# The README's install section (between its package-readme markers).
write_readme_excerpt() {
	local text
	text=$(sed -n '/<!-- package-readme:begin -->/,/<!-- package-readme:end -->/p' "$ROOT/README.md" | sed '1d;$d')
	if [ -z "$text" ]; then
		echo "README.md has no <!-- package-readme:begin/end --> section" >&2
		return 1
	fi
	printf '# vigil %s\n\n%s\n\nLicense: MIT (LICENSE).\n' "$VERSION" "$text"
}

# Seconds since the epoch for every timestamp in a package: the last commit's time,
# so two builds of one commit are the same bytes.
source_date_epoch() {
	if [ -n "${SOURCE_DATE_EPOCH:-}" ]; then
		echo "$SOURCE_DATE_EPOCH"
	elif git -C "$ROOT" log -1 --format=%ct 2>/dev/null; then
		:
	else
		date +%s
	fi
}
