// Test helper: runs a shell script inside the IPVS test VM (Debian's kernel under
// qemu TCG, built by board/vm/fetch.sh). The guest chroots into the host's root
// (read-only over 9p), so the script sees the host's bun and ipvsadm at their
// usual paths; /tmp, /run and /root in the guest are fresh tmpfs. The checkout is
// a share of its own, mounted at its host path on top of those, so a clone under
// /tmp (or anywhere) is where the scripts expect it. A per-run directory under the
// host's /tmp is shared read-write at the same path, so the script and the test
// can exchange files while the VM runs.
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./netns.ts";

/** The checkout's real path: what the guest mounts and what scripts may `cd` to. */
export const CHECKOUT = realpathSync(ROOT);
const CACHE = join(CHECKOUT, ".cache/vm");
export const VMLINUX = join(CACHE, "vmlinux");
export const INITRAMFS = join(CACHE, "initramfs.cpio.gz");

/** True when `make setup` has built the VM inputs. */
export function vmAvailable(): boolean {
  return existsSync(VMLINUX) && existsSync(INITRAMFS) && Bun.which("qemu-system-x86_64") !== null;
}

export interface VmNet {
  /** namespace that holds `tap` (created and bridged by the test; no uplink) */
  netns: string;
  /** persistent tap device (`ip tuntap add dev X mode tap`) inside `netns` */
  tap: string;
  /** the guest's eth0 address with prefix, 198.18.0.0/15 only */
  ip: string;
  gw?: string;
}

export interface VmOptions {
  script: string;
  /** host files copied into the run directory before boot (name in the run directory -> host path) */
  files?: Record<string, string>;
  net?: VmNet;
  /** hard limit for the whole run, boot included */
  timeoutMs?: number;
  memoryMb?: number;
}

export interface VmResult {
  stdout: string;
  stderr: string;
  /** the script's exit status; null when the VM never reported one (timeout, crash) */
  exitCode: number | null;
  /** serial console (kernel and init messages), for diagnosing failures */
  console: string;
  wallMs: number;
  /** qemu start → the guest about to run the script (kernel, modules, 9p mounts); null if never reached */
  bootMs: number | null;
}

export interface VmHandle {
  /** host path of the shared directory (same path inside the guest) */
  runDir: string;
  pid: number;
  done: Promise<VmResult>;
  /** resolves when `name` exists in runDir (guest → host signal), bounded by timeoutMs */
  waitForFile(name: string, timeoutMs: number): Promise<void>;
  /**
   * Runs `command` (sh) in the guest while its script serves commands
   * (GUEST_SERVE_COMMANDS); resolves with its exit status and output (stdout and
   * stderr together). Commands run one at a time, in the order sent.
   */
  exec(command: string, timeoutMs?: number): Promise<{ code: number; out: string }>;
  /** tells GUEST_SERVE_COMMANDS to return, so the script goes on to its end */
  release(): void;
  /** release()s the script and waits for its end; a guest still running `killAfterMs` later is killed */
  finish(killAfterMs: number): Promise<VmResult>;
  kill(): void;
}

/**
 * Shell for the guest script: serves VmHandle.exec until the host calls release()
 * (bounded: 10 minutes idle). Each command arrives as cmd-N.sh in the run directory
 * (renamed into place whole), its output goes back as cmd-N.out, then its status as
 * cmd-N.rc (renamed, so the host never reads half of it).
 */
export const GUEST_SERVE_COMMANDS = `
serve_run=$(dirname "$0")
serve_n=0
serve_idle=0
while [ ! -e "$serve_run/released" ] && [ $serve_idle -lt 6000 ]; do
  if [ -e "$serve_run/cmd-$serve_n.sh" ]; then
    # a failing command must not end a script running under set -e
    serve_rc=0
    sh "$serve_run/cmd-$serve_n.sh" > "$serve_run/cmd-$serve_n.out" 2>&1 < /dev/null || serve_rc=$?
    echo $serve_rc > "$serve_run/cmd-$serve_n.rc.tmp"
    mv "$serve_run/cmd-$serve_n.rc.tmp" "$serve_run/cmd-$serve_n.rc"
    serve_n=$((serve_n + 1))
    serve_idle=0
  else
    sleep 0.1
    serve_idle=$((serve_idle + 1))
  fi
done
`;

