// notify_fifo against keepalived 2.2.7 itself. Router r1 runs keepalived, then
// vigil, with the same keepalived.conf (a vrrp_sync_group of two VRRPv3
// instances, one tracking a veth); r2 is a vigil peer of higher priority. The
// same transitions are driven for both — alone to MASTER, r2 preempts (BACKUP),
// r2 stops (MASTER), the tracked link goes down (FAULT) and up, r1 stops (STOP)
// — with a `cat` reading the FIFO, and what each wrote is compared line for
// line, per instance and for the group. Then vigil alone: a FIFO nobody reads
// while transitions happen (the daemon goes on; a reader that comes later gets
// every line in order), and a vrrp_notify_fifo_script / lvs_notify_fifo pair
// with RS lines from a real TCP_CHECK. And a reload that removes instances, with
// and without notify_deleted, against keepalived again.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { linesReach, readLines, stopPid } from "../helpers/fifo-lines.ts";
import { spawnKeepalived } from "../helpers/keepalived.ts";
import { Lab, type LabProc, sleep } from "../helpers/lab.ts";
import { instanceStatus, startVigil, vigilConf, type VigilHandle, waitUntil } from "../helpers/vigil.ts";

const BUN = join(import.meta.dir, "..", "..", "node_modules", ".bin", "bun");
const ADV = 0.1;
const VIP1 = "198.18.0.191";
const VIP2 = "198.18.0.192";

let lab: Lab;

const r1Conf = (fifoLines: string[], extraBlocks: string[] = [], standalone = false) =>
  vigilConf({
    routerId: "r1",
    global: fifoLines,
    blocks: ["vrrp_sync_group G1 {", "  group {", "    VI_1", "    VI_2", "  }", "}", ...extraBlocks],
    instances: [
      { name: "VI_1", vrid: 91, priority: 100, advertInt: ADV, vips: [VIP1], extra: ["track_interface {", "  trk0", "}"] },
      { name: "VI_2", vrid: 92, priority: 100, advertInt: ADV, vips: [VIP2] },
      // an instance in no sync group
      ...(standalone ? [{ name: "VI_3", vrid: 93, priority: 100, advertInt: ADV, vips: ["198.18.0.193"] }] : []),
    ],
  });

const peerConf = vigilConf({
  routerId: "r2",
  instances: [
    { name: "VI_1", vrid: 91, priority: 200, advertInt: ADV, vips: [VIP1] },
    { name: "VI_2", vrid: 92, priority: 200, advertInt: ADV, vips: [VIP2] },
  ],
});

const link = (up: boolean) => lab.exec(1, ["ip", "link", "set", "trk0", up ? "up" : "down"]);

/** The scenario of the header on r1, whichever daemon `start` launches there; returns the lines read from its FIFO. */
async function scenario(tag: string, start: (conf: string) => Promise<LabProc>): Promise<string[]> {
  const fifo = join(lab.dir, `${tag}.fifo`);
  const out = join(lab.dir, `${tag}.out`);
  lab.exec(1, ["mkfifo", "-m", "600", fifo]);
  // the reader is there first; it gets EOF when the daemon closes the FIFO at exit
  const reader = lab.spawn(1, ["sh", "-c", `exec cat ${fifo} > ${out}`], `cat-${tag}`);
  const daemon = await start(r1Conf([`notify_fifo ${fifo}`]));
  const has = (l: string[], ...xs: string[]) => xs.every((x) => l.includes(x));
  const count = (l: string[], x: string) => l.filter((y) => y === x).length;
  await linesReach(out, (l) => has(l, 'INSTANCE "VI_1" MASTER 100', 'INSTANCE "VI_2" MASTER 100', 'GROUP "G1" MASTER 0'), `${tag} alone to MASTER`);
  const peer = await startVigil(lab, 2, peerConf);
  await linesReach(out, (l) => count(l, 'GROUP "G1" BACKUP 0') === 2, `${tag} preempted by r2`);
  expect(await waitUntil(async () => (await instanceStatus(peer, "VI_2"))?.state === "MASTER", 5000)).toBe(true);
  await stopPid(peer.proc);
  await linesReach(out, (l) => count(l, 'GROUP "G1" MASTER 0') === 2, `${tag} back to MASTER after r2 stopped`);
  link(false);
  await linesReach(out, (l) => has(l, 'GROUP "G1" FAULT 0', 'INSTANCE "VI_2" FAULT 100'), `${tag} FAULT`);
  link(true);
  await linesReach(out, (l) => count(l, 'GROUP "G1" MASTER 0') === 3, `${tag} MASTER after the fault`);
  await stopPid(daemon);
  await Promise.race([reader.exited, sleep(3000)]);
  expect(lab.holders(VIP1)).toEqual([]);
  return readLines(out);
}

