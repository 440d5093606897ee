// A SIGHUP reads the config file once: each of its warnings is logged once per
// reload (src/cli/run.ts; a second read, to see whether a pushed config may boot,
// once logged every warning twice).
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import type { Netns } from "../helpers/netns.ts";
import { soloVrrpConf, spawnSourceDaemon, statusUntil, vethNetns } from "../helpers/source-daemon.ts";

const dir = mkdtempSync(`${tmpdir()}/vigil-reload-once-`);
let ns: Netns | undefined;
let proc: ReturnType<typeof Bun.spawn> | undefined;
afterAll(async () => {
  proc?.kill("SIGKILL");
  await proc?.exited;
  ns?.delete();
  rmSync(dir, { recursive: true, force: true });
});

const MARK = "vigil_reload_once_marker";

test("a SIGHUP reads the file once: a warning of the reloaded file is logged once", async () => {
  ns = vethNetns("reloadonce", "198.18.7.1/24");
  const conf = `${dir}/vigil.conf`;
  writeFileSync(conf, soloVrrpConf("reloadonce"));
  const d = spawnSourceDaemon(ns, conf, dir);
  proc = d.proc;
  const up = await statusUntil<{ instances: { state: string }[] }>(d.sock, (s) => s.instances[0]?.state === "MASTER");
  expect(up?.instances[0]?.state).toBe("MASTER");
  writeFileSync(conf, `${soloVrrpConf("reloadonce")}\n${MARK} 1\n`);
  proc.kill("SIGHUP");
  await Bun.sleep(1500);
  proc.kill("SIGTERM");
  await proc.exited;
  const log = (await new Response(proc.stdout as ReadableStream).text()) + (await new Response(proc.stderr as ReadableStream).text());
  expect(log).toContain("reloaded");
  expect(log.split("\n").filter((l) => l.includes(MARK)).length).toBe(1);
});
