// One notify FIFO (keepalived notify_fifo / vrrp_notify_fifo / lvs_notify_fifo)
// on the main thread. Lines leave in the order they were written: a line goes
// straight to the pipe only when nothing is queued before it. The pipe is opened
// O_RDWR | O_NONBLOCK (src/sys/fifo.ts), so a reader that is slow or absent only
// fills the pipe (64 KiB, ~1500 lines); after that lines wait in a bounded queue,
// retried every RETRY_MS, and the oldest are dropped (counted, logged once per
// episode) rather than anything blocking. Each line is shorter than PIPE_BUF, so
// the kernel writes it whole or not at all (pipe(7)): no line is ever torn.
//
// The FIFO's _script is started once with the FIFO's path as its last argument,
// as keepalived does, before the FIFO is opened. On stop it reads every line
// (the STOP lines too) to EOF and can exit by itself before it is terminated;
// keepalived kills it at once, and what it had not read yet is lost (measured).
import { errorText } from "../error-text.ts";
import { chownSync, closeSync, rmSync, writeSync } from "node:fs";
import type { Subprocess } from "bun";
import { makeFifo, openFifoForWriting, unreadBytes } from "../sys/fifo.ts";
import { splitCommand } from "./scripts.ts";

/** Lines kept while the pipe is full; beyond this the oldest are dropped. */
export const FIFO_QUEUE_MAX = 4096;
const RETRY_MS = 100;
/** On stop: time the script gets to read to EOF and exit, then SIGTERM, then SIGKILL. */
const SCRIPT_EOF_GRACE_MS = 1000;
const SCRIPT_TERM_GRACE_MS = 500;

export interface FifoSpec {
  path: string;
  /** owner of a FIFO vigil creates */
  owner?: { uid?: number; gid?: number };
  script?: string;
  scriptIds?: { uid?: number; gid?: number };
}

export interface FifoStats {
  path: string;
  /** lines the pipe took */
  written: number;
  /** lines waiting for room in the pipe */
  queued: number;
  /** lines dropped because the queue was full (no reader for a long time) */
  dropped: number;
  /** pid of the _script while it runs */
  scriptPid?: number;
}

type Log = (level: "info" | "warn" | "error", msg: string) => void;

export class NotifyFifo {
  readonly path: string;
  private fd = -1;
  private created = false;
  private readonly queue: Buffer[] = [];
  private written = 0;
  private dropped = 0;
  private dropping = false;
  private retry: ReturnType<typeof setTimeout> | null = null;
  private script: Subprocess | null = null;
  private closing = false;

  /** Creates (mode 0600, as keepalived's umask 0177 leaves it) and opens the FIFO; starts its script. Throws when it cannot. */
  constructor(private readonly spec: FifoSpec, private readonly log: Log) {
    this.path = spec.path;
    this.created = makeFifo(spec.path, 0o600);
    try {
      if (this.created && (spec.owner?.uid !== undefined || spec.owner?.gid !== undefined)) {
        chownSync(spec.path, spec.owner.uid ?? -1, spec.owner.gid ?? -1);
      }
      if (spec.script) this.startScript(spec.script);
      this.fd = openFifoForWriting(spec.path);
    } catch (e) {
      this.killScript("SIGTERM");
      if (this.created) rmSync(spec.path, { force: true });
      throw e;
    }
  }

  private startScript(command: string): void {
    const argv = [...splitCommand(command), this.path];
    const ids = this.spec.scriptIds ?? {};
    const proc = Bun.spawn(argv, {
      stdin: "ignore",
      stdout: "ignore",
      stderr: "ignore",
      env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin" },
      ...(ids.uid !== undefined ? { uid: ids.uid } : {}),
      ...(ids.gid !== undefined ? { gid: ids.gid } : {}),
    } as Parameters<typeof Bun.spawn>[1]);
    this.script = proc;
    void proc.exited.then((code) => {
      if (this.script === proc) this.script = null;
      // keepalived logs "notify fifo script terminated" and does not restart it
      if (!this.closing) this.log("warn", `notify fifo ${this.path}: script ${argv[0]} exited (${proc.signalCode ?? code}); lines queue until the pipe is full, then the oldest are dropped`);
    });
  }