const perInstance = (lines: string[], name: string) => lines.filter((l) => l.startsWith(`INSTANCE "${name}" `));
const groupLines = (lines: string[]) => lines.filter((l) => l.startsWith("GROUP "));
/** the GROUP lines right after both members' lines of the same state */
const groupAfterMembers = (lines: string[]) => lines.filter((l, i) => {
  const m = /^GROUP "G1" (\S+) 0$/.exec(l);
  return !!m && i >= 2 && lines.slice(i - 2, i).map((x) => x.replace(/ \d+$/, "")).sort().join() === [`INSTANCE "VI_1" ${m[1]}`, `INSTANCE "VI_2" ${m[1]}`].join();
});

beforeAll(async () => {
  lab = await Lab.create({ routers: 2 });
  lab.exec(1, ["ip", "link", "add", "trk0", "type", "veth", "peer", "name", "trk0p"]);
  lab.exec(1, ["ip", "link", "set", "trk0p", "up"]);
  link(true);
}, 60_000);

afterAll(async () => {
  await lab?.cleanup();
});

describe("notify_fifo: vigil writes what keepalived 2.2.7 writes", () => {
  let ka: string[] = [];
  let vg: string[] = [];

  test("keepalived 2.2.7 through the scenario (the reference)", async () => {
    ka = await scenario("keepalived", async (conf) => {
      return spawnKeepalived(lab, 1, "ka", conf);
    });
    expect(ka.length).toBeGreaterThan(0);
  }, 60_000);

  test("vigil through the same scenario: the same lines, in the same order per instance and for the group", async () => {
    vg = await scenario("vigil", async (conf) => (await startVigil(lab, 1, conf)).proc);
    for (const name of ["VI_1", "VI_2"]) expect({ name, lines: perInstance(vg, name) }).toEqual({ name, lines: perInstance(ka, name) });
    expect(groupLines(vg)).toEqual(groupLines(ka));
    // and nothing else: the same lines altogether (only the interleaving of a group's line with its members' may differ)
    expect([...vg].sort()).toEqual([...ka].sort());
    // a group's line follows its members' lines of that state (FAULT too: keepalived faults every
    // member first). The one difference: at start keepalived writes GROUP BACKUP before its members'.
    expect(groupAfterMembers(vg)).toEqual(groupLines(vg));
    expect(groupAfterMembers(ka)).toEqual(groupLines(ka).slice(1));
    expect(ka[0]).toBe('GROUP "G1" BACKUP 0');
    // the scenario did go through every state, ending with STOP
    expect(perInstance(vg, "VI_1").map((l) => l.split(" ")[2])).toEqual(["BACKUP", "MASTER", "BACKUP", "MASTER", "FAULT", "BACKUP", "MASTER", "STOP"]);
  }, 60_000);
});

