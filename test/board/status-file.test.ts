// Board tier: `vigil status` from the shipped x64 binary (checkout hidden) reads the
// daemon's status file when it is the live daemon's and fresh, and never shows a dead
// or stopped daemon's file as current. Two vigil routers in a netns lab, one VRRPv3
// instance (r1 priority 150, r2 120, advert_int 1): the table shows the election; with
// r2's socket moved away it still does (so it came from the file); SIGKILL r1 and the
// table on r2 shows MASTER as soon as the daemon itself says so, while r1's left-over
// file (MASTER) is not shown; a SIGSTOPped r2 (rewrites nothing, answers nothing) gets
// its file printed with its age, as a failure; a SIGHUP with a new priority is in the
// table once the reload took effect.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { boardCli, startBoardVigil } from "../helpers/board-lab.ts";
import { Lab, sleep } from "../helpers/lab.ts";
import { STATUS_FILE_FRESH_MS, statusFilePath } from "../../src/daemon/status-file-doc.ts";
import { type VigilHandle, vigilConf, waitStates } from "../helpers/vigil.ts";

const ARCH = "x64";
const NAME = "VI_FILE";
/** election/takeover bound on a loaded host (Master_Down_Interval ≈ 3.5 s at advert_int 1) */
const SETTLE_MS = 20_000;

let lab: Lab;
const h: VigilHandle[] = [];

const conf = (r: number, prio: number) => vigilConf({ routerId: `r${r}`, instances: [{ name: NAME, vrid: 61, priority: prio, advertInt: 1, vips: ["198.18.0.161"] }] });

/** `vigil status` on the daemon's router: exit code, stderr, and the instance's row (column -> cell) if the table has it */
async function table(d: VigilHandle, args: string[] = []) {
  const r = await boardCli(lab, d.router, ARCH, ["status", "--socket", d.socket, ...args]);
  const lines = r.out.split("\n").filter((l) => l.trim());
  const head = lines.find((l) => l.startsWith("INSTANCE "))?.trim().split(/\s+/) ?? [];
  const row = lines.find((l) => l.startsWith(`${NAME} `))?.trim().split(/\s+/);
  return { code: r.code, err: r.err, header: lines[0] ?? "", row: row ? Object.fromEntries(head.map((k, i) => [k, row[i]])) : undefined };
}

beforeAll(async () => {
  lab = await Lab.create({ routers: 2 });
  h.push(...(await Promise.all([startBoardVigil(lab, 1, ARCH, conf(1, 150)), startBoardVigil(lab, 2, ARCH, conf(2, 120))])));
}, 90_000);

afterAll(async () => {
  if (lab) lab.kill(2, "SIGCONT");
  await lab?.cleanup();
}, 30_000);

test("the daemon keeps its status file next to its socket; the table shows the election (r1 MASTER, r2 BACKUP with r1 as master)", async () => {
  expect(await waitStates([[h[0]!, NAME, "MASTER"], [h[1]!, NAME, "BACKUP"]], SETTLE_MS)).toEqual(["MASTER", "BACKUP"]);
  for (const d of h) expect(existsSync(statusFilePath(d.socket))).toBe(true);
  const t1 = await table(h[0]!);
  expect([t1.code, t1.err, t1.row?.STATE, t1.row?.PRIO]).toEqual([0, "", "MASTER", "150"]);
  // the master a backup hears reaches the file within half a second (the main thread looks at the brief board four times a second)
  let t2 = await table(h[1]!);
  for (let i = 0; i < 30 && t2.row?.MASTER !== lab.router(1).ipv4; i++) {
    await sleep(100);
    t2 = await table(h[1]!);
  }
  expect([t2.code, t2.err, t2.row?.STATE, t2.row?.PRIO, t2.row?.MASTER]).toEqual([0, "", "BACKUP", "120", lab.router(1).ipv4]);
  // the counters move between the worker's answers (the brief board): r2 hears r1's adverts
  await sleep(2200);
  expect(Number((await table(h[1]!)).row?.RECV)).toBeGreaterThan(Number(t2.row?.RECV));
}, 60_000);

test("the table comes from the file: with r2's socket moved away it is still drawn (and --live, which asks the socket, fails)", async () => {
  const d = h[1]!;
  const away = `${d.socket}.away`;
  renameSync(d.socket, away);
  try {
    const t = await table(d);
    expect([t.code, t.err, t.row?.STATE]).toEqual([0, "", "BACKUP"]);
    expect((await table(d, ["--live"])).code).toBe(1);
  } finally {
    renameSync(away, d.socket);
  }
  expect((await table(d, ["--live"])).row?.STATE).toBe("BACKUP");
}, 60_000);

test("after SIGKILL of the master: r2's table shows MASTER as soon as r2 says so on its socket; r1's left-over file (MASTER) is never shown", async () => {
  const file1 = statusFilePath(h[0]!.socket);
  lab.kill(1, "SIGKILL");
  // at once: the daemon is gone or a zombie, its file still says MASTER
  const now = await table(h[0]!);
  expect(JSON.parse(readFileSync(file1, "utf8")).instances[0].state).toBe("MASTER");
  expect(now.code).toBe(1);
  expect(now.row).toBeUndefined();
  expect(now.err).toContain("cannot reach vigil");
  await lab.reap(1, 5000);
  const reaped = await table(h[0]!);
  expect([reaped.code, reaped.row]).toEqual([1, undefined]);

  expect(await waitStates([[h[1]!, NAME, "MASTER"]], SETTLE_MS)).toEqual(["MASTER"]);
  // the file is rewritten on the transition message, before the socket can answer with the new state
  const t2 = await table(h[1]!);
  expect([t2.code, t2.err, t2.row?.STATE, t2.row?.MASTER]).toEqual([0, "", "MASTER", lab.router(2).ipv4]);
}, 60_000);

test("a daemon that rewrites nothing and answers nothing (SIGSTOP): its file is shown with its age, as a failure, not as current", async () => {
  const d = h[1]!;
  lab.kill(2, "SIGSTOP");
  try {
    await sleep(STATUS_FILE_FRESH_MS + 500);
    const t = await table(d);
    expect(t.code).toBe(1);
    expect(t.err).toContain("is running but did not answer");
    expect(t.header).toMatch(/, as of \d+\.\d s ago$/);
    expect(t.row?.STATE).toBe("MASTER");
  } finally {
    lab.kill(2, "SIGCONT");
  }
  // going again: current once more, without an age
  await sleep(1500);
  const t = await table(d);
  expect([t.code, t.err, t.row?.STATE]).toEqual([0, "", "MASTER"]);
  expect(t.header).not.toContain("as of");
}, 60_000);

test("a reload (SIGHUP) with a new priority: the table shows it once the daemon took the config (the file is rebuilt from the worker's answer)", async () => {
  const d = h[1]!;
  writeFileSync(d.conf, conf(2, 130));
  const pid = JSON.parse(readFileSync(statusFilePath(d.socket), "utf8")).pid as number;
  process.kill(pid, "SIGHUP");
  let t = await table(d);
  for (let i = 0; i < 50 && t.row?.PRIO !== "130"; i++) {
    await sleep(100);
    t = await table(d);
  }
  expect([t.code, t.err, t.row?.STATE, t.row?.PRIO, t.row?.EFF]).toEqual([0, "", "MASTER", "130", "130"]);
}, 60_000);
