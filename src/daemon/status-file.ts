// Keeps the status file (status-file-doc.ts) next to the status socket: rewritten
// atomically (a temporary file renamed over it, so a reader sees the old document
// or the new one, never a part) on every change the main thread hears of (state,
// priority, config; the master a backup hears, looked for four times a second) and
// once a second as a heartbeat that also refreshes the counters. The document comes from what the main thread already holds
// (brief-cache.ts) when it can, and from the VRRP worker's answer otherwise.
// Removed when the daemon stops, and while the VRRP worker publishes nothing (stalled
// or starved: brief-cache.ts BOARD_SILENT_MS), so that only the socket, which says
// what is wrong, answers then. A daemon that dies leaves it, and readers tell
// (status-file-doc.ts statusFileVerdict).
import { renameSync, rmSync, writeFileSync } from "node:fs";
import { errorText } from "../error-text.ts";
import { log } from "./log.ts";
import { STATUS_FILE_INTERVAL_MS, statusFileDoc } from "./status-file-doc.ts";
import type { DaemonStatus } from "./status-types.ts";

export interface StatusFileSource {
  /** the brief status from what the main thread holds, or null when it must ask the worker */
  cached(): DaemonStatus | null;
  /** something the file shows changed with no message to say so (the master a backup hears) */
  moved(): boolean;
  /** the VRRP worker has stopped publishing (stalled, starved): nothing may be shown as current */
  workerSilent(): boolean;
  /** the brief status, asking the worker */
  ask(): Promise<DaemonStatus>;
}

/** How often the main thread looks at the brief board for a change no message tells (brief-cache.ts masterMoved). */
const LOOK_MS = 250;

export class StatusFile {
  private timer: ReturnType<typeof setInterval> | null = null;
  private writtenAt = 0;
  private pending = false;
  private asking = false;
  private askAgain = false;
  private failing = false;
  private stopped = false;

  constructor(readonly path: string, private readonly source: StatusFileSource) {}

  start(): void {
    this.changed();
    this.timer = setInterval(() => this.look(), LOOK_MS);
  }

  /** The heartbeat (and the counters) once a second; a new master at once. */
  private look(): void {
    if (this.source.workerSilent()) {
      this.remove();
      return;
    }
    if (Date.now() - this.writtenAt >= STATUS_FILE_INTERVAL_MS - LOOK_MS / 2 || this.source.moved()) this.changed();
  }

  /**
   * Something the table shows changed (or the heartbeat is due): rewritten once the
   * messages at hand are handled (a failover of 200 instances is one write, not 200),
   * and before any status answer leaves (flush).
   */
  changed(): void {
    if (this.stopped || this.pending) return;
    this.pending = true;
    setImmediate(() => this.flush());
  }

  /**
   * Writes a pending change now, from what the main thread holds; from the worker's
   * answer when it holds nothing. The daemon calls it before it answers on the
   * socket, so that an answer never shows a newer state than the file.
   */
  flush(): void {
    if (!this.pending) return;
    this.pending = false;
    if (this.stopped) return;
    if (this.source.workerSilent()) {
      this.remove();
      return;
    }
    const st = this.source.cached();
    if (st) this.write(st);
    else void this.ask();
  }

  private async ask(): Promise<void> {
    if (this.asking) {
      this.askAgain = true;
      return;
    }
    this.asking = true;
    try {
      const st = await this.source.ask();
      if (!this.stopped && !this.source.workerSilent()) this.write(st);
    } catch (e) {
      this.report(e);
    } finally {
      this.asking = false;
      if (this.askAgain) {
        this.askAgain = false;
        this.changed();
      }
    }
  }

  /** Gone until the worker publishes again: `vigil status` then asks the socket, which tells what is wrong. */
  private remove(): void {
    if (this.writtenAt === 0) return;
    try {
      rmSync(this.path, { force: true });
    } catch (e) {
      this.report(e);
    }
    this.writtenAt = 0;
  }

  private write(st: DaemonStatus): void {
    // one name: a daemon killed mid-write leaves one temporary file, which the next overwrites (one daemon per socket)
    const tmp = `${this.path}.tmp`;
    try {
      writeFileSync(tmp, JSON.stringify(statusFileDoc(st, Date.now())), { mode: 0o600 });
      renameSync(tmp, this.path);
      this.writtenAt = Date.now();
      if (this.failing) log.info(`status file ${this.path}: written again`);
      this.failing = false;
    } catch (e) {
      this.report(e);
    }
  }

  /** one line per run of failures, not one a second */
  private report(e: unknown): void {
    if (!this.failing) log.warn(`status file ${this.path}: ${errorText(e)} (vigil status asks the socket instead)`);
    this.failing = true;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    rmSync(this.path, { force: true });
  }
}
