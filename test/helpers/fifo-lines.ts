// Reading what a daemon wrote to its notify FIFO (a `cat` in the lab copies the FIFO
// to a file), and stopping a daemon so it closes the FIFO: shared by the FIFO lab tests.
import { existsSync, readFileSync } from "node:fs";
import { type LabProc, sleep } from "./lab.ts";
import { waitUntil } from "./vigil.ts";

/** The non-empty lines copied so far (none before the file exists). */
export const readLines = (path: string): string[] => (existsSync(path) ? readFileSync(path, "utf8").split("\n").filter(Boolean) : []);

/** SIGTERM, then waits (bounded) for the process to exit. */
export async function stopPid(p: LabProc, timeoutMs = 5000): Promise<void> {
  try {
    process.kill(p.pid, "SIGTERM");
  } catch { /* gone */ }
  await Promise.race([p.exited, sleep(timeoutMs)]);
}

/** Waits (bounded) until the lines read from the FIFO satisfy `want`; throws with them otherwise. */
export async function linesReach(out: string, want: (l: string[]) => boolean, what: string, timeoutMs = 8000): Promise<void> {
  if (!(await waitUntil(() => want(readLines(out)), timeoutMs, 20))) throw new Error(`${what}: FIFO lines so far:\n${readLines(out).join("\n")}`);
}
