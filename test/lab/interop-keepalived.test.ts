// vigil and Debian's keepalived 2.2.7 on one segment, each in both roles: the
// higher priority wins whichever implementation it is, the other takes over when
// the master is SIGKILLed, and the restarted higher-priority router preempts back.
// Three protocol variants: VRRPv2 with auth_type PASS (RFC 3768), VRRPv3 over
// IPv4 and over IPv6 (RFC 5798). Every claim is proven from a capture on the
// bridge (advert source, priority, version, auth, GARP/NA from the new owner) and
// from the kernels' address lists; vigil's own view comes from its status socket.
//
// Router 1 always carries priority 150, router 2 priority 100; what changes is
// which implementation runs where. One lab serves the whole file.
import { describe, expect, test } from "bun:test";
import { type Impl, type RouterSpec, keepalivedConf, startRouter } from "../helpers/keepalived.ts";
import { sleep, useLab } from "../helpers/lab.ts";
import { adverts, type Frame, garps, nas } from "../helpers/pcap.ts";
import { instanceStatus, startVigil, type VigilHandle, waitUntil } from "../helpers/vigil.ts";

interface Variant {
  title: string;
  version: 2 | 3;
  /** seconds: v2 carries whole seconds (RFC 3768 §5.3.7), v3 centiseconds (RFC 5798 §5.2.7) */
  advertInt: number;
  vip: string;
  vrid: number;
  authPass?: string;
}

const VARIANTS: Variant[] = [
  { title: "VRRPv2 auth_type PASS (RFC 3768)", version: 2, advertInt: 1, vip: "198.18.0.100", vrid: 61, authPass: "s3cr3t" },
  { title: "VRRPv3 IPv4 (RFC 5798)", version: 3, advertInt: 0.1, vip: "198.18.0.101", vrid: 62 },
  { title: "VRRPv3 IPv6 (RFC 5798)", version: 3, advertInt: 0.1, vip: "fd00:198:18::101", vrid: 63 },
];
const PRIO: Record<number, number> = { 1: 150, 2: 100 };
const ARRANGEMENTS: Array<{ high: Impl; low: Impl }> = [{ high: "vigil", low: "keepalived" }, { high: "keepalived", low: "vigil" }];

const lab = useLab({ routers: 2 });

const isV6 = (v: Variant) => v.vip.includes(":");
/** the advert source each router uses: its IPv4 address, or its link-local address (RFC 5798 §5.1.2.1) */
const srcOf = (v: Variant, r: number) => (isV6(v) ? lab().router(r).linkLocal : lab().router(r).ipv4);
/** Master_Down_Interval of the low router (RFC 5798 §6.1), ms */
const mdiMs = (v: Variant) => 3 * v.advertInt * 1000 + ((256 - PRIO[2]) * v.advertInt * 1000) / 256;

function spec(v: Variant, r: number): RouterSpec {
  return {
    routerId: `r${r}`,
    instances: [{ name: "VI_X", vrid: v.vrid, priority: PRIO[r], advertInt: v.advertInt, version: v.version, vips: [v.vip], garpMasterDelay: 0, authPass: v.authPass }],
  };
}

interface Running { impl: Impl; r: number; vigil?: VigilHandle }

async function start(impl: Impl, r: number, v: Variant): Promise<Running> {
  if (impl === "keepalived") {
    await startRouter(lab(), r, "keepalived", spec(v, r));
    return { impl, r };
  }
  // vigil reads the same keepalived.conf; a short VIP lifetime so a SIGKILLed vigil's VIP goes soon
  const conf = keepalivedConf(spec(v, r)).replace("global_defs {", "global_defs {\n  vip_lifetime 2");
  return { impl, r, vigil: await startVigil(lab(), r, conf) };
}

const vigilState = async (x: Running) => (x.vigil ? (await instanceStatus(x.vigil, "VI_X"))?.state : undefined);

/** adverts of the variant's VRID, as "src prio vN ttl auth" strings for set comparison */
function advertKeys(frames: Frame[], v: Variant, after = 0): string[] {
  return adverts(frames, v.vrid).filter((a) => a.t > after)
    .map((a) => `${a.d.src} prio${a.d.priority} v${a.d.version} ttl${a.d.ttl} auth${a.d.authType}:${a.d.authPass ?? ""} [${a.d.addrs.join(",")}]`);
}
const expectedKey = (v: Variant, r: number) =>
  `${srcOf(v, r)} prio${PRIO[r]} v${v.version} ttl255 auth${v.authPass ? 1 : 0}:${v.authPass ?? ""} [${v.vip}]`;