/** fifo_write_vrrp_states_on_reload: the lines a SIGHUP makes the daemon write (the FIFO is read throughout). */
async function reloadLines(tag: string, start: (conf: string) => Promise<LabProc>): Promise<string[]> {
  const fifo = join(lab.dir, `${tag}-reload.fifo`);
  const out = join(lab.dir, `${tag}-reload.out`);
  lab.exec(1, ["mkfifo", "-m", "600", fifo]);
  // keepalived closes and reopens its FIFOs on a reload: the reader holds the FIFO open read-write
  // itself, so the pipe (and what is in it) lives across that and it never sees EOF
  const reader = lab.spawn(1, ["sh", "-c", `exec 3<>${fifo}; exec cat <&3 > ${out}`], `cat-reload-${tag}`);
  const daemon = await start(r1Conf([`notify_fifo ${fifo}`, "fifo_write_vrrp_states_on_reload"], [], true));
  await linesReach(out, (l) => l.includes('GROUP "G1" MASTER 0') && l.includes('INSTANCE "VI_3" MASTER 100'), `${tag} MASTER`);
  const before = readLines(out).length;
  process.kill(daemon.pid, "SIGHUP");
  await linesReach(out, (l) => l.length >= before + 1, `${tag} states after SIGHUP`);
  await sleep(500); // anything more it writes on a reload
  const after = readLines(out).slice(before);
  await stopPid(daemon);
  reader.proc.kill();
  return after;
}

describe("fifo_write_vrrp_states_on_reload", () => {
  test("a SIGHUP writes each sync group's state as keepalived 2.2.7 does, and (vigil only) that of each instance in no group", async () => {
    const ka = await reloadLines("keepalived", async (conf) => {
      return spawnKeepalived(lab, 1, "ka-reload", conf, "keepalived-reload");
    });
    const vg = await reloadLines("vigil", async (conf) => (await startVigil(lab, 1, conf)).proc);
    // keepalived 2.2.7 writes the groups' lines only (measured: not even an instance outside any group)
    expect(ka).toEqual(['GROUP "G1" MASTER 0']);
    expect(groupLines(vg)).toEqual(ka);
    // vigil also gives the instance no group line speaks for; members in their group's state are not repeated
    expect(vg.filter((l) => l.startsWith("INSTANCE "))).toEqual(['INSTANCE "VI_3" MASTER 100']);
  }, 60_000);
});

