// vigil and Debian's keepalived 2.2.7 mixed on one segment, beyond the basic
// election: (1) unicast mode with three routers of both kinds — each copy of an
// advert carries a checksum over its own destination (RFC 5798 §5.2.8), so a
// keepalived peer accepting vigil's unicast adverts (and the reverse) is the
// proof; (2) the RFC 5798 §6.4.3 shutdown handover in both directions: a
// priority-0 advert from either implementation makes the other take over after
// Skew_Time instead of Master_Down_Interval; (3) keepalived's old_unicast_checksum
// (its ≤ 1.3.6 VRRPv3 unicast checksum) detected and adopted by vigil.
import { describe, expect, test } from "bun:test";
import { keepalivedConf, type RouterHandle, type RouterSpec, startRouter, stopRouter } from "../helpers/keepalived.ts";
import { type Lab, nowMs, sleep, useLab } from "../helpers/lab.ts";
import { type Advert, adverts, garps } from "../helpers/pcap.ts";
import { instanceStatus, masterDownMs, startVigil, stopVigil, type VigilHandle, waitUntil } from "../helpers/vigil.ts";

const SLACK_MS = 400;
const lab = useLab({ routers: 3 });

/** keepalived's current state from its log (the last "Entering X STATE"). */
function kaState(h: RouterHandle): string | undefined {
  return [...lab().logOf(h.proc).matchAll(/Entering (MASTER|BACKUP|FAULT) STATE/g)].at(-1)?.[1];
}

describe("interop: unicast, vigil and keepalived mixed", () => {
  const VIP = "198.18.0.160";
  const VRID = 161;
  const ip = (r: number) => `198.18.0.${r}`;
  const spec = (r: number, prio: number): RouterSpec => ({
    routerId: `r${r}`,
    instances: [{ name: "VI_U", vrid: VRID, priority: prio, advertInt: 0.1, version: 3, vips: [VIP], garpMasterDelay: 0, unicastSrc: ip(r), unicastPeers: [1, 2, 3].filter((p) => p !== r).map(ip) }],
  });

  test("keepalived unicast_peer: vigil master (150) over keepalived (120) and vigil (100); both accept its per-peer adverts; SIGKILL and keepalived takes over, the vigil backup accepts keepalived's", async () => {
    const h3 = await startVigil(lab(), 3, keepalivedConf(spec(3, 100)));
    const k2 = await startRouter(lab(), 2, "keepalived", spec(2, 120));
    const h1 = await startVigil(lab(), 1, keepalivedConf(spec(1, 150)));
    expect(await waitUntil(async () => (await instanceStatus(h1, "VI_U"))?.state === "MASTER" && kaState(k2) === "BACKUP" && (await instanceStatus(h3, "VI_U"))?.state === "BACKUP", 8000)).toBe(true);
    expect(await waitUntil(() => lab().holders(VIP).join() === "1", 3000)).toBe(true);
    const cap = await lab().capture();
    await sleep(500);
    // keepalived stayed BACKUP all along: it accepted vigil's adverts (a bad checksum would make it master)
    expect(kaState(k2)).toBe("BACKUP");
    const tKill = nowMs();
    lab().kill(1, "SIGKILL");
    expect(await waitUntil(() => kaState(k2) === "MASTER", 5000)).toBe(true);
    expect(await waitUntil(() => lab().holders(VIP).join() === "2", 5000)).toBe(true);
    await sleep(500);
    const frames = await cap.stop();
    const before = adverts(frames, VRID).filter((a) => a.t < tKill);
    expect(new Set(before.map((a) => `${a.d.src}>${a.d.dst}`))).toEqual(new Set([`${ip(1)}>${ip(2)}`, `${ip(1)}>${ip(3)}`]));
    const g = garps(frames, VIP).find((x) => x.srcMac === lab().mac(2) && x.t > tKill);
    expect(g).toBeDefined();
    const after = adverts(frames, VRID).filter((a) => a.t > g!.t);
    expect(new Set(after.map((a) => `${a.d.src}>${a.d.dst} prio${a.d.priority}`))).toEqual(new Set([`${ip(2)}>${ip(1)} prio120`, `${ip(2)}>${ip(3)} prio120`]));
    // the vigil backup validated keepalived's unicast adverts: it follows the new master, drops nothing
    const s3 = (await instanceStatus(h3, "VI_U"))!;
    expect(s3.state).toBe("BACKUP");
    expect(s3.masterAddress).toBe(ip(2));
    expect(s3.counters.drop_bad_checksum).toBe(0);
    await stopRouter(lab(), k2);
    await stopVigil(lab(), h3);
  }, 40_000);
});

