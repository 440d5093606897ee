// The main thread's tracking inputs for the VRRP worker: a watch on each
// track_file some vrrp_instance tracks (keepalived reads a file only if something
// tracks it), the vrrp_track_process quorums, and each vrrp_script run at its
// interval. Every value goes to the worker as a message (worker-protocol.ts);
// the worker's tracking-inputs.ts hands it to the trackers.
import type { Config } from "../config/model.ts";
import { initTrackFile, TrackFileWatch } from "../sys/track-file-watch.ts";
import { log } from "./log.ts";
import type { PlanResult } from "./plan.ts";
import { type ScriptIds, scriptIds } from "./script-user.ts";
import { runScript } from "./scripts.ts";
import { ProcessTracking } from "./track-processes.ts";
import type { ToWorker } from "./worker-protocol.ts";

export class TrackFeeds {
  /** track_file numbers for the VRRP worker (files some vrrp_instance tracks) */
  private readonly trackFiles: TrackFileWatch;
  private processes: ProcessTracking | null = null;
  private scriptTimers: ReturnType<typeof setInterval>[] = [];

  /**
   * @param current the config in effect and the notify scripts' uid/gid, read when a script runs
   * @param stopping true once the daemon stops: no script starts then
   */
  constructor(
    private readonly post: (m: ToWorker) => void,
    private readonly current: () => { cfg: Config; scriptUser: ScriptIds },
    private readonly stopping: () => boolean,
  ) {
    this.trackFiles = new TrackFileWatch(
      (name, value) => this.post({ type: "track-file", name, value }),
      (m) => log.warn(m),
    );
  }

  /**
   * Starts watching the track files and processes the instances of `plan` use
   * (keepalived reads a file only if something tracks it); returns their values now.
   */
  startTracking(cfg: Config, plan: PlanResult, reload: boolean): { files: Array<[string, number]>; procs: Array<[string, boolean]> } {
    const fileNames = new Set(plan.templates.flatMap((p) => p.trackFiles.map((t) => t.name)));
    const files = cfg.trackFiles.filter((f) => fileNames.has(f.name));
    for (const f of files) {
      const w = initTrackFile(f, reload);
      if (w) log.warn(w);
    }
    const values = this.trackFiles.set(files);
    this.processes?.stop();
    this.processes = null;
    const procNames = new Set(plan.templates.flatMap((p) => p.trackProcesses.map((t) => t.name)));
    const procs = cfg.trackProcesses.filter((p) => procNames.has(p.name));
    let states = new Map<string, boolean>();
    if (procs.length) {
      this.processes = new ProcessTracking(procs, (name, up) => {
        log.info(`vrrp_track_process ${name}: ${up ? "quorum up" : "quorum lost"}`);
        this.post({ type: "track-process", name, up });
      }, (level, m) => log[level](m));
      states = this.processes.start();
      log.info(`vrrp_track_process: ${procs.length} tracked through ${this.processes.source === "connector" ? "the process events connector" : "/proc polling"}`);
    }
    return { files: [...values], procs: [...states] };
  }

  /** vrrp_script: each runs every interval, its result goes to the worker's tracker. */
  startTrackScripts(plan: PlanResult): void {
    this.stopScripts();
    for (const inst of plan.templates) {
      inst.trackScripts.forEach((s, index) => {
        let busy = false;
        const once = async () => {
          if (busy || this.stopping()) return; // keepalived skips a run while the last one is still going
          busy = true;
          try {
            const { cfg, scriptUser } = this.current();
            const ids = s.user ? await scriptIds(cfg.global, s.user, s.group) : scriptUser;
            const r = await runScript(s.script, [], { timeoutMs: s.timeoutMs, ...ids });
            this.post({ type: "script", instance: inst.name, index, ok: r.exitCode === 0 });
          } finally {
            busy = false;
          }
        };
        void once();
        this.scriptTimers.push(setInterval(once, s.intervalMs));
      });
    }
  }

  /** No more script runs (one running goes on: the daemon kills those it started). */
  stopScripts(): void {
    for (const t of this.scriptTimers) clearInterval(t);
    this.scriptTimers = [];
  }

  /** No more track_file and track_process values. */
  stopWatches(): void {
    this.trackFiles.stop();
    this.processes?.stop();
  }
}
