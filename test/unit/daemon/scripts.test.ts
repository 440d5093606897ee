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
