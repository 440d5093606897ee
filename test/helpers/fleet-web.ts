// Test helper: `vigil fleet web` from the shipped binary, checkout hidden, and
// where a browser test keeps what it saw (screenshots) for people to look at.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { binaryArgv, hiddenCheckout, ROOT } from "./board.ts";
import { processTree } from "./lab.ts";

/** build/artifacts/<name>/ (or $VIGIL_ARTIFACTS/<name>/): screenshots and figures of a browser test. */
export function artifactDir(name: string): string {
  const dir = join(process.env.VIGIL_ARTIFACTS ?? join(ROOT, "build", "artifacts"), name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

export interface WebProc {
  proc: ReturnType<typeof Bun.spawn>;
  url: string;
  stop(): Promise<void>;
}

/** Starts `vigil fleet web ARGS` (inside `ns` if given) and resolves with the URL it prints. */
export async function startFleetWeb(args: string[], ns?: string): Promise<WebProc> {
  const argv = [...(ns ? ["ip", "netns", "exec", ns] : []), ...hiddenCheckout([...binaryArgv("x64"), "fleet", "web", ...args])];
  const proc = Bun.spawn(argv, { stdout: "pipe", stderr: "pipe", stdin: "ignore" });
  const stop = async () => {
    for (const pid of processTree(proc.pid).reverse()) {
      try { process.kill(pid, "SIGKILL"); } catch { /* gone */ }
    }
    await proc.exited;
  };
  const reader = (proc.stdout as ReadableStream<Uint8Array>).getReader();
  const first = await Promise.race([reader.read().then((r) => new TextDecoder().decode(r.value ?? new Uint8Array())), Bun.sleep(15_000).then(() => "")]);
  reader.releaseLock();
  const url = / on (https?:\/\/\S+)/.exec(first)?.[1];
  if (!url) {
    await stop();
    throw new Error(`vigil fleet web did not print its URL: ${first}${await new Response(proc.stderr as ReadableStream).text()}`);
  }
  return { proc, url, stop };
}
