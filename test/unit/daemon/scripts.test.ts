import { expect, test } from "bun:test";
import { runScript, splitCommand } from "../../../src/daemon/scripts.ts";

test("keepalived word splitting: spaces separate, quotes group", () => {
  expect(splitCommand(`/etc/notify.sh  master "VI 1" '' x`)).toEqual(["/etc/notify.sh", "master", "VI 1", "", "x"]);
});

test("a script's exit code is reported", async () => {
  const r = await runScript(`/bin/sh -c "exit 3"`, [], { timeoutMs: 5000 });
  expect(r).toEqual({ exitCode: 3, signal: null, timedOut: false });
});

test("extra arguments follow the configured words (notify INSTANCE name state prio)", async () => {
  const out = `/tmp/vigil-script-${process.pid}`;
  const r = await runScript(`/bin/sh -c 'echo "$@" > ${out}' sh`, ["INSTANCE", "VI_1", "MASTER", "100"], { timeoutMs: 5000 });
  expect(r.exitCode).toBe(0);
  expect(await Bun.file(out).text()).toBe("INSTANCE VI_1 MASTER 100\n");
  await Bun.file(out).delete();
});

test("a script outliving its timeout is killed", async () => {
  const r = await runScript("/bin/sleep 30", [], { timeoutMs: 100 });
  expect(r.timedOut).toBe(true);
  expect(r.exitCode).toBeNull();
});

test("a missing script reports failure instead of throwing", async () => {
  const r = await runScript("/nonexistent/script", [], { timeoutMs: 1000 });
  expect(r.exitCode).not.toBe(0);
});

test("a timed-out script that cannot be killed (another user, no CAP_KILL) is logged, not thrown", async () => {
  // The daemon under a unit whose bounding set lacks CAP_KILL: root, but kill() of a
  // script running as nobody fails with EPERM inside the timeout's timer.
  const child = `/tmp/vigil-script-eperm-${process.pid}.ts`;
  await Bun.write(child, [
    `import { runScript } from ${JSON.stringify(`${import.meta.dir}/../../../src/daemon/scripts.ts`)};`,
    `const r = await runScript("/bin/sleep 1", [], { timeoutMs: 100, uid: 65534, gid: 65534 });`,
    `console.log(JSON.stringify(r));`,
  ].join("\n"));
  try {
    const p = Bun.spawnSync(["setpriv", "--bounding-set", "-kill", "--inh-caps", "-kill", process.execPath, child], { stdout: "pipe", stderr: "pipe", timeout: 20_000 });
    expect({ code: p.exitCode, err: p.stderr.toString() }).toMatchObject({ code: 0, err: expect.stringContaining("cannot kill it: ") });
    expect(JSON.parse(p.stdout.toString())).toMatchObject({ timedOut: true });
  } finally {
    await Bun.file(child).delete();
  }
});
