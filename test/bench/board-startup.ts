// Time from exec to the first VRRP advert on the wire, for board.bench.ts. The
// clock is the one both ends share: nowMs() (CLOCK_REALTIME, sub-ms) just before
// the spawn, and the pcap timestamp of the router's first advert on the lab
// bridge. The instance is the address owner (priority 255), which sends its first
// advert at once (RFC 5798 §6.4.1); a backup would first wait Master_Down_Interval.
// The spawn goes through the launcher chain (`ip netns exec`, and for the board
// the mount namespace that hides the checkout); launchChainMs measures that chain
// alone, ending in `date`, so the daemon's own share can be read off.
import { readFileSync } from "node:fs";
import { type Lab, nowMs, sleep } from "../helpers/lab.ts";
import { adverts, readPcap } from "../helpers/pcap.ts";

export interface StartupResult {
  /** ms from spawn to the first advert, one per run that sent one */
  samples: number[];
  /** why a run sent no advert (the log's last lines) */
  failures: string[];
  runs: number;
}

/** The first advert from `src` in a capture still being written (a cut-off last record is skipped). */
function firstAdvertFrom(file: string, src: string): number | undefined {
  try {
    return adverts(readPcap(new Uint8Array(readFileSync(file)))).find((a) => a.d.src === src && a.d.priority > 0)?.t;
  } catch {
    return undefined; // header not written yet
  }
}

/**
 * `runs` starts of a daemon on router 1, each with its own capture; `argv(run)` is
 * the command for that run. A run gets `boundMs` to send its first advert; after
 * `giveUpAfter` runs without one in a row the rest are skipped (the reason is the same).
 */
export async function execToFirstAdvert(lab: Lab, argv: (run: number) => string[], o: { runs: number; boundMs: number; giveUpAfter?: number }): Promise<StartupResult> {
  const res: StartupResult = { samples: [], failures: [], runs: 0 };
  const src = lab.router(1).ipv4;
  for (let run = 0; run < Math.min(o.runs, 100); run++) {
    if (res.failures.length >= (o.giveUpAfter ?? o.runs) && res.samples.length === 0) break;
    res.runs++;
    const cap = await lab.capture({ filter: ["ip", "proto", "112"] });
    const t0 = nowMs();
    const p = lab.spawn(1, argv(run), "startup");
    let first: number | undefined;
    let exited = false;
    void p.exited.then(() => { exited = true; });
    const deadline = performance.now() + o.boundMs;
    for (let i = 0; i < 100_000 && first === undefined && !exited && performance.now() < deadline; i++) {
      await sleep(20);
      first = firstAdvertFrom(cap.file, src);
    }
    first ??= firstAdvertFrom(cap.file, src);
    lab.kill(1, "SIGTERM");
    await lab.reap(1, 5000);
    await cap.stop();
    if (first !== undefined) res.samples.push(first - t0);
    else res.failures.push(`${exited ? `exited (${p.proc.exitCode ?? p.proc.signalCode})` : `no advert within ${o.boundMs} ms`}: ${lab.logOf(p).trim().split("\n").slice(-3).join(" | ")}`);
  }
  return res;
}

/**
 * ms from spawn until `date`, exec'd at the end of the same launcher chain (`wrap`),
 * read the clock; `runs` samples. An upper bound of what the chain adds to a start.
 */
export async function launchChainMs(lab: Lab, wrap: (argv: string[]) => string[], runs: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < Math.min(runs, 100); i++) {
    const t0 = nowMs();
    const p = lab.spawn(1, wrap(["date", "+%s.%N"]), "chain");
    const code = await Promise.race([p.exited, sleep(10_000).then(() => null)]);
    if (code !== 0) throw new Error(`launcher chain → date: ${code === null ? "no exit within 10 s" : `exit ${code}`}: ${lab.logOf(p)}`);
    const printed = Number(lab.logOf(p).trim()) * 1000;
    if (!Number.isFinite(printed)) throw new Error(`launcher chain: date printed '${lab.logOf(p).trim()}'`);
    out.push(printed - t0);
  }
  return out;
}
