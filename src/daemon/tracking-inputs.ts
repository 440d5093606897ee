// The tracking inputs the main thread sends the VRRP worker: track_script
// results, track_file numbers and track_process states. Each goes to the
// trackers that watch it; the latest file and process values are kept so that
// an instance started later (after a wait or a reload) begins with them.
import type { InstanceRuntime } from "./vrrp-runtime.ts";
import type { WaitingInstance } from "./waiting-instance.ts";
import type { WorkerInit } from "./worker-protocol.ts";

/** Sets each of `tracks` named `name` through `set`; true when a tracker input changed. */
function setEach(tracks: ReadonlyArray<{ name: string }>, name: string, set: (index: number) => boolean): boolean {
  let changed = false;
  tracks.forEach((t, i) => {
    if (t.name === name && set(i)) changed = true;
  });
  return changed;
}

export class TrackingInputs {
  /** latest track_file numbers and track_process states by name, for runtimes started later */
  private readonly fileValues = new Map<string, number>();
  private readonly processUp = new Map<string, boolean>();

  constructor(init: Pick<WorkerInit, "trackFiles" | "trackProcesses">) {
    for (const [n, v] of init.trackFiles) this.fileValues.set(n, v);
    for (const [n, up] of init.trackProcesses) this.processUp.set(n, up);
  }

  /** A runtime's tracker gets the track_file/track_process values known so far. */
  seed(rt: InstanceRuntime): void {
    rt.plan.trackFiles.forEach((t, i) => {
      const v = this.fileValues.get(t.name);
      if (v !== undefined) rt.tracker.setFile(i, v);
    });
    rt.plan.trackProcesses.forEach((t, i) => {
      const up = this.processUp.get(t.name);
      if (up !== undefined) rt.tracker.setProcess(i, up);
    });
  }

  /** A track_script result: to the instance's tracker, or kept by the instance while it waits. */
  scriptResult(runtimes: InstanceRuntime[], waiting: WaitingInstance[], instance: string, index: number, ok: boolean, now: number): void {
    const rt = runtimes.find((r) => r.name === instance);
    if (rt && rt.tracker.scriptResult(index, ok)) rt.applyTracking(now);
    if (!rt) waiting.find((w) => w.plan.name === instance)?.scriptResult(index, ok);
  }

  fileChanged(runtimes: InstanceRuntime[], name: string, value: number, now: number): void {
    this.fileValues.set(name, value);
    for (const rt of runtimes) if (setEach(rt.plan.trackFiles, name, (i) => rt.tracker.setFile(i, value))) rt.applyTracking(now);
  }

  processChanged(runtimes: InstanceRuntime[], name: string, up: boolean, now: number): void {
    this.processUp.set(name, up);
    for (const rt of runtimes) if (setEach(rt.plan.trackProcesses, name, (i) => rt.tracker.setProcess(i, up))) rt.applyTracking(now);
  }
}