/** first gratuitous ARP (IPv4) or unsolicited NA (IPv6) for the VIP from router r's MAC after t */
function announcedBy(frames: Frame[], v: Variant, r: number, after: number): Frame | undefined {
  const m = lab().mac(r);
  return isV6(v) ? nas(frames, v.vip).find((f) => f.srcMac === m && f.t > after) : garps(frames, v.vip).find((f) => f.srcMac === m && f.t > after);
}

async function stopAll() {
  for (const r of [1, 2]) {
    lab().kill(r, "SIGKILL");
    await lab().reap(r, 3000);
  }
  // a SIGKILLed keepalived leaves its VIP behind (docs/split-brain.md: keepalived's split brain); wipe it between scenarios
  for (const r of [1, 2]) for (const vip of VARIANTS.map((x) => x.vip)) lab().exec(r, ["ip", "addr", "del", `${vip}/${vip.includes(":") ? 128 : 32}`, "dev", "eth0"], true);
}

for (const v of VARIANTS) {
  describe(`interop with keepalived: ${v.title}`, () => {
    for (const a of ARRANGEMENTS) {
      test(`${v.version === 2 ? "RFC 3768" : "RFC 5798"} §6.4.3: higher priority wins (${a.high} 150 over ${a.low} 100), SIGKILLed master is replaced (§6.4.2 Master_Down_Interval), restart preempts back`, async () => {
        try {
          // --- election: started together, the higher priority becomes master ---
          const [high, low] = await Promise.all([start(a.high, 1, v), start(a.low, 2, v)]);
          const settleMs = 4 * mdiMs(v) + 3000;
          expect(await waitUntil(() => lab().holders(v.vip).join() === "1", settleMs, 50)).toBe(true);
          if (high.vigil) expect(await waitUntil(async () => (await vigilState(high)) === "MASTER", 3000)).toBe(true);
          if (low.vigil) expect(await waitUntil(async () => (await vigilState(low)) === "BACKUP", 3000)).toBe(true);
          let cap = await lab().capture({ filter: ["ip", "proto", "112", "or", "ip6", "proto", "112"] });
          await sleep(v.advertInt * 1000 * 3 + 200);
          const steady = advertKeys(await cap.stop(), v);
          expect(steady.length).toBeGreaterThanOrEqual(2);
          // RFC 5798 §6.4.2: the backup is silent; only the master advertises, with its own priority
          expect(new Set(steady)).toEqual(new Set([expectedKey(v, 1)]));
          if (low.vigil) {
            const s = await instanceStatus(low.vigil, "VI_X");
            expect(s?.masterAddress).toBe(srcOf(v, 1));
            expect(s!.counters.advertsReceived).toBeGreaterThan(0);
            // the peer's adverts pass every check: nothing of keepalived's was dropped
            expect(Object.entries(s!.counters).filter(([k, n]) => k.startsWith("drop_") && n > 0)).toEqual([]);
          }

          // --- failover: SIGKILL the master; the other implementation takes the VIP ---
          cap = await lab().capture();
          // one full interval before the kill, so the old master's last advert is in the capture
          await sleep(v.advertInt * 1000 + 150);
          const tKill = performance.timeOrigin + performance.now();
          lab().kill(1, "SIGKILL");
          expect(await waitUntil(() => lab().holders(v.vip).includes(2), mdiMs(v) + 3000, 20)).toBe(true);
          if (low.vigil) expect(await vigilState(low)).toBe("MASTER");
          // a dead vigil's VIP expires by its lifetime; a dead keepalived's stays (its split brain, not tested here)
          if (a.high === "vigil") expect(await waitUntil(() => lab().holders(v.vip).join() === "2", 4000, 50)).toBe(true);
          await sleep(v.advertInt * 1000 * 2 + 200);
          let frames = await cap.stop();
          const ann = announcedBy(frames, v, 2, tKill);
          expect(ann).toBeDefined();
          const lastOld = adverts(frames, v.vrid).filter((x) => x.d.src === srcOf(v, 1) && x.t < ann!.t).at(-1);
          expect(lastOld).toBeDefined();
          // RFC 5798 §6.4.2: no takeover before Master_Down_Interval of silence (20 ms capture slack)
          expect(ann!.t - lastOld!.t).toBeGreaterThanOrEqual(mdiMs(v) - 20);
          const after = advertKeys(frames, v, ann!.t);
          expect(after.length).toBeGreaterThanOrEqual(1);
          expect(new Set(after)).toEqual(new Set([expectedKey(v, 2)]));

          // --- preemption: the higher priority comes back and takes over again ---
          await lab().reap(1, 3000);
          cap = await lab().capture();
          await sleep(100);
          const tStart = performance.timeOrigin + performance.now();
          const back = await start(a.high, 1, v);
          expect(await waitUntil(() => lab().holders(v.vip).join() === "1", mdiMs(v) + 8000, 50)).toBe(true);
          if (back.vigil) expect(await waitUntil(async () => (await vigilState(back)) === "MASTER", 3000)).toBe(true);
          if (low.vigil) expect(await waitUntil(async () => (await vigilState(low)) === "BACKUP", 3000)).toBe(true);
          await sleep(v.advertInt * 1000 * 3 + 200);
          frames = await cap.stop();
          const ann1 = announcedBy(frames, v, 1, tStart);
          expect(ann1).toBeDefined();
          // once the high router has announced itself (and a beat passed), it alone advertises
          const tail = advertKeys(frames, v, ann1!.t + v.advertInt * 1000 + 50);
          expect(tail.length).toBeGreaterThanOrEqual(1);
          expect(new Set(tail)).toEqual(new Set([expectedKey(v, 1)]));
          // the low router advertised up to the preemption: the handover is on the wire too
          expect(advertKeys(frames, v).filter((k) => k === expectedKey(v, 2)).length).toBeGreaterThanOrEqual(1);
          expect(lab().holders(v.vip)).toEqual([1]);
        } finally {
          await stopAll();
        }
      }, v.version === 2 ? 60_000 : 30_000);
    }
  });
}