  /** Queues one line (it must end in "\n") behind any line still waiting, and writes what the pipe takes. */
  write(line: string): void {
    if (this.fd < 0) return;
    this.queue.push(Buffer.from(line));
    if (this.queue.length > FIFO_QUEUE_MAX) {
      this.queue.shift();
      this.dropped++;
      if (!this.dropping) {
        this.dropping = true;
        this.log("warn", `notify fifo ${this.path}: nobody reads it; ${FIFO_QUEUE_MAX} lines queued, dropping the oldest`);
      }
    }
    if (this.queue.length === 1) this.flush();
  }

  /** Writes queued lines until the pipe is full (EAGAIN) or the queue is empty. */
  private flush(): void {
    while (this.queue.length && this.fd >= 0) {
      try {
        writeSync(this.fd, this.queue[0]!);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "EAGAIN") {
          this.retry ??= setTimeout(() => {
            this.retry = null;
            this.flush();
          }, RETRY_MS);
          return;
        }
        this.log("error", `notify fifo ${this.path}: ${errorText(e)}; the line is dropped`);
        this.dropped++;
      }
      this.queue.shift();
      this.written++;
    }
    if (!this.queue.length && this.dropping) {
      this.dropping = false;
      this.log("info", `notify fifo ${this.path}: read again after ${this.dropped} dropped line(s)`);
    }
  }

  stats(): FifoStats {
    return { path: this.path, written: this.written, queued: this.queue.length, dropped: this.dropped, ...(this.script ? { scriptPid: this.script.pid } : {}) };
  }

  /**
   * Writes what the pipe still takes and, with a script, waits until it has read
   * every line; then removes a FIFO vigil created (before closing it, as
   * keepalived: a script that reopens it in a loop cannot), closes it (the reader
   * gets EOF after the last line) and lets the script exit before it is
   * terminated. Bounded by the grace periods above.
   */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    const proc = this.script;
    // The pipe's contents live only while a descriptor is open: with a script to
    // read them, ours stays open until the script has taken every line (bounded).
    const until = performance.now() + SCRIPT_EOF_GRACE_MS;
    for (let i = 0; proc && this.script && i < 1000 && performance.now() < until; i++) {
      this.flush();
      if (!this.queue.length && this.unread() === 0) break;
      await Bun.sleep(10);
    }
    this.flush();
    if (this.retry) clearTimeout(this.retry);
    this.retry = null;
    const unread = this.fd >= 0 ? this.unread() : 0;
    if (this.queue.length) this.log("warn", `notify fifo ${this.path}: ${this.queue.length} line(s) still queued at stop, not written`);
    if (proc && this.script && unread) this.log("warn", `notify fifo ${this.path}: its script left ${unread} byte(s) unread at stop`);
    if (this.created) rmSync(this.path, { force: true });
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
    if (!proc) return;
    if (await exitsWithin(proc, SCRIPT_EOF_GRACE_MS)) return;
    this.killScript("SIGTERM");
    if (await exitsWithin(proc, SCRIPT_TERM_GRACE_MS)) return;
    this.killScript("SIGKILL");
  }

  private unread(): number {
    try {
      return unreadBytes(this.fd);
    } catch {
      return 0;
    }
  }

  private killScript(sig: "SIGTERM" | "SIGKILL"): void {
    try {
      this.script?.kill(sig);
    } catch (e) {
      // a script running as another user needs CAP_KILL: said, never thrown
      this.log("warn", `notify fifo ${this.path}: cannot ${sig} its script (pid ${this.script?.pid}): ${errorText(e)}`);
    }
  }
}

function exitsWithin(proc: Subprocess, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), ms);
    void proc.exited.then(() => {
      clearTimeout(t);
      resolve(true);
    });
  });
}
