// The split-brain fault script (issue 5 "Proof"): three routers in the lab,
// seeded random faults, and after each one the record of who held the VIP and
// when the client was answered again. The same script drives keepalived or
// vigil through the same harness; only `impl` changes.
//
// Per fault:   inject → t0 → hold (random) → t1 undo (restart / SIGCONT / link up /
// heal) t2 → settle until one holder, the highest-priority router, or a bound.
// Judged on the window [t0, tEnd]:
//   dup        longest interval with ≥ 2 holders (and the sum of all of them)
//   dupToUndo  a duplicate was still there when the fault was undone: only
//              the repair ended it (keepalived after SIGKILL/SIGSTOP)
//   dupAfterUndo  how long a duplicate outlived the completed undo (t2; e.g.
//              after a heal, until the lower-priority master stepped down)
//   recovery   t0 → first ARP answer the client got from a healthy holder
//              (not the faulted router before its undo, holding the VIP)
import { Lab, nowMs, sleep } from "../helpers/lab.ts";
import { readFileSync } from "node:fs";
import { keepalivedConf, startRouter, type Impl, type RouterSpec } from "../helpers/keepalived.ts";
import { Sampler } from "../helpers/sampler.ts";
import { startVigil, vigilRequest, type VigilHandle } from "../helpers/vigil.ts";

// stall: the advert thread freezes while the process lives on (vigil: the
// --debug-allow-stall hook, the worker blocks for the hold time; keepalived:
// SIGSTOP of its VRRP child only, the parent keeps running).
export type FaultKind = "kill" | "stop" | "link" | "partition" | "stall";
export const FAULT_KINDS: FaultKind[] = ["kill", "stop", "link", "partition", "stall"];

export interface FaultOptions {
  impl: Impl;
  faults: number;
  seed: number;
  /** seconds; VRRPv3 */
  advertInt: number;
  /** stop injecting once this much wall time has passed (the run stays bounded) */
  maxSeconds: number;
  kinds?: FaultKind[];
  /** hold time range of a fault before it is undone, ms */
  holdMs?: [number, number];
  /** bound on waiting for the lab to settle after an undo, ms */
  settleMs?: number;
  log?: (line: string) => void;
  /** a fixed fault list instead of random picks ("master" = whoever holds the VIP then) */
  plan?: Array<{ kind: FaultKind; target: number | "master"; holdMs: number }>;
  /** vigil only: `vip_lifetime` in seconds (or "permanent"); default: the daemon's own default */
  vipLifetime?: number | "permanent";
  /** called with each fault's result as soon as it is judged (a bench cut short still has its figures) */
  onResult?: (r: FaultResult) => void;
}

export interface FaultResult {
  i: number;
  kind: FaultKind;
  target: number;
  targetWasMaster: boolean;
  holdMs: number;
  dupMaxMs: number;
  dupTotalMs: number;
  dupToUndo: boolean;
  /** longest stretch of a duplicate after the undo (heal, SIGCONT, restart): how fast the lab converges again */
  dupAfterUndoMs: number;
  recoveryMs: number | null;
  settled: boolean;
  /** the timeline behind the figures, ms relative to t0 (the fault in effect): for a failure message */
  timeline: FaultTimeline;
}

export interface FaultTimeline {
  /** undo started (t1) and completed (t2); window closed (tEnd) */
  undoAt: number;
  undoneAt: number;
  endAt: number;
  /** who held the VIP just before t0 */
  holdersAtStart: number[];
  /** every VIP add/delete seen in [t0, tEnd] */
  events: Array<{ at: number; router: number; present: boolean }>;
  /** the intervals with ≥ 2 holders that were counted */
  dups: Array<{ from: number; to: number; holders: number[] }>;
  /** the routers' own log lines in [t0 − 100 ms, tEnd] ("rN +ms text"), at most LOG_LINES */
  logs: string[];
}

const LOG_LINES = 40;
/** vigil's log line: "2026-11-26T09:00:00.123Z vigil[pid] LEVEL message" */
const LOG_TS = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) \S+ (.*)$/;

