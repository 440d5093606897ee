// Test helper: the shipped binary as a board runs it. The binary is copied out of
// the checkout, and every command runs in a private mount namespace where a tmpfs
// hides the checkout (node_modules and the pinned Bun with it), with an environment
// that names no build tool. A binary that still reaches for the build tree, a worker
// file or a node module fails here as it would on a gateway.
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const ROOT = resolve(import.meta.dir, "..", "..");
export const ARM64_SYSROOT = "/usr/aarch64-linux-gnu";
export type Arch = "x64" | "arm64";

/** PATH on the board: system directories only, none of which holds Bun. */
export const BOARD_PATH = "/usr/sbin:/usr/bin:/sbin:/bin";

// Exit codes of the wrapper itself, so a test can tell "the board could not be set up"
// from "vigil failed".
export const WRAPPER_MOUNT_FAILED = 97;
export const WRAPPER_BUN_VISIBLE = 98;

const HIDE_SCRIPT = [
  // $1: the checkout; the rest: the command. The tmpfs is read-only and empty.
  'mount -t tmpfs -o ro,size=4k,mode=0555 vigil-board-hidden "$1" || exit 97',
  "shift",
  "cd /",
  `export PATH=${BOARD_PATH}`,
  "command -v bun >/dev/null 2>&1 && exit 98",
  'exec env -i PATH="$PATH" HOME=/root LANG=C.UTF-8 "$@"',
].join("\n");

const copied = new Map<Arch, string>();
const COPY_PREFIX = "vigil-board-";

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * This process's copy directory, /tmp/vigil-board-<pid>. bun test does not run
 * process 'exit' hooks, so a copy cannot remove itself: each test process removes
 * the directories of processes that are gone before making its own.
 */
function copyDir(): string {
  const dir = join(tmpdir(), `${COPY_PREFIX}${process.pid}`);
  if (existsSync(dir)) return dir;
  for (const name of readdirSync(tmpdir())) {
    const pid = name.startsWith(COPY_PREFIX) ? Number(name.slice(COPY_PREFIX.length)) : NaN;
    if (Number.isInteger(pid) && pid > 0 && !alive(pid)) rmSync(join(tmpdir(), name), { recursive: true, force: true });
  }
  mkdirSync(dir, { mode: 0o700 });
  return dir;
}

/**
 * dist/vigil-linux-<arch>, copied into a directory outside the checkout. Throws if
 * `make build` has not made it.
 */
export function shippedBinary(arch: Arch = "x64"): string {
  const have = copied.get(arch);
  if (have) return have;
  const src = join(ROOT, "dist", `vigil-linux-${arch}`);
  if (!existsSync(src)) throw new Error(`${src} is missing: run make build`);
  const dst = join(copyDir(), `vigil-${arch}`);
  copyFileSync(src, dst);
  chmodSync(dst, 0o755);
  copied.set(arch, dst);
  return dst;
}

/** argv that runs the shipped binary of `arch` (arm64: under qemu-user with the cross sysroot). */
export function binaryArgv(arch: Arch = "x64"): string[] {
  const bin = shippedBinary(arch);
  return arch === "arm64" ? ["qemu-aarch64-static", "-L", ARM64_SYSROOT, bin] : [bin];
}

/**
 * Wraps `argv` so it runs with the checkout hidden. Every step execs in place, so the
 * returned command's PID is the command's own (a lab can signal it by PID). Put it
 * after `ip netns exec NS` to run inside a lab namespace.
 */
export function hiddenCheckout(argv: string[]): string[] {
  return ["unshare", "--mount", "--propagation", "private", "sh", "-c", HIDE_SCRIPT, "vigil-board", ROOT, ...argv];
}

/** The shipped vigil's argv prefix with the checkout hidden: append vigil's own arguments. */
export function boardVigil(arch: Arch = "x64"): string[] {
  return hiddenCheckout(binaryArgv(arch));
}

export interface BoardRun {
  code: number | null;
  out: string;
  err: string;
}

/** Runs a command with the checkout hidden and waits for it. */
export function runHidden(argv: string[], opts: { stdin?: string; timeoutMs?: number } = {}): BoardRun {
  const r = Bun.spawnSync(hiddenCheckout(argv), {
    stdout: "pipe",
    stderr: "pipe",
    stdin: opts.stdin === undefined ? "ignore" : new TextEncoder().encode(opts.stdin),
    timeout: opts.timeoutMs ?? 60_000,
  });
  return { code: r.exitCode, out: r.stdout.toString(), err: r.stderr.toString() };
}

/** Runs a command with the checkout hidden without blocking the event loop (the test may serve it). */
export async function runHiddenAsync(argv: string[], opts: { timeoutMs?: number } = {}): Promise<BoardRun> {
  const p = Bun.spawn(hiddenCheckout(argv), { stdout: "pipe", stderr: "pipe", stdin: "ignore", timeout: opts.timeoutMs ?? 60_000 });
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { code, out, err };
}
