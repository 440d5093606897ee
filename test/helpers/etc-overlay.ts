// Test helper: a command that sees its own /etc/vigil and /etc/keepalived. Inside a
// private mount namespace (put it after test/helpers/board.ts's hiddenCheckout), a
// read-only overlay lays a test directory over the host's /etc: files in it appear
// at their /etc paths, and a whiteout (a 0/0 character device, overlayfs's deletion
// mark) hides a host directory. The host's /etc is never written.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { spawnSync } from "bun";

/** Exit code when the overlay cannot be mounted, so a test can tell set-up from vigil failing. */
export const OVERLAY_FAILED = 96;

const MOUNT_SCRIPT = [
  'mount -t overlay vigil-etc -o "lowerdir=$1:/etc" /etc || exit 96',
  "shift",
  'exec "$@"',
].join("\n");

export class EtcOverlay {
  readonly dir: string;

  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), "vigil-etc-"));
  }

  /** /etc/<rel> shows `text`. */
  file(rel: string, text: string): this {
    const p = join(this.dir, rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, text);
    return this;
  }

  /** /etc/<rel> does not exist, whatever the host has. */
  hide(rel: string): this {
    const p = join(this.dir, rel);
    mkdirSync(dirname(p), { recursive: true });
    rmSync(p, { recursive: true, force: true });
    const r = spawnSync(["mknod", p, "c", "0", "0"], { stderr: "pipe" });
    if (r.exitCode !== 0) throw new Error(`mknod ${p}: ${r.stderr.toString().trim()}`);
    return this;
  }

  /** `argv` with this directory over /etc (needs a private mount namespace). Execs in place: the PID is the command's. */
  wrap(argv: string[]): string[] {
    return ["sh", "-c", MOUNT_SCRIPT, "vigil-etc", this.dir, ...argv];
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