/** Every router's log lines stamped within [from, to], as "rN +ms text" relative to t0. */
function routerLogLines(lab: Lab, t0: number, from: number, to: number): string[] {
  const out: Array<[number, string]> = [];
  for (const p of lab.procs) {
    if (typeof p.host !== "number") continue;
    for (const line of lab.logOf(p).split("\n")) {
      const m = LOG_TS.exec(line);
      if (!m) continue;
      const t = Date.parse(m[1]);
      if (t >= from && t <= to) out.push([t, `r${p.host} ${rel(t - t0)} ${m[2]}`]);
    }
  }
  out.sort((a, b) => a[0] - b[0]);
  return out.slice(0, LOG_LINES).map(([, l]) => l);
}

const rel = (ms: number) => `${ms >= 0 ? "+" : ""}${ms.toFixed(1)} ms`;

/** A fault record in full, for a failure message: what was done, the figures, and the timeline behind them. */
export function describeFault(r: FaultResult): string {
  const t = r.timeline;
  const L = [
    `fault ${r.i} ${r.kind} r${r.target}${r.targetWasMaster ? " (master)" : " (backup)"} hold ${r.holdMs} ms: dup max ${r.dupMaxMs.toFixed(1)} ms, total ${r.dupTotalMs.toFixed(1)} ms` +
      `${r.dupToUndo ? ", until undo" : ""}, after undo ${r.dupAfterUndoMs.toFixed(1)} ms, recovery ${r.recoveryMs === null ? "none" : `${r.recoveryMs.toFixed(1)} ms`}${r.settled ? "" : ", NOT settled"}`,
  ];
  if (!t) return L[0];
  L.push(`  t0 = fault in effect; undo ${rel(t.undoAt)} .. ${rel(t.undoneAt)}; window closed ${rel(t.endAt)}; holders at t0: [${t.holdersAtStart.join(",")}]`);
  for (const d of t.dups) L.push(`  two holders [${d.holders.join(",")}] ${rel(d.from)} .. ${rel(d.to)} (${(d.to - d.from).toFixed(1)} ms)`);
  for (const e of t.events) L.push(`  vip ${e.present ? "added on" : "deleted on"} r${e.router} ${rel(e.at)}`);
  for (const l of t.logs) L.push(`  log ${l}`);
  return L.join("\n");
}

export const VIP = "198.18.0.100";
const VRID = 51;
const PRIO = [150, 120, 100];

/** xorshift32: tiny, seeded, reproducible */
export function rng(seed: number): () => number {
  let x = seed >>> 0 || 0x9e3779b9;
  return () => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x / 2 ** 32; };
}

export function routerSpec(r: number, advertInt: number): RouterSpec {
  // garp_master_delay 0: no second GARP burst 5 s later that would blur the next fault.
  return { routerId: `r${r}`, instances: [{ vrid: VRID, priority: PRIO[r - 1], advertInt, version: 3, vips: [VIP], garpMasterDelay: 0 }] };
}

