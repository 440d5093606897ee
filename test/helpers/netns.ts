// Test helper: throwaway network namespaces. Names carry the test's PID so
// parallel runs never collide, and `cleanup()` removes exactly what was made.
import { spawnSync } from "bun";

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