describe("interop: old_unicast_checksum, keepalived ≤ 1.3.6's VRRPv3 unicast checksum", () => {
  const VIP = "198.18.0.162";
  const VRID = 163;
  const ip = (r: number) => `198.18.0.${r}`;
  /** RFC 1071 checksum of a decoded VRRPv3 IPv4 advert over a pseudo-header addressed to `dst` (RFC 5798 §5.2.8) */
  function checksumOver(a: Extract<Advert["d"], { kind: "vrrp" }>, dst: string): number {
    const words = [(a.version << 4) | a.type, a.vrid, a.priority, a.count, a.advertCs >> 8, a.advertCs & 0xff, 0, 0];
    const bytes = [...words, ...a.addrs.flatMap((x) => x.split(".").map(Number))];
    const len = bytes.length;
    const pseudo = [...a.src.split(".").map(Number), ...dst.split(".").map(Number), 0, 112, len >> 8, len & 0xff];
    let sum = 0;
    const all = [...pseudo, ...bytes];
    for (let i = 0; i < all.length; i += 2) sum += (all[i] << 8) | (all[i + 1] ?? 0);
    while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
    return ~sum & 0xffff;
  }

  test("keepalived with old_unicast_checksum (master at 120) and vigil without it (150): vigil detects the old checksum, switches (logged), keepalived then accepts vigil's adverts and yields", async () => {
    const k2 = await startRouter(lab(), 2, "keepalived", { routerId: "r2", instances: [{ name: "VI_O", vrid: VRID, priority: 120, advertInt: 0.1, version: 3, vips: [VIP], garpMasterDelay: 0, unicastSrc: ip(2), unicastPeers: [ip(1)], extra: ["old_unicast_checksum"] }] });
    expect(await waitUntil(() => kaState(k2) === "MASTER", 5000)).toBe(true);
    const cap = await lab().capture();
    const h1 = await startVigil(lab(), 1, keepalivedConf({ routerId: "r1", instances: [{ name: "VI_O", vrid: VRID, priority: 150, advertInt: 0.1, version: 3, vips: [VIP], garpMasterDelay: 0, unicastSrc: ip(1), unicastPeers: [ip(2)] }] }));
    // with RFC checksums only, neither would accept the other's adverts and both would stay MASTER
    expect(await waitUntil(async () => (await instanceStatus(h1, "VI_O"))?.state === "MASTER" && kaState(k2) === "BACKUP", 6000)).toBe(true);
    await sleep(300);
    const frames = await cap.stop();
    expect(lab().logOf(h1.proc)).toContain("setting the unicast checksum to the old version");
    const ours = adverts(frames, VRID).filter((a) => a.d.src === ip(1) && a.d.priority === 150);
    expect(ours.length).toBeGreaterThan(0);
    // the last ones carry the old checksum: its pseudo-header is addressed to 224.0.0.18, not to the peer
    const last = ours.at(-1)!.d;
    expect(last.checksum).toBe(checksumOver(last, "224.0.0.18"));
    expect(last.checksum).not.toBe(checksumOver(last, ip(2)));
    const theirs = adverts(frames, VRID).find((a) => a.d.src === ip(2))!.d;
    expect(theirs.checksum).toBe(checksumOver(theirs, "224.0.0.18"));
    expect((await instanceStatus(h1, "VI_O"))!.counters.drop_bad_checksum).toBe(0);
    await stopVigil(lab(), h1);
    await stopRouter(lab(), k2);
  }, 30_000);
});