/**
 * Guest shell after the daemon's part of a script: SIGTERMs the daemon (`$pid`) and
 * prints its exit status (DAEMON-EXIT n) and the IPVS table it left behind
 * (TABLE-AFTER-STOP), which a director must have emptied.
 */
export const GUEST_STOP_DAEMON = `kill -TERM $pid
set +e
wait $pid
echo "DAEMON-EXIT $?"
echo "TABLE-AFTER-STOP"
ipvsadm -Ln`;

// qemu processes still running, killed if the test process exits early (by PID).
// bun test does not run 'exit' handlers, so qemu also gets a parent-death signal
// (setpriv --pdeathsig, below) and run directories left by a dead test process are
// swept by the next startVm (sweepOrphanRunDirs).
const live = new Set<{ proc: { kill(sig?: string | number): void }; runDir: string }>();
function killLive() {
  for (const v of live) {
    v.proc.kill("SIGKILL");
    rmSync(v.runDir, { recursive: true, force: true });
  }
  live.clear();
}
process.on("exit", killLive);
// make bench ends an overrunning bench with SIGTERM: take the guests down with
// it, and exit unless another handler (a lab teardown) is there to do so
for (const sig of ["SIGTERM", "SIGINT"] as const) {
  process.on(sig, () => {
    killLive();
    if (process.listenerCount(sig) === 1) process.exit(128 + (sig === "SIGTERM" ? 15 : 2));
  });
}

function assertTestAddress(cidr: string) {
  const m = /^198\.(18|19)\.\d{1,3}\.\d{1,3}\/\d{1,2}$/.exec(cidr);
  if (!m) throw new Error(`VM address ${cidr} is outside 198.18.0.0/15`);
}

const RUN_PREFIX = "vigil-vm-";
const OWNER_FILE = "owner-pid";

