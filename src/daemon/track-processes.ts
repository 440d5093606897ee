// vrrp_track_process on the box: the pure core (track-process-core.ts) fed from
// the kernel. At start /proc is read once; after that the process events
// connector says what forked, exec'd, renamed itself or exited (keepalived's
// way), drained on a short timer because Bun cannot wait on a foreign descriptor.
// Where the connector is unavailable (not root, or not the initial network
// namespace: the connector exists in init_net only) /proc is read again on every
// poll instead, and the log says so. Changes go to `onChange` (the daemon posts
// them to the VRRP worker, as track_script results).
import { errorText } from "../error-text.ts";
import { readdirSync, readFileSync } from "node:fs";
import type { TrackProcess } from "../config/model.ts";
import { ProcConnector, type ProcEventSink } from "../sys/proc-connector.ts";
import { type ProcessFacts, ProcessTable } from "./track-process-core.ts";

/** How often queued connector events are read (they queue in a 4 MiB socket buffer meanwhile). */
export const CONNECTOR_DRAIN_MS = 100;
/** /proc polling period when the connector is unavailable */
export const POLL_MS = 1000;

/** /proc/PID/stat: comm between the first "(" and the last ")", then the state letter. */
export function parseStat(text: string): { comm: string; state: string } | null {
  const open = text.indexOf("(");
  const close = text.lastIndexOf(")");
  if (open < 0 || close < open) return null;
  return { comm: text.slice(open + 1, close), state: text.charAt(close + 2) };
}

/** What /proc says about one process now; null if it is gone or a zombie (keepalived skips zombies). */
export function readProcess(pid: number, withCmdline: boolean, proc = "/proc"): ProcessFacts | null {
  try {
    const st = parseStat(readFileSync(`${proc}/${pid}/stat`, "latin1"));
    if (!st || st.state === "Z") return null;
    const facts: ProcessFacts = { comm: st.comm };
    if (withCmdline) {
      const raw = readFileSync(`${proc}/${pid}/cmdline`, "utf8");
      facts.argv = raw.length ? raw.replace(/\0$/, "").split("\0") : [];
    }
    return facts;
  } catch {
    return null;
  }
}

/** Every process in /proc with its facts. */
export function* scanProc(withCmdline: boolean, proc = "/proc"): Generator<[number, ProcessFacts]> {
  for (const name of readdirSync(proc)) {
    const c = name.charCodeAt(0);
    if (c < 49 || c > 57) continue; // [1-9]: pids only
    const pid = Number(name);
    const f = readProcess(pid, withCmdline, proc);
    if (f) yield [pid, f];
  }
}

export type ProcessSource = "connector" | "poll";

export class ProcessTracking {
  private table: ProcessTable;
  private connector: ProcConnector | null = null;
  private timer: ReturnType<typeof setInterval> | undefined;
  private delayTimer: ReturnType<typeof setTimeout> | undefined;
  private rescan = false;
  source: ProcessSource = "poll";

  constructor(
    tracked: readonly TrackProcess[],
    private readonly onChange: (name: string, up: boolean) => void,
    private readonly log: (level: "info" | "warn", msg: string) => void,
    private readonly opts: { forcePoll?: boolean; pollMs?: number } = {},
  ) {
    this.table = new ProcessTable(tracked);
  }

  /** Reads /proc once, starts watching; returns each tracked process's state now. */
  start(): Map<string, boolean> {
    const now = performance.now();
    this.table.scan(scanProc(this.table.needsCmdline), now);
    if (!this.opts.forcePoll) {
      try {
        this.connector = new ProcConnector();
        this.source = "connector";
      } catch (e) {
        this.log("warn", `vrrp_track_process: the process events connector is unavailable (${errorText(e)}); reading /proc every ${(this.opts.pollMs ?? POLL_MS) / 1000} s instead`);
      }
    }
    // events that came between the scan and the subscription: one more scan settles them
    if (this.connector) this.table.scan(scanProc(this.table.needsCmdline), now);
    this.timer = setInterval(() => this.tick(), this.connector ? CONNECTOR_DRAIN_MS : this.opts.pollMs ?? POLL_MS);
    return new Map(this.table.tracked.map((t, i) => [t.name, this.table.quorums[i]!.up ?? false]));
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.delayTimer) clearTimeout(this.delayTimer);
    this.timer = this.delayTimer = undefined;
    this.connector?.close();
    this.connector = null;
  }

  /** Processes counted now, by tracked name (status). */
  counts(): Record<string, number> {
    return Object.fromEntries(this.table.tracked.map((t, i) => [t.name, this.table.quorums[i]!.count]));
  }

  /** One drain of the connector (or one /proc poll); exposed for tests. */
  tick(): void {
    const now = performance.now();
    if (this.connector) {
      this.connector.drain(this.sink(now));
      if (this.rescan) {
        this.rescan = false;
        this.log("warn", "vrrp_track_process: process events were lost; counting from /proc again");
        this.emit(this.table.scan(scanProc(this.table.needsCmdline), now));
      }
    } else {
      this.emit(this.table.scan(scanProc(this.table.needsCmdline), now));
    }
    this.emit(this.table.due(now));
    this.armDelay(now);
  }

  private sink(now: number): ProcEventSink {
    const t = this.table;
    const cmd = t.needsCmdline;
    return {
      fork: (parent, child) => this.emit(t.fork(parent, child, now)),
      exec: (pid) => this.emit(t.check(pid, readProcess(pid, cmd), "exec", now)),
      comm: (pid, comm) => this.emit(t.check(pid, { comm, ...(cmd ? { argv: readProcess(pid, true)?.argv ?? [] } : {}) }, "rename", now)),
      exit: (pid) => this.emit(t.exit(pid, now)),
      overrun: () => {
        this.rescan = true;
      },
    };
  }

  private emit(changes: Array<[number, boolean]>): void {
    for (const [i, up] of changes) this.onChange(this.table.tracked[i]!.name, up);
  }

  /** A delayed change is due before the next tick: a timer for it. */
  private armDelay(now: number): void {
    const at = this.table.nextDue();
    if (this.delayTimer) clearTimeout(this.delayTimer);
    this.delayTimer = undefined;
    if (at === Infinity) return;
    this.delayTimer = setTimeout(() => {
      this.delayTimer = undefined;
      const t = performance.now();
      this.emit(this.table.due(t));
      this.armDelay(t);
    }, Math.max(0, at - now));
  }
}