// keepalived global_defs vrrp_mcast_group4 / vrrp_mcast_group6: both implementations
// send to and join the configured group, and each hears the other there (the
// backup stays BACKUP only because it receives the master's adverts on it).
describe("interop with keepalived: vrrp_mcast_group4 / vrrp_mcast_group6", () => {
  const GROUPS = [
    { v: { title: "v3 IPv4", version: 3, advertInt: 0.1, vip: "198.18.0.102", vrid: 64 } as Variant, group: "224.0.0.19" },
    { v: { title: "v3 IPv6", version: 3, advertInt: 0.1, vip: "fd00:198:18::102", vrid: 65 } as Variant, group: "ff02::13" },
  ];
  for (const { v, group } of GROUPS) {
    for (const a of ARRANGEMENTS) {
      test(`${v.title}: ${a.high} 150 master and ${a.low} 100 backup over ${group}, every advert to ${group}`, async () => {
        const grouped = (r: number): RouterSpec => ({ ...spec(v, r), mcastGroup4: "224.0.0.19", mcastGroup6: "ff02::13" });
        const startGrouped = async (impl: Impl, r: number): Promise<Running> => {
          if (impl === "keepalived") {
            await startRouter(lab(), r, "keepalived", grouped(r));
            return { impl, r };
          }
          return { impl, r, vigil: await startVigil(lab(), r, keepalivedConf(grouped(r)).replace("global_defs {", "global_defs {\n  vip_lifetime 2")) };
        };
        try {
          const high = await startGrouped(a.high, 1);
          expect(await waitUntil(() => lab().holders(v.vip).join() === "1", 4 * mdiMs(v) + 3000, 50)).toBe(true);
          const cap = await lab().capture({ filter: ["ip", "proto", "112", "or", "ip6", "proto", "112"] });
          const low = await startGrouped(a.low, 2);
          // well past the low router's Master_Down_Interval: deaf to the group, it would have taken over
          await sleep(5 * mdiMs(v) + 300);
          const frames = adverts(await cap.stop(), v.vrid);
          expect(lab().holders(v.vip).join()).toBe("1");
          if (high.vigil) expect(await vigilState(high)).toBe("MASTER");
          if (low.vigil) {
            const s = await instanceStatus(low.vigil, "VI_X");
            expect(s?.state).toBe("BACKUP");
            expect(s?.masterAddress).toBe(srcOf(v, 1));
          }
          expect(frames.length).toBeGreaterThanOrEqual(3);
          expect(new Set(frames.map((f) => `${f.d.src} -> ${f.d.dst}`))).toEqual(new Set([`${srcOf(v, 1)} -> ${group}`]));
        } finally {
          await stopAll();
          for (const r of [1, 2]) lab().exec(r, ["ip", "addr", "del", `${v.vip}/${isV6(v) ? 128 : 32}`, "dev", "eth0"], true);
        }
      }, 30_000);
    }
  }
});