describe("vigil's FIFOs never hold anything up", () => {
  test("nobody reads the FIFO while transitions happen: VRRP goes on; a reader that comes later gets every line, in order", async () => {
    const fifo = join(lab.dir, "unread.fifo");
    const h = await startVigil(lab, 1, r1Conf([`vrrp_notify_fifo ${fifo}`]));
    try {
      expect(await waitUntil(async () => (await instanceStatus(h, "VI_1"))?.state === "MASTER", 5000)).toBe(true);
      const peer = await startVigil(lab, 2, peerConf);
      expect(await waitUntil(async () => (await instanceStatus(h, "VI_1"))?.state === "BACKUP", 5000)).toBe(true);
      await stopPid(peer.proc);
      expect(await waitUntil(async () => (await instanceStatus(h, "VI_1"))?.state === "MASTER" && lab.holders(VIP1).join() === "1", 5000)).toBe(true);
      const out = join(lab.dir, "late.out");
      const reader = lab.spawn(1, ["sh", "-c", `exec cat ${fifo} > ${out}`], "late-cat");
      const want = ["BACKUP", "MASTER", "BACKUP", "MASTER"].flatMap((s) => [`INSTANCE "VI_1" ${s} 100`, `INSTANCE "VI_2" ${s} 100`, `GROUP "G1" ${s} 0`]);
      expect(await waitUntil(() => readLines(out).length >= want.length, 3000)).toBe(true);
      const got = readLines(out);
      expect(perInstance(got, "VI_1")).toEqual(perInstance(want, "VI_1"));
      expect(groupLines(got)).toEqual(groupLines(want));
      reader.proc.kill();
    } finally {
      await stopPid(h.proc);
    }
  }, 60_000);

  test("vrrp_notify_fifo_script is started with the FIFO as its last argument and reads the STOP lines; lvs_notify_fifo gets keepalived's RS lines from a TCP_CHECK", async () => {
    const vrrpFifo = join(lab.dir, "v.fifo");
    const lvsFifo = join(lab.dir, "l.fifo");
    const vout = join(lab.dir, "v.out");
    const script = join(lab.dir, "reader.sh");
    writeFileSync(script, `#!/bin/sh\necho "ARGS $*" > ${vout}\nwhile read -r l; do echo "$l" >> ${vout}; done < "$2"\necho EOF >> ${vout}\n`);
    chmodSync(script, 0o755);
    // a real server the checker reaches: the client namespace listens on 8080, nothing on 8081
    const server = lab.spawn("client", [BUN, "-e", "Bun.listen({ hostname: '198.18.0.250', port: 8080, socket: { open(s) { s.end(); }, data() {} } })"], "tcp-8080");
    const lout = join(lab.dir, "l.out");
    const lvs = ["virtual_server 198.18.0.210 80 {", "  delay_loop 1", "  lb_algo rr", "  lb_kind NAT", "  protocol TCP",
      "  real_server 198.18.0.250 8080 {", "    TCP_CHECK {", "      connect_timeout 1", "      retry 0", "    }", "  }",
      "  real_server 198.18.0.250 8081 {", "    TCP_CHECK {", "      connect_timeout 1", "      retry 0", "    }", "  }", "}"];
    const h = await startVigil(lab, 1, r1Conf([`vrrp_notify_fifo ${vrrpFifo}`, `vrrp_notify_fifo_script "${script} first"`, `lvs_notify_fifo ${lvsFifo}`], lvs));
    const lreader = lab.spawn(1, ["sh", "-c", `exec cat ${lvsFifo} > ${lout}`], "lvs-cat");
    try {
      // both start alive (no alpha); the one nobody listens on goes DOWN after its first check
      await linesReach(lout, (l) => l.includes("RS [198.18.0.250]:tcp:8081 [198.18.0.210]:tcp:80 DOWN"), "RS DOWN");
      server.proc.kill();
      await server.exited;
      await linesReach(lout, (l) => l.includes("RS [198.18.0.250]:tcp:8080 [198.18.0.210]:tcp:80 DOWN"), "RS DOWN after the server stopped");
      // quorum 1: with both down the virtual server loses it (keepalived: VS ... DOWN)
      await linesReach(lout, (l) => l.includes("VS [198.18.0.210]:tcp:80 DOWN"), "VS DOWN");
      expect(await waitUntil(async () => (await instanceStatus(h, "VI_1"))?.state === "MASTER", 5000)).toBe(true);
    } finally {
      await stopPid(h.proc);
      await Promise.race([lreader.exited, sleep(2000)]);
    }
    const v = readLines(vout);
    expect(v[0]).toBe(`ARGS first ${vrrpFifo}`);
    // the last lines: both instances' STOP, then the group's, then the script's own EOF mark
    expect(v.slice(-4).sort()).toEqual(['EOF', 'GROUP "G1" STOP 0', 'INSTANCE "VI_1" STOP 100', 'INSTANCE "VI_2" STOP 100']);
    expect(v.slice(-2)).toEqual(['GROUP "G1" STOP 0', "EOF"]);
    expect(v.every((l) => !l.startsWith("RS ") && !l.startsWith("VS "))).toBe(true);
    expect(readLines(lout).every((l) => /^(RS|VS) /.test(l))).toBe(true);
    // vigil made both FIFOs and removes them on exit, as keepalived does
    expect([existsSync(vrrpFifo), existsSync(lvsFifo)]).toEqual([false, false]);
  }, 60_000);
});

/**
 * A reload that removes instances: the FIFO lines and notify scripts it causes. VI_A stays;
 * VI_D (notify_deleted with a script, and a generic notify) and VI_F (neither) go.
 */
