// keepalived in full mode (VRRP child + health-check child, no --vrrp) on router 1
// with a config that has virtual servers, for board.bench.ts. On a kernel without
// IP_VS keepalived 2.2.7's checker child fails to initialise IPVS and the whole
// daemon stops, VRRP with it; on one with IP_VS it runs and can be measured. This
// says which happened, from the process and its own log, rather than assuming.
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { keepalivedArgv } from "../helpers/keepalived.ts";
import { type Lab, type LabProc, sleep } from "../helpers/lab.ts";

export type FullModeStart = { running: true; proc: LabProc } | { running: false; why: string };

/** Starts it and watches it for `windowMs`: running and ready at the end, or why not. */
export async function startKeepalivedFull(lab: Lab, confText: string, windowMs: number): Promise<FullModeStart> {
  const base = join(lab.dir, `r1-keepalived-full-${lab.procs.length}`);
  writeFileSync(`${base}.conf`, confText);
  const proc = lab.spawn(1, keepalivedArgv(`${base}.conf`, base).filter((a) => a !== "--vrrp"), "keepalived-full");
  let exited = false;
  void proc.exited.then(() => { exited = true; });
  const ready = () => existsSync(`${base}.vrrp.pid`) && existsSync(`${base}.chk.pid`) && /Entering (BACKUP|MASTER|FAULT) STATE/.test(lab.logOf(proc));
  const deadline = performance.now() + windowMs;
  // the whole window, not just until ready: without IP_VS the checker child fails a
  // moment after the VRRP child has started
  for (let i = 0; i < 10_000 && !exited && performance.now() < deadline; i++) await sleep(100);
  if (!exited && ready()) return { running: true, proc };
  lab.kill(1, "SIGKILL");
  await lab.reap(1, 3000);
  const log = lab.logOf(proc).split("\n");
  const cause = log.filter((l) => /IPVS|ip_vs|FATAL|Terminating/.test(l)).map((l) => l.replace(/^.*?\d{4}: /, "").trim()).slice(0, 3).join(" | ");
  return { running: false, why: `${exited ? `exited (code ${proc.proc.exitCode ?? proc.proc.signalCode})` : `not ready within ${windowMs} ms`}: ${cause || log.slice(-3).join(" | ")}` };
}