describe("interop: shutdown handover (priority 0) across implementations", () => {
  const VIP = "198.18.0.161";
  const VRID = 162;
  // 0.5 s adverts: Skew_Time (≈ 0.3 s at priority 100) and Master_Down_Interval (≈ 1.8 s) are far apart.
  const ADV = 0.5;
  const spec = (r: number, prio: number): RouterSpec => ({ routerId: `r${r}`, instances: [{ name: "VI_S", vrid: VRID, priority: prio, advertInt: ADV, version: 3, vips: [VIP], garpMasterDelay: 0 }] });
  const skew = ((256 - 100) * ADV * 1000) / 256;

  /** From a capture: the master's priority-0 advert and the successor's first GARP after it. */
  function handover(frames: Awaited<ReturnType<Awaited<ReturnType<Lab["capture"]>>["stop"]>>, oldSrc: string, newMac: string) {
    const zero = adverts(frames, VRID).find((a) => a.d.src === oldSrc && a.d.priority === 0);
    if (!zero) throw new Error(`no priority-0 advert from ${oldSrc}`);
    const g = garps(frames, VIP).find((x) => x.srcMac === newMac && x.t > zero.t);
    if (!g) throw new Error(`no GARP from ${newMac} after the priority-0 advert`);
    return g.t - zero.t;
  }

  test("RFC 5798 §6.4.3: vigil master SIGTERMed, keepalived backup takes over within Skew_Time", async () => {
    const h1 = await startVigil(lab(), 1, keepalivedConf(spec(1, 150)));
    expect(await waitUntil(async () => (await instanceStatus(h1, "VI_S"))?.state === "MASTER", 6000)).toBe(true);
    const k2 = await startRouter(lab(), 2, "keepalived", spec(2, 100));
    expect(await waitUntil(() => kaState(k2) === "BACKUP", 3000)).toBe(true);
    await sleep(ADV * 1000 + 200);
    const cap = await lab().capture();
    await sleep(200);
    await stopVigil(lab(), h1);
    expect(await waitUntil(() => kaState(k2) === "MASTER" && lab().holders(VIP).join() === "2", 4000)).toBe(true);
    await sleep(100);
    const gap = handover(await cap.stop(), "198.18.0.1", lab().mac(2));
    expect(gap).toBeLessThanOrEqual(skew + SLACK_MS);
    expect(gap).toBeLessThan(masterDownMs(ADV, 100));
    await stopRouter(lab(), k2);
  }, 30_000);

  test("RFC 5798 §6.4.3: keepalived master SIGTERMed, vigil backup takes over within Skew_Time", async () => {
    const k1 = await startRouter(lab(), 1, "keepalived", spec(1, 150));
    expect(await waitUntil(() => kaState(k1) === "MASTER", 6000)).toBe(true);
    const h2: VigilHandle = await startVigil(lab(), 2, keepalivedConf(spec(2, 100)));
    expect(await waitUntil(async () => (await instanceStatus(h2, "VI_S"))?.state === "BACKUP", 3000)).toBe(true);
    await sleep(ADV * 1000 + 200);
    const cap = await lab().capture();
    await sleep(200);
    await stopRouter(lab(), k1);
    expect(await waitUntil(async () => (await instanceStatus(h2, "VI_S"))?.state === "MASTER" && lab().holders(VIP).join() === "2", 4000)).toBe(true);
    await sleep(100);
    const gap = handover(await cap.stop(), "198.18.0.1", lab().mac(2));
    expect(gap).toBeGreaterThanOrEqual(skew - 30);
    expect(gap).toBeLessThanOrEqual(skew + SLACK_MS);
    await stopVigil(lab(), h2);
  }, 30_000);
});
