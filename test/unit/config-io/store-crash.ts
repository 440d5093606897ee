// The power-loss set-up the store tests share: a store holding serials 9 and 10
// starts committing serial 11 in a child process that SIGKILLs itself right after
// `step` (store-crash-child.ts), leaving the directory exactly as a crash would.
import { expect } from "bun:test";
import { writeFileSync } from "node:fs";
import { ConfigStore, type CommitStep } from "../../../src/config-io/store.ts";
import { BUN } from "../../helpers/netns.ts";

export interface CrashedCommit {
  /** a directory of its own under root for each `run` */
  root: string;
  run: number;
  step: CommitStep;
  blobOf(serial: number): Uint8Array;
  /** serial 11 goes in on probation (commit-confirm) */
  pending?: boolean;
}

/** The store directory the crash left. */
export function crashDuringCommit(c: CrashedCommit): string {
  const dir = `${c.root}/crash-${c.run}`;
  const s = new ConfigStore(dir);
  s.commit(c.blobOf(9), 9, "h9");
  s.commit(c.blobOf(10), 10, "h10");
  const blobPath = `${c.root}/blob11-${c.run}`;
  writeFileSync(blobPath, c.blobOf(11));
  const child = Bun.spawnSync([BUN, `${import.meta.dir}/store-crash-child.ts`, dir, blobPath, "11", "h11", c.step, ...(c.pending ? ["pending"] : [])], { stderr: "pipe" });
  expect(child.signalCode).toBe("SIGKILL");
  return dir;
}
