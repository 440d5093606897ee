// Test helper: throwaway network namespaces. Names carry the test's PID so
// parallel runs never collide, and `cleanup()` removes exactly what was made.
import { spawnSync } from "bun";
import { closeSync, openSync } from "node:fs";
import { CLONE_NEWNET } from "../../src/sys/abi.ts";
import { libc } from "../../src/sys/libc.ts";

export function sh(cmd: string[], opts: { allowFail?: boolean; input?: string } = {}): string {
  const r = spawnSync(cmd, { stdin: opts.input ? Buffer.from(opts.input) : undefined, stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0 && !opts.allowFail) {
    throw new Error(`${cmd.join(" ")} -> exit ${r.exitCode}: ${r.stderr.toString().trim()}`);
  }
  return r.stdout.toString();
}

export class Netns {
  static made = new Set<string>();
  readonly name: string;
  constructor(tag: string) {
    this.name = `vt-${tag}-${process.pid}`;
    sh(["ip", "netns", "add", this.name]);
    Netns.made.add(this.name);
    this.exec(["ip", "link", "set", "lo", "up"]);
  }
  exec(cmd: string[], opts: { allowFail?: boolean; input?: string } = {}): string {
    return sh(["ip", "netns", "exec", this.name, ...cmd], opts);
  }
  /** argv prefix that runs a command inside this namespace */
  prefix(): string[] {
    return ["ip", "netns", "exec", this.name];
  }
  /**
   * Runs `fn` with the calling thread switched into this namespace (setns), then
   * switches back. Sockets opened inside stay in the namespace after return, so a
   * test can hold sockets in several namespaces from one process.
   */
  run<T>(fn: () => T): T {
    const home = openSync("/proc/thread-self/ns/net", "r");
    const target = openSync(`/run/netns/${this.name}`, "r");
    try {
      if (libc.symbols.setns(target, CLONE_NEWNET) !== 0) throw new Error(`setns into ${this.name} failed`);
      try {
        return fn();
      } finally {
        if (libc.symbols.setns(home, CLONE_NEWNET) !== 0) throw new Error(`setns back from ${this.name} failed: the test thread is stranded`);
      }
    } finally {
      closeSync(target);
      closeSync(home);
    }
  }
  delete() {
    sh(["ip", "netns", "del", this.name], { allowFail: true });
    Netns.made.delete(this.name);
  }
  static cleanupAll() {
    for (const n of [...Netns.made]) sh(["ip", "netns", "del", n], { allowFail: true });
    Netns.made.clear();
  }
}

export const BUN = `${import.meta.dir}/../../node_modules/.bin/bun`;
export const ROOT = `${import.meta.dir}/../..`;