/** Removes run directories whose test process is gone (only those that name their owner). */
function sweepOrphanRunDirs() {
  for (const name of readdirSync("/tmp")) {
    if (!name.startsWith(RUN_PREFIX)) continue;
    const dir = join("/tmp", name);
    let owner: number;
    try {
      owner = Number(readFileSync(join(dir, OWNER_FILE), "utf8"));
    } catch {
      continue;
    }
    if (!Number.isInteger(owner) || owner <= 0 || existsSync(`/proc/${owner}`)) continue;
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Boots the VM with `script`; the caller must await `done` (it always settles). */
export function startVm(opts: VmOptions): VmHandle {
  if (opts.net) assertTestAddress(opts.net.ip);
  if (!vmAvailable()) throw new Error("VM inputs missing: run `make setup` (board/vm/fetch.sh)");
  // the kernel command line splits on blanks: a checkout path with one cannot be passed
  if (/\s/.test(CHECKOUT)) throw new Error(`the VM cannot share a checkout whose path has blanks: '${CHECKOUT}'`);
  sweepOrphanRunDirs();
  const runDir = mkdtempSync(join("/tmp", RUN_PREFIX));
  try {
    writeFileSync(join(runDir, OWNER_FILE), String(process.pid));
    writeFileSync(join(runDir, "script.sh"), opts.script);
    for (const [name, from] of Object.entries(opts.files ?? {})) copyFileSync(from, join(runDir, name));
  } catch (e) {
    rmSync(runDir, { recursive: true, force: true });
    throw e;
  }
  const append = ["console=ttyS0", "quiet", "panic=-1", `vigil.run=${runDir}`, `vigil.checkout=${CHECKOUT}`];
  const netArgs: string[] = [];
  let prefix: string[] = [];
  if (opts.net) {
    append.push(`vigil.ip=${opts.net.ip}`);
    if (opts.net.gw) append.push(`vigil.gw=${opts.net.gw}`);
    prefix = ["ip", "netns", "exec", opts.net.netns];
    netArgs.push(
      "-netdev", `tap,id=n0,ifname=${opts.net.tap},script=no,downscript=no`,
      "-device", "virtio-net-pci,netdev=n0,romfile=",
    );
  } else {
    netArgs.push("-nic", "none");
  }
  const argv = [
    // qemu dies with the test process even when no exit handler runs (bun test)
    "setpriv", "--pdeathsig", "KILL",
    ...prefix,
    "qemu-system-x86_64",
    "-accel", "tcg", "-cpu", "max", "-m", String(opts.memoryMb ?? 1536), "-smp", "1",
    "-nographic", "-no-reboot", "-monitor", "none",
    "-kernel", VMLINUX, "-initrd", INITRAMFS, "-append", append.join(" "),
    // multidevs=remap: the host root spans several devices (proc, sys, tmpfs);
    // without it 9p inode numbers collide and the guest misbehaves.
    "-virtfs", "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap",
    // qemu options escape a comma by doubling it
    "-virtfs", `local,path=${CHECKOUT.replaceAll(",", ",,")},mount_tag=checkout,security_model=none,readonly=on,multidevs=remap`,
    "-virtfs", `local,path=${runDir},mount_tag=run,security_model=none`,
    ...netArgs,
  ];
  const t0 = performance.now();
  const proc = Bun.spawn(argv, { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const entry = { proc, runDir };
  live.add(entry);
  const timeoutMs = opts.timeoutMs ?? 120_000;
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    proc.kill("SIGKILL");
  }, timeoutMs);
  const kill = () => {
    if (proc.exitCode === null && !proc.killed) proc.kill("SIGKILL");
  };
  const done = (async (): Promise<VmResult> => {
    try {
      let bootMs: number | null = null;
      const readConsole = async () => {
        let text = "";
        const dec = new TextDecoder();
        for await (const chunk of proc.stdout) {
          text += dec.decode(chunk, { stream: true });
          if (bootMs === null && text.includes("VIGIL-VM: run")) bootMs = performance.now() - t0;
        }
        return text;
      };
      const [out, err] = await Promise.all([readConsole(), new Response(proc.stderr).text()]);
      await proc.exited;
      const read = (f: string) => (existsSync(join(runDir, f)) ? readFileSync(join(runDir, f), "utf8") : "");
      const code = read("exitcode").trim();
      const consoleText = out + err + (timedOut ? `\n[vm helper: killed after ${timeoutMs} ms]` : "");
      return {
        stdout: read("stdout"),
        stderr: read("stderr"),
        exitCode: code === "" ? null : Number(code),
        console: consoleText,
        wallMs: performance.now() - t0,
        bootMs,
      };
    } finally {
      clearTimeout(timer);
      kill();
      live.delete(entry);
      rmSync(runDir, { recursive: true, force: true });
    }
  })();
  const waitForFile = async (name: string, ms: number) => {
    const deadline = performance.now() + ms;
    for (let i = 0; i < 100_000; i++) {
      if (existsSync(join(runDir, name))) return;
      if (proc.exitCode !== null) throw new Error(`VM exited before ${name} appeared`);
      if (performance.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${name} from the VM`);
      await Bun.sleep(50);
    }
  };
  let sent = 0;
  let queue: Promise<unknown> = Promise.resolve();
  const exec = (command: string, ms = 60_000) => {
    const run = async () => {
      const n = sent++;
      const base = join(runDir, `cmd-${n}`);
      writeFileSync(`${base}.tmp`, command);
      renameSync(`${base}.tmp`, `${base}.sh`);
      await waitForFile(`cmd-${n}.rc`, ms);
      return { code: Number(readFileSync(`${base}.rc`, "utf8").trim()), out: readFileSync(`${base}.out`, "utf8") };
    };
    const p = queue.then(run, run);
    queue = p.catch(() => {});
    return p;
  };
  const release = () => {
    if (existsSync(runDir)) writeFileSync(join(runDir, "released"), "");
  };
  const finish = async (killAfterMs: number) => {
    release();
    const t = setTimeout(kill, killAfterMs);
    try {
      return await done;
    } finally {
      clearTimeout(t);
    }
  };
  return { runDir, pid: proc.pid, done, waitForFile, exec, release, finish, kill };
}

/** Boots the VM, runs `script` (sh) as root in the host's root, returns its output. */
export async function runInVm(opts: VmOptions): Promise<VmResult> {
  const vm = startVm(opts);
  try {
    return await vm.done;
  } finally {
    vm.kill();
  }
}
