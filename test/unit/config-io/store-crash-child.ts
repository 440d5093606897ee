// Child process for the power-loss test: commits a blob and SIGKILLs itself
// right after the named step, leaving the directory exactly as a crash would.
import { readFileSync } from "node:fs";
import { ConfigStore, type CommitStep } from "../../../src/config-io/store.ts";

const [dir, blobPath, serial, hash, killAt, pending] = process.argv.slice(2);
const store = new ConfigStore(dir, (step: CommitStep) => {
  if (step === killAt) process.kill(process.pid, "SIGKILL");
});
store.commit(new Uint8Array(readFileSync(blobPath)), Number(serial), hash, { pending: pending === "pending" });
process.exit(0);
