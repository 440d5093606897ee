// Idle memory of a daemon that has settled (its memory level, not just a fixed
// time after start), for board.bench.ts, with proof from the wire that it is doing
// its job while being measured: the VRIDs whose adverts crossed the lab bridge
// while it was watched and, for the checker load, the TCP connections (SYNs) it
// opened to the real servers.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { queryStatus } from "../../src/daemon/status-server.ts";
import type { DaemonStatus } from "../../src/daemon/status-types.ts";
import { type Lab, type LabProc, processTree, sleep } from "../helpers/lab.ts";
import { adverts } from "../helpers/pcap.ts";
import { memoryOf, sampleMemory, type MemorySummary, type Plateau, waitForPlateau } from "./board-memory.ts";

export interface IdleOptions {
  /** seconds between ready and the first read (the "early" figure) */
  settleS: number;
  /** then: VmRSS level within `toleranceKiB` for `windowS`, read every `stepS`, waited for at most `maxS` */
  plateau: { stepS: number; windowS: number; toleranceKiB: number; maxS: number };
  samples: number;
  sampleEveryMs: number;
  /** also count TCP SYNs other than to `excludePort` (the checkers' connections) */
  countSyns?: { excludePort: number };
}

export interface IdleResult {
  /** VmRSS (KiB) `settleS` after ready */
  earlyVmRss: number;
  plateau: Plateau;
  /** the samples taken once level */
  memory: MemorySummary;
  windowS: number;
  vridsOnWire: number;
  advertsPerS: number;
  synsPerS?: number;
}

/** Waits for the process tree under `pid` to level off, then samples it while capturing the bridge. */
export async function measureIdle(lab: Lab, pid: number, o: IdleOptions): Promise<IdleResult> {
  await sleep(o.settleS * 1000);
  const earlyVmRss = memoryOf(processTree(pid)).vmRss;
  // The capture spans the wait for the level and the samples: the checkers fire in
  // rounds, once per delay_loop, and a window of a few seconds counted 5 or 6 of them
  // by chance (83 or 100 checks/s); over ≥ 35 s one round more or less is < 3 %.
  const syn = o.countSyns ? ` or (tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn and not port ${o.countSyns.excludePort})` : "";
  const cap = await lab.capture({ filter: [`ip proto 112${syn}`] });
  const t0 = performance.now();
  let stopped = false;
  try {
    const p = o.plateau;
    const plateau = await waitForPlateau(pid, { stepMs: p.stepS * 1000, windowMs: p.windowS * 1000, toleranceKiB: p.toleranceKiB, maxMs: p.maxS * 1000 });
    const memory = await sampleMemory(pid, o.samples, o.sampleEveryMs);
    const windowS = (performance.now() - t0) / 1000;
    stopped = true;
    const frames = (await cap.stop()).filter((f) => f.srcMac === lab.router(1).mac);
    const ads = adverts(frames);
    const syns = frames.filter((f) => f.d.kind === "other" && f.d.proto === 6).length;
    return {
      earlyVmRss, plateau, memory, windowS,
      vridsOnWire: new Set(ads.map((a) => a.d.vrid)).size,
      advertsPerS: ads.length / windowS,
      ...(o.countSyns ? { synsPerS: syns / windowS } : {}),
    };
  } finally {
    if (!stopped) await cap.stop().catch(() => {});
  }
}

export interface BoardDaemon {
  proc: LabProc;
  socket: string;
  status(): Promise<DaemonStatus | null>;
}

/**
 * `vigil run` of an artifact on router 1 (argv: the artifact's, with the checkout
 * hidden); resolves once its status socket answers, within `readyMs`.
 */
export async function startBoardVigil(lab: Lab, argv: string[], confText: string, tag: string, readyMs: number): Promise<BoardDaemon> {
  const base = join(lab.dir, `${tag}-${lab.procs.length}`);
  writeFileSync(`${base}.conf`, confText);
  const socket = `${base}.sock`;
  const proc = lab.spawn(1, [...argv, "run", "-f", `${base}.conf`, "--status-socket", socket, "--lock-dir", `${base}.lock`], tag);
  const status = async () => {
    try {
      const s = (await queryStatus(socket, "status", 2000)) as DaemonStatus;
      return Array.isArray(s?.instances) ? s : null;
    } catch {
      return null;
    }
  };
  let exited = false;
  void proc.exited.then(() => { exited = true; });
  const deadline = performance.now() + readyMs;
  for (let i = 0; i < 100_000 && !exited && performance.now() < deadline; i++) {
    if (await status()) return { proc, socket, status };
    await sleep(100);
  }
  lab.kill(1, "SIGKILL");
  throw new Error(`${tag}: ${exited ? `exited (${proc.proc.exitCode ?? proc.proc.signalCode})` : `status socket silent after ${readyMs} ms`}: ${lab.logOf(proc).split("\n").slice(-8).join("\n")}`);
}

/** "50 MASTER" / "1 FAULT": instance states from a status document. */
export function stateSummary(s: DaemonStatus | null): string {
  if (!s) return "no status";
  const n = new Map<string, number>();
  for (const i of s.instances) n.set(i.state, (n.get(i.state) ?? 0) + 1);
  return [...n].map(([k, v]) => `${v} ${k}`).join(", ") || "no instances";
}
