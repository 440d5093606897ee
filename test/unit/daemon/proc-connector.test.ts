// The process events connector against the real kernel (root, initial network
// namespace: where it exists): a tracked process that starts and exits is seen
// through exec/exit events, without reading /proc again. The lab test
// vrrp-track-process.test.ts covers the /proc fallback inside a namespace.
import { afterAll, describe, expect, test } from "bun:test";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultTrackProcess } from "../../../src/config/model.ts";
import { ProcessTracking } from "../../../src/daemon/track-processes.ts";

const dir = mkdtempSync(join(tmpdir(), "vigil-cn-"));
const children: Array<ReturnType<typeof Bun.spawn>> = [];
afterAll(() => {
  for (const c of children) c.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

async function until(pred: () => boolean, t: ProcessTracking, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end;) {
    t.tick();
    if (pred()) return true;
    await Bun.sleep(20);
  }
  return false;
}

const root = process.getuid?.() === 0;

describe.if(root)("proc connector (NETLINK_CONNECTOR, CN_IDX_PROC)", () => {
  test("exec of a tracked name brings the quorum up, its exit takes it down", async () => {
    const name = `vcn${process.pid % 100000}`;
    const bin = join(dir, name);
    copyFileSync("/bin/sleep", bin);
    Bun.spawnSync(["chmod", "755", bin]);
    const changes: string[] = [];
    const t = new ProcessTracking([{ ...defaultTrackProcess("p", name), quorum: 1 }], (n, up) => changes.push(`${n} ${up}`), () => {});
    try {
      expect(t.start().get("p")).toBe(false);
      expect(t.source).toBe("connector");
      const c = Bun.spawn([bin, "30"], { stdout: "ignore" });
      children.push(c);
      expect(await until(() => changes.length === 1, t, 3000)).toBe(true);
      expect(t.counts().p).toBe(1);
      c.kill("SIGKILL");
      await c.exited;
      expect(await until(() => changes.length === 2, t, 3000)).toBe(true);
      expect(changes).toEqual(["p true", "p false"]);
    } finally {
      t.stop();
    }
  });
});