async function deletedByReload(tag: string, start: (conf: string) => Promise<{ proc: LabProc; confFile: string }>): Promise<{ lines: string[]; scripts: string[] }> {
  const fifo = join(lab.dir, `${tag}-del.fifo`);
  const out = join(lab.dir, `${tag}-del.out`);
  const log = join(lab.dir, `${tag}-del.log`);
  const script = join(lab.dir, `${tag}-del.sh`);
  writeFileSync(script, `#!/bin/sh\necho "$*" >> ${log}\n`);
  chmodSync(script, 0o755);
  lab.exec(1, ["mkfifo", "-m", "600", fifo]);
  const reader = lab.spawn(1, ["sh", "-c", `exec 3<>${fifo}; exec cat <&3 > ${out}`], `cat-del-${tag}`);
  const inst = (name: string, vrid: number, extra: string[] = []) => ({ name, vrid, priority: 100, advertInt: ADV, vips: [`198.18.0.${vrid}`], extra });
  const before = vigilConf({
    routerId: "r1", global: [`notify_fifo ${fifo}`, "script_user root"],
    instances: [inst("VI_A", 194), inst("VI_D", 195, [`notify_deleted "${script} deleted"`, `notify "${script} generic"`]), inst("VI_F", 196, [`notify_fault "${script} fault"`, `notify "${script} generic-f"`])],
  });
  const after = vigilConf({ routerId: "r1", global: [`notify_fifo ${fifo}`, "script_user root"], instances: [inst("VI_A", 194)] });
  const { proc: daemon, confFile } = await start(before);
  await linesReach(out, (l) => ["VI_A", "VI_D", "VI_F"].every((n) => l.includes(`INSTANCE "${n}" MASTER 100`)), `${tag} MASTER`);
  const seen = readLines(out).length;
  writeFileSync(confFile, after);
  process.kill(daemon.pid, "SIGHUP");
  await linesReach(out, (l) => l.length >= seen + 2, `${tag} lines of the removed instances`);
  await sleep(1000); // anything more, and the scripts
  const lines = readLines(out).slice(seen);
  expect(lab.holders("198.18.0.195")).toEqual([]);
  expect(lab.holders("198.18.0.194")).toEqual([1]);
  await stopPid(daemon);
  reader.proc.kill();
  const scripts = existsSync(log) ? readLines(log) : [];
  return { lines, scripts };
}

describe("notify_deleted", () => {
  test("a reload that removes an instance tells the FIFO and the scripts FAULT, or DELETED with notify_deleted (whose script runs), as keepalived 2.2.7", async () => {
    const ka = await deletedByReload("keepalived", async (conf) => {
      return { proc: spawnKeepalived(lab, 1, "ka-del", conf, "keepalived-del"), confFile: join(lab.dir, "ka-del.conf") };
    });
    const vg = await deletedByReload("vigil", async (conf) => {
      const h = await startVigil(lab, 1, conf);
      return { proc: h.proc, confFile: h.conf };
    });
    // keepalived 2.2.7 (measured here): DELETED for VI_D and its notify_deleted script; FAULT for VI_F,
    // to the FIFO and the generic notify, while its notify_fault script does not run
    expect([...ka.lines].sort()).toEqual(['INSTANCE "VI_D" DELETED 100', 'INSTANCE "VI_F" FAULT 100']);
    expect(ka.scripts).toContain("deleted");
    expect(ka.scripts).toContain("generic INSTANCE VI_D DELETED 100");
    expect(ka.scripts).toContain("generic-f INSTANCE VI_F FAULT 100");
    expect(ka.scripts).not.toContain("fault");
    // vigil: the same lines and the same script runs (scripts run concurrently: their order is free)
    expect([...vg.lines].sort()).toEqual([...ka.lines].sort());
    expect([...vg.scripts].sort()).toEqual([...ka.scripts].sort());
  }, 60_000);
});