/** vigil's config: the shared keepalived.conf plus vigil's own global knobs */
export function vigilConfText(spec: RouterSpec, vipLifetime?: number | "permanent"): string {
  const conf = keepalivedConf(spec);
  return vipLifetime === undefined ? conf : conf.replace(/^global_defs \{\n/, `global_defs {\n  vip_lifetime ${vipLifetime}\n`);
}

/** Starts one router and keeps what a stall needs (vigil's status socket, keepalived's VRRP child pid file). */
async function startOne(lab: Lab, r: number, o: FaultOptions): Promise<{ vigil?: VigilHandle; vrrpPidFile?: string }> {
  const spec = routerSpec(r, o.advertInt);
  if (o.impl === "vigil") return { vigil: await startVigil(lab, r, vigilConfText(spec, o.vipLifetime), { args: ["--debug-allow-stall"] }) };
  const h = await startRouter(lab, r, o.impl, spec);
  return { vrrpPidFile: h.conf.replace(/\.conf$/, ".vrrp.pid") };
}

function keepalivedVrrpChild(pidFile: string | undefined): number {
  const pid = pidFile ? Number(readFileSync(pidFile, "utf8").trim()) : NaN;
  if (!Number.isInteger(pid) || pid <= 1) throw new Error(`stall: no VRRP child pid in ${pidFile}`);
  return pid;
}

export async function runFaults(o: FaultOptions): Promise<FaultResult[]> {
  const log = o.log ?? (() => {});
  const rand = rng(o.seed);
  const kinds = o.kinds ?? FAULT_KINDS;
  // Up to 6 s: longer than a 3 s VIP lifetime plus the kernel's 1 s expiry tick, so a
  // lifetime-bounded duplicate ends before the undo and a permanent one does not.
  const [holdLo, holdHi] = o.holdMs ?? [500, 6000];
  const settleMs = o.settleMs ?? 8000;
  const started = Date.now();
  const lab = await Lab.create({ routers: 3 });
  const results: FaultResult[] = [];
  try {
    const handles = new Map<number, Awaited<ReturnType<typeof startOne>>>();
    for (const r of [3, 2, 1]) handles.set(r, await startOne(lab, r, o));
    const sampler = await Sampler.start(lab, VIP, { maxSeconds: o.maxSeconds + 60 });
    const stable = (h: number[]) => h.length === 1 && h[0] === 1;
    if (!(await sampler.waitFor(stable, settleMs))) throw new Error(`no single master r1 after start: holders ${sampler.current()}`);
    const count = o.plan ? o.plan.length : o.faults;
    for (let i = 0; i < count && Date.now() - started < o.maxSeconds * 1000; i++) {
      const master = sampler.current()[0] ?? 1;
      const p = o.plan?.[i];
      const kind = p ? p.kind : kinds[Math.floor(rand() * kinds.length)];
      // Mostly the master: that is where split brain happens; sometimes a backup.
      const target = p ? (p.target === "master" ? master : p.target) : rand() < 0.7 ? master : 1 + Math.floor(rand() * 3);
      const holdMs = p ? p.holdMs : Math.round(holdLo + rand() * (holdHi - holdLo));
      const tInject = nowMs();
      if (kind === "kill") lab.kill(target, "SIGKILL");
      else if (kind === "stop") lab.kill(target, "SIGSTOP");
      else if (kind === "link") lab.linkDown(target);
      else if (kind === "stall") {
        const h = handles.get(target)!;
        if (h.vigil) {
          const a = await vigilRequest(h.vigil, `stall ${holdMs}`);
          if ((a as { ok?: boolean })?.ok !== true) throw new Error(`stall r${target}: ${JSON.stringify(a)}`);
        } else process.kill(keepalivedVrrpChild(h.vrrpPidFile), "SIGSTOP");
      } else lab.isolate(target);
      // The fault is in effect once the call returns; the harness's own latency
      // (a /proc scan, an `ip` process) is not charged to the router.
      const t0 = nowMs();
      await sleep(holdMs);
      // The undo is a span: a restart or a heal takes the harness a while. A
      // duplicate alive at its start was ended only by the repair; what is
      // left after its end is the implementation's own convergence.
      // vigil's stalled worker undoes the fault itself, holdMs after it got the request:
      // no earlier than tInject + holdMs, and before this sleep ends (the reply and the
      // sleep's own lateness come after). Its wake is the undo: taking the sleep's end
      // instead counted the woken master's handover duplicate, which starts at the
      // wake, as "still there when the fault was undone".
      const selfUndo = kind === "stall" && !!handles.get(target)?.vigil;
      const t1 = selfUndo ? tInject + holdMs : nowMs();
      if (kind === "kill") { await lab.reap(target, 2000); handles.set(target, await startOne(lab, target, o)); }
      else if (kind === "stop") lab.kill(target, "SIGCONT");
      else if (kind === "link") lab.linkUp(target);
      // vigil's worker wakes by itself at the end of the hold
      else if (kind === "stall") { const h = handles.get(target)!; if (!h.vigil) process.kill(keepalivedVrrpChild(h.vrrpPidFile), "SIGCONT"); }
      else lab.heal();
      const t2 = selfUndo ? t1 : nowMs();
      const settled = await sampler.waitFor(stable, settleMs);
      await sleep(200); // let a late second holder show up before closing the window
      const tEnd = nowMs();
      const iv = sampler.multiHolderIntervals(t0, tEnd);
      const healthy = (t: number) => new Set(sampler.holdersAt(t).filter((r) => r !== target || t >= t2).map((r) => lab.mac(r)));
      const reply = sampler.firstReplyFrom(t0, healthy);
      const res: FaultResult = {
        i, kind, target, targetWasMaster: target === master, holdMs,
        dupMaxMs: Math.max(0, ...iv.map((x) => x.end - x.start)),
        dupTotalMs: iv.reduce((s, x) => s + (x.end - x.start), 0),
        dupToUndo: iv.some((x) => x.start < t1 && x.end >= t1),
        dupAfterUndoMs: Math.max(0, ...iv.filter((x) => x.end > t2).map((x) => x.end - Math.max(x.start, t2))),
        recoveryMs: reply && reply.t <= tEnd ? reply.t - t0 : null,
        settled,
        timeline: {
          undoAt: t1 - t0, undoneAt: t2 - t0, endAt: tEnd - t0,
          holdersAtStart: sampler.holdersAt(t0),
          events: sampler.events.filter((e) => e.t >= t0 && e.t <= tEnd).map((e) => ({ at: e.t - t0, router: e.router, present: e.present })),
          dups: iv.map((x) => ({ from: x.start - t0, to: x.end - t0, holders: x.holders })),
          logs: routerLogLines(lab, t0, t0 - 100, tEnd),
        },
      };
      results.push(res);
      o.onResult?.(res);
      log(`fault ${i} ${kind} r${target}${res.targetWasMaster ? "(master)" : ""} hold ${holdMs} ms: dup max ${res.dupMaxMs.toFixed(1)} ms${res.dupToUndo ? ` (until undo, then ${res.dupAfterUndoMs.toFixed(1)} ms more)` : ""}, recovery ${res.recoveryMs === null ? "none" : `${res.recoveryMs.toFixed(1)} ms`}${settled ? "" : ", NOT settled"}`);
      if (!settled) { await sampler.waitFor(stable, settleMs); }
    }
    await sampler.stop();
  } finally {
    await lab.cleanup();
  }
  return results;
}

export function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

const ms = (x: number) => (Number.isNaN(x) ? "-" : x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${x.toFixed(1)} ms`);

/** The table for the report: per fault kind (master-targeted and all), duplicates and recovery. */
export function table(impl: Impl, rs: FaultResult[]): string {
  const head = ["impl", "fault", "n", "on master", "with dup", "dup until undo", "dup max", "dup p99", "after undo max", "recovery p50", "recovery p99", "recovery max", "no recovery", "unsettled"];
  const rows: string[][] = [head];
  for (const k of [...FAULT_KINDS, "all"] as const) {
    const g = rs.filter((r) => k === "all" || r.kind === k);
    if (g.length === 0) continue;
    const dups = g.map((r) => r.dupMaxMs);
    const rec = g.flatMap((r) => (r.recoveryMs === null ? [] : [r.recoveryMs]));
    rows.push([impl, k, String(g.length), String(g.filter((r) => r.targetWasMaster).length), String(g.filter((r) => r.dupMaxMs > 0).length),
      String(g.filter((r) => r.dupToUndo).length), ms(Math.max(...dups)), ms(percentile(dups, 99)), ms(Math.max(...g.map((r) => r.dupAfterUndoMs))), ms(percentile(rec, 50)), ms(percentile(rec, 99)),
      ms(rec.length ? Math.max(...rec) : NaN), String(g.length - rec.length), String(g.filter((r) => !r.settled).length)]);
  }
  const w = head.map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r, n) => `| ${r.map((x, c) => x.padEnd(w[c])).join(" | ")} |${n === 0 ? `\n|${w.map((x) => "-".repeat(x + 2)).join("|")}|` : ""}`).join("\n");
}
