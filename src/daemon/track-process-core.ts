// vrrp_track_process as a pure core (keepalived 2.2.7 core/track_process.c):
// which processes match, how many run, and when the quorum counts as gained or
// lost. Inputs are process facts (name, command line, fork/exec/exit) and the
// clock; outputs are up/down changes. The kernel side (proc connector or /proc
// polling) is track-processes.ts.
import type { TrackProcess } from "../config/model.ts";

/** What is known of one process when it is checked. */
export interface ProcessFacts {
  /** /proc/PID/comm (the kernel's 15-byte name) */
  comm: string;
  /** /proc/PID/cmdline split on NUL (argv), read only when a tracked process needs it */
  argv?: string[];
}

/**
 * keepalived check_params(): the parameters after argv[0] against the configured
 * ones. exact: the same list; partial: the configured ones are the first ones;
 * initial: like partial, but the last configured one may be a prefix of its argument.
 */
export function paramsMatch(tp: Pick<TrackProcess, "parameters" | "paramMatch">, args: string[]): boolean {
  const want = tp.parameters;
  switch (tp.paramMatch) {
    case "none":
      return true;
    case "exact":
      return args.length === want.length && want.every((w, i) => args[i] === w);
    case "partial":
      return args.length >= want.length && want.every((w, i) => args[i] === w);
    case "initial":
      if (args.length < want.length) return false;
      return want.every((w, i) => (i === want.length - 1 ? (args[i] ?? "").startsWith(w) : args[i] === w));
  }
}

/** Does this process count for `tp`? Name exact (not a regex: `ssh` is not `sshd`), zombies never count (the caller skips them). */
export function processMatches(tp: Pick<TrackProcess, "process" | "parameters" | "paramMatch" | "fullCommand">, p: ProcessFacts): boolean {
  if (!tp.fullCommand) return p.comm === tp.process;
  const argv = p.argv;
  if (!argv || argv.length === 0 || argv[0] !== tp.process) return false;
  return paramsMatch(tp, argv.slice(1));
}

/** How a count changed: a fork delays a gained quorum, an exit delays a lost one (keepalived fork_delay / terminate_delay). */
export type CountCause = "fork" | "exec" | "exit" | "rename" | "scan";

/**
 * The quorum of one vrrp_track_process. `up` is what the instances see; a change
 * of the count that flips it waits for the delay that applies, and is dropped if
 * the count flips back first (keepalived cancels its timer).
 */
export class ProcessQuorum {
  count = 0;
  /** null until the first scan */
  up: boolean | null = null;
  /** when a pending change takes effect (ms); Infinity = none */
  pendingAt = Infinity;

  constructor(readonly tp: Pick<TrackProcess, "name" | "quorum" | "quorumMax" | "forkDelayMs" | "terminateDelayMs">) {}

  private wanted(): boolean {
    return this.count >= this.tp.quorum && this.count <= this.tp.quorumMax;
  }

  /** The count after a change at `now`; returns the new `up` if it changed now, else null. */
  setCount(count: number, cause: CountCause, now: number): boolean | null {
    this.count = count;
    const want = this.wanted();
    if (this.up === null) {
      // the initial scan decides at once
      this.up = want;
      return want;
    }
    if (want === this.up) {
      this.pendingAt = Infinity;
      return null;
    }
    // a poll (scan) that finds fewer processes saw exits it could not watch: same delay as an exit
    const delay = want ? (cause === "fork" ? this.tp.forkDelayMs : 0) : cause === "exit" || cause === "scan" ? this.tp.terminateDelayMs : 0;
    if (delay > 0) {
      if (this.pendingAt === Infinity) this.pendingAt = now + delay;
      return null;
    }
    this.pendingAt = Infinity;
    this.up = want;
    return want;
  }

  /** A pending change whose delay ran out: returns the new `up`, or null. */
  due(now: number): boolean | null {
    if (now < this.pendingAt) return null;
    this.pendingAt = Infinity;
    const want = this.wanted();
    if (want === this.up) return null;
    this.up = want;
    return want;
  }
}

/**
 * Which pids count for which tracked processes. A forked child of a counted
 * process counts too until it execs something else (keepalived check_process_fork).
 */
export class ProcessTable {
  /** pid -> indexes of the tracked processes it counts for */
  private readonly pids = new Map<number, number[]>();
  readonly quorums: ProcessQuorum[];

  constructor(readonly tracked: readonly TrackProcess[]) {
    this.quorums = tracked.map((t) => new ProcessQuorum(t));
  }

  get needsCmdline(): boolean {
    return this.tracked.some((t) => t.fullCommand);
  }

  /** Counts from a full scan (start, /proc polling, after lost events); returns the changes [index, up]. */
  scan(procs: Iterable<[number, ProcessFacts]>, now: number): Array<[number, boolean]> {
    this.pids.clear();
    const counts = this.tracked.map(() => 0);
    for (const [pid, facts] of procs) {
      const hits = this.matching(facts);
      if (hits.length === 0) continue;
      this.pids.set(pid, hits);
      for (const i of hits) counts[i]++;
    }
    return this.apply(counts, "scan", now);
  }

  fork(parent: number, child: number, now: number): Array<[number, boolean]> {
    const hits = this.pids.get(parent);
    if (!hits) return [];
    this.pids.set(child, hits.slice());
    return this.recount(hits, "fork", now);
  }

  /** The process now is `facts` (after exec or a rename); `null` facts: it could not be read (gone). */
  check(pid: number, facts: ProcessFacts | null, cause: CountCause, now: number): Array<[number, boolean]> {
    const before = this.pids.get(pid) ?? [];
    const after = facts ? this.matching(facts) : [];
    if (after.length) this.pids.set(pid, after);
    else this.pids.delete(pid);
    const touched = [...new Set([...before, ...after])];
    return touched.length ? this.recount(touched, cause, now) : [];
  }

  exit(pid: number, now: number): Array<[number, boolean]> {
    const hits = this.pids.get(pid);
    if (!hits) return [];
    this.pids.delete(pid);
    return this.recount(hits, "exit", now);
  }

  /** Pending delayed changes that are due. */
  due(now: number): Array<[number, boolean]> {
    const out: Array<[number, boolean]> = [];
    this.quorums.forEach((q, i) => {
      const c = q.due(now);
      if (c !== null) out.push([i, c]);
    });
    return out;
  }

  nextDue(): number {
    let t = Infinity;
    for (const q of this.quorums) if (q.pendingAt < t) t = q.pendingAt;
    return t;
  }

  private matching(facts: ProcessFacts): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.tracked.length; i++) if (processMatches(this.tracked[i]!, facts)) out.push(i);
    return out;
  }

  private recount(indexes: number[], cause: CountCause, now: number): Array<[number, boolean]> {
    const counts = this.quorums.map((q) => q.count);
    for (const i of indexes) {
      let n = 0;
      for (const hits of this.pids.values()) if (hits.includes(i)) n++;
      counts[i] = n;
    }
    return this.apply(counts, cause, now, indexes);
  }

  private apply(counts: number[], cause: CountCause, now: number, only?: number[]): Array<[number, boolean]> {
    const out: Array<[number, boolean]> = [];
    counts.forEach((n, i) => {
      if (only && !only.includes(i)) return;
      const c = this.quorums[i]!.setCount(n, cause, now);
      if (c !== null) out.push([i, c]);
    });
    return out;
  }
}
