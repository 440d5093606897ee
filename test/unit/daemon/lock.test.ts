import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { InstanceLocks, LockError } from "../../../src/daemon/lock.ts";

const dir = mkdtempSync(`${tmpdir()}/vigil-lock-`);
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const ROOT = `${import.meta.dir}/../../..`;

test("a second daemon on the same instance is refused with the holder's PID", async () => {
  // The holder is another process: flock is per open file description, so a
  // child holding it for real is the honest test.
  const holder = Bun.spawn(
    [process.execPath, "-e", `
      const { InstanceLocks } = await import("${ROOT}/src/daemon/lock.ts");
      new InstanceLocks("${dir}").acquire([{ interface: "eth0", vrid: 51, family: 4 }]);
      console.log("locked"); await Bun.sleep(30000);`],
    { stdout: "pipe" },
  );
  try {
    const reader = holder.stdout.getReader();
    const { value } = await reader.read();
    expect(new TextDecoder().decode(value)).toContain("locked");
    const locks = new InstanceLocks(dir);
    let err: unknown;
    try {
      locks.acquire([{ interface: "eth1", vrid: 7, family: 4 }, { interface: "eth0", vrid: 51, family: 4 }]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(LockError);
    expect((err as Error).message).toContain(`pid ${holder.pid}`);
    expect((err as Error).message).toContain("eth0/vrid 51");
    // all-or-nothing: the eth1 lock taken before the failure was released
    const again = new InstanceLocks(dir);
    again.acquire([{ interface: "eth1", vrid: 7, family: 4 }]);
    again.releaseAll();
  } finally {
    holder.kill("SIGKILL");
    await holder.exited;
  }
  // the lock dies with its holder: a SIGKILLed daemon leaves nothing stale
  const after = new InstanceLocks(dir);
  after.acquire([{ interface: "eth0", vrid: 51, family: 4 }]);
  after.releaseAll();
});

test("different VRIDs, interfaces and families do not conflict", () => {
  const a = new InstanceLocks(dir);
  const b = new InstanceLocks(dir);
  a.acquire([{ interface: "eth0", vrid: 1, family: 4 }]);
  b.acquire([{ interface: "eth0", vrid: 2, family: 4 }, { interface: "eth0", vrid: 1, family: 6 }, { interface: "eth9", vrid: 1, family: 4 }]);
  a.releaseAll();
  b.releaseAll();
});

test("sync() keeps held locks, takes new ones and releases dropped ones (reload)", () => {
  const a = new InstanceLocks(dir);
  a.acquire([{ interface: "eth0", vrid: 10, family: 4 }, { interface: "eth0", vrid: 11, family: 4 }]);
  a.sync([{ interface: "eth0", vrid: 11, family: 4 }, { interface: "eth0", vrid: 12, family: 4 }]);
  const b = new InstanceLocks(dir);
  b.acquire([{ interface: "eth0", vrid: 10, family: 4 }]); // released by the reload
  expect(() => b.acquire([{ interface: "eth0", vrid: 11, family: 4 }])).toThrow(LockError);
  expect(() => b.acquire([{ interface: "eth0", vrid: 12, family: 4 }])).toThrow(LockError);
  a.releaseAll();
  b.releaseAll();
});
