// keepalived's track_group against keepalived 2.2.7 itself. Router r1 runs
// keepalived, then vigil, with the same keepalived.conf: a static address and a
// static route on trk1 (a veth) name track_group TG, whose member is VI_1; VI_2
// is in no group. Measured on keepalived 2.2.7 (vrrp_static_track.c,
// vrrp_netlink.c): deleting the static address does not move the instance — the
// address is put back ("Restoring deleted static address") — while trk1 going
// down puts VI_1 (not VI_2) in FAULT, and trk1 coming back brings it to MASTER
// again with the static address and route restored. The man page's "transition
// to backup" when the entry is deleted is not what keepalived does.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import { linesReach, readLines, stopPid } from "../helpers/fifo-lines.ts";
import { spawnKeepalived } from "../helpers/keepalived.ts";
import { Lab, type LabProc, sleep } from "../helpers/lab.ts";
import { startVigil, waitUntil } from "../helpers/vigil.ts";

let lab: Lab;

beforeAll(async () => {
  lab = await Lab.create({ routers: 1 });
  lab.exec(1, ["ip", "link", "add", "trk1", "type", "veth", "peer", "name", "trk1p"]);
  lab.exec(1, ["ip", "link", "set", "trk1p", "up"]);
  lab.exec(1, ["ip", "link", "set", "trk1", "up"]);
}, 30_000);

afterAll(async () => {
  await lab?.cleanup();
});

const conf = (fifo: string) => `global_defs {
  router_id r1
  notify_fifo ${fifo}
}
track_group TG {
  group {
    VI_1
  }
}
static_ipaddress {
  198.18.70.1/24 dev trk1 track_group TG
}
static_routes {
  198.18.71.0/24 via 198.18.70.254 dev trk1 track_group TG
}
${[1, 2].map((n) => `vrrp_instance VI_${n} {
  state BACKUP
  interface eth0
  virtual_router_id ${76 + n}
  priority 100
  advert_int 0.2
  version 3
  virtual_ipaddress {
    198.18.0.${76 + n}/32
  }
}`).join("\n")}
`;

const staticAddress = () => lab.exec(1, ["ip", "-br", "addr", "show", "trk1"]).includes("198.18.70.1/24");
const staticRoute = () => lab.exec(1, ["ip", "route", "show", "dev", "trk1"]).includes("198.18.71.0/24");
const count = (l: string[], x: string) => l.filter((y) => y === x).length;

/** The scenario of the header with `start` on r1; the FIFO lines it wrote, and what the kernel showed on the way. */
async function scenario(tag: string, start: (text: string) => Promise<LabProc>) {
  const fifo = join(lab.dir, `${tag}.fifo`);
  const out = join(lab.dir, `${tag}.out`);
  lab.exec(1, ["mkfifo", "-m", "600", fifo]);
  const reader = lab.spawn(1, ["sh", "-c", `exec 3<>${fifo}; exec cat <&3 > ${out}`], `cat-${tag}`);
  const daemon = await start(conf(fifo));
  try {
    await linesReach(out, (l) => l.includes('INSTANCE "VI_1" MASTER 100') && l.includes('INSTANCE "VI_2" MASTER 100'), `${tag} MASTER`);
    expect(await waitUntil(() => staticAddress() && staticRoute(), 3000)).toBe(true);

    lab.exec(1, ["ip", "addr", "del", "198.18.70.1/24", "dev", "trk1"]);
    const restored = await waitUntil(() => staticAddress(), 3000);
    await sleep(1000); // time to leave MASTER, if it were going to
    const afterDelete = readLines(out);

    lab.exec(1, ["ip", "link", "set", "trk1", "down"]);
    await linesReach(out, (l) => l.includes('INSTANCE "VI_1" FAULT 100'), `${tag} FAULT with trk1 down`);
    await sleep(500);
    lab.exec(1, ["ip", "link", "set", "trk1", "up"]);
    await linesReach(out, (l) => count(l, 'INSTANCE "VI_1" MASTER 100') === 2, `${tag} MASTER again with trk1 up`);
    const back = await waitUntil(() => staticAddress() && staticRoute(), 3000);
    return { restored, afterDelete, lines: readLines(out), back };
  } finally {
    await stopPid(daemon);
    reader.proc.kill();
    lab.exec(1, ["ip", "link", "set", "trk1", "up"]);
  }
}

test("track_group: the static entries' interface going down puts the group's instances (only them) in FAULT and back; a deleted static address is put back and moves nothing — vigil as keepalived 2.2.7", async () => {
  const ka = await scenario("keepalived", async (text) => {
    return spawnKeepalived(lab, 1, "ka", text);
  });
  const vg = await scenario("vigil", async (text) => (await startVigil(lab, 1, text)).proc);
  for (const r of [ka, vg]) {
    // ip addr del: put back, and nobody left MASTER
    expect(r.restored).toBe(true);
    expect([...r.afterDelete].sort()).toEqual(['INSTANCE "VI_1" BACKUP 100', 'INSTANCE "VI_1" MASTER 100', 'INSTANCE "VI_2" BACKUP 100', 'INSTANCE "VI_2" MASTER 100']);
    // link down and up: VI_1 alone goes FAULT and comes back; the static address and route are there again
    expect(r.back).toBe(true);
    expect(r.lines.filter((l) => l.startsWith('INSTANCE "VI_2" '))).toEqual(['INSTANCE "VI_2" BACKUP 100', 'INSTANCE "VI_2" MASTER 100']);
  }
  expect(vg.lines.filter((l) => l.startsWith('INSTANCE "VI_1" '))).toEqual(ka.lines.filter((l) => l.startsWith('INSTANCE "VI_1" ')));
  expect(ka.lines.filter((l) => l.startsWith('INSTANCE "VI_1" ')).map((l) => l.split(" ")[2])).toEqual(["BACKUP", "MASTER", "FAULT", "BACKUP", "MASTER"]);
}, 90_000);
