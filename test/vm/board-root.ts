// Guest shell for running the shipped binary in the IPVS VM as a board runs it.
// The VM's script normally runs in the host's root (over 9p), where the checkout,
// node_modules and Bun are all reachable. These snippets build a board root in the
// guest's own tmpfs instead: the binary copied in from the run directory, the C
// libraries it links against (a board's glibc), busybox, and the daemon's config;
// then start the daemon in a mount namespace pivoted onto that root, with every
// other mount (the host's root, the checkout, the run directory: all 9p) detached.
// Nothing the daemon could open leads back to the host.

/** The board root, in the guest's own tmpfs (the guest's /tmp). */
export const BOARD_ROOT = "/tmp/board";
/** Where the binary lives on the board (as the .deb installs it). */
export const BOARD_VIGIL = "/usr/sbin/vigil";
/** The daemon's stdout and stderr on the board (journald's stand-in), inside the board root. */
export const BOARD_LOG = "/var/log/vigil.log";
/** The guest file (outside the board root) holding the board daemon's PID. */
export const BOARD_PID_FILE = "/tmp/board-vigil.pid";
const PATH = "/usr/sbin:/usr/bin:/sbin:/bin";

/**
 * Shell: builds BOARD_ROOT from `binary` (a file in the run directory, named
 * relative to it) and writes `config` to /etc/vigil/vigil.conf there.
 */
export function buildBoardRoot(binary: string, config: string): string {
  return `
board=${BOARD_ROOT}
mkdir -p $board/usr/sbin $board/bin $board/etc/vigil $board/proc $board/sys $board/dev $board/run $board/tmp $board/var/lib/vigil $board/var/log $board/old-root
cp "$(dirname "$0")/${binary}" $board${BOARD_VIGIL}
chmod 755 $board${BOARD_VIGIL}
# the C libraries the binary links against, at the paths its loader looks in
for lib in $(ldd $board${BOARD_VIGIL} | grep -o '/[^ )]*'); do cp -L --parents "$lib" $board; done
# busybox is static: a shell and a few tools for the checks below, nothing vigil needs
cp /bin/busybox $board/bin/busybox
for a in sh env cat ls find test readlink umount; do ln -s busybox $board/bin/$a; done
cat > $board/etc/vigil/vigil.conf <<'BOARD_CONF_EOF'
${config}
BOARD_CONF_EOF
`;
}

/**
 * Shell: starts `vigil <args>` on the board in the background, waits until it runs
 * there, and records its PID in BOARD_PID_FILE (every step execs in place, so the
 * PID is the daemon's own); exits 96 with the daemon's log if it died first. In a
 * private mount namespace the board root is bind-mounted onto itself, given fresh
 * proc, sys, dev, run and tmp, and made the root with pivot_root; the old root (the
 * host's root over 9p, with the checkout and the run directory on it) is detached.
 */
export function startOnBoard(args: string): string {
  return `
unshare --mount --propagation private sh -c '
  board=$1; shift
  mount --bind "$board" "$board" &&
  mount -t proc proc "$board/proc" &&
  mount -t sysfs sys "$board/sys" &&
  mount -t devtmpfs dev "$board/dev" &&
  mount -t tmpfs run "$board/run" &&
  mount -t tmpfs tmp "$board/tmp" || exit 97
  cd "$board" && pivot_root . old-root || exit 97
  exec /bin/sh -c "umount -l /old-root && cd / && exec env -i PATH=${PATH} HOME=/root ${BOARD_VIGIL} \\"\\$@\\"" vigil "$@"
' board-root ${BOARD_ROOT} ${args} > ${BOARD_ROOT}${BOARD_LOG} 2>&1 &
board_pid=$!
# on the board once no 9p mount is left in its namespace (bounded: 30 s); before
# that, entering its namespace would still reach the host's root
i=0
while grep -q ' - 9p ' /proc/$board_pid/mountinfo 2>/dev/null && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done
if ! kill -0 $board_pid 2>/dev/null || grep -q ' - 9p ' /proc/$board_pid/mountinfo; then
  echo "board: vigil did not start on the board root; its log:" >&2
  cat ${BOARD_ROOT}${BOARD_LOG} >&2
  exit 96
fi
echo $board_pid > ${BOARD_PID_FILE}
`;
}

/**
 * Shell: runs `command` (busybox sh) inside the running board daemon's mount
 * namespace and root, e.g. the binary's own `vigil status`; $VIGIL_PID is the
 * daemon's PID there.
 */
export function onBoard(command: string): string {
  const quoted = `'${command.replaceAll("'", `'\\''`)}'`;
  return `nsenter -t "$(cat ${BOARD_PID_FILE})" -m -r -w env -i PATH=${PATH} HOME=/root VIGIL_PID="$(cat ${BOARD_PID_FILE})" /bin/sh -c ${quoted}`;
}
