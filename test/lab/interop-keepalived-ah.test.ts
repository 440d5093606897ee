// auth_type AH (RFC 2338 §5.3.6.3: VRRPv2 with the IPsec Authentication Header,
// HMAC-MD5-96) between vigil and Debian's keepalived 2.2.7, each in both roles. The
// higher priority (router 1, 150) must win over the lower (router 2, 100) whichever
// implementation each is — which only happens if the lower one verifies the higher
// one's ICV, SPI and sequence numbers (else it would take the VIP after
// Master_Down_Interval); the lower takes over when the master is SIGKILLed; the
// restarted higher one, whose sequence counter starts again at 0, preempts back
// (keepalived's counter rules: the restarted router takes the master's numbers, and
// its own then go on from there). On the wire every advert is IP protocol 51 with the
// sender's address as SPI and increasing sequence numbers; vigil counts no drop and
// keepalived logs no IPSEC-AH complaint about vigil's adverts.
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { spawnKeepalived } from "../helpers/keepalived.ts";
import { type LabProc, sleep, useLab } from "../helpers/lab.ts";
import { instanceStatus, startVigil, type VigilHandle, waitUntil } from "../helpers/vigil.ts";

type Impl = "vigil" | "keepalived";
const VIP = "198.18.0.161";
const PRIO: Record<number, number> = { 1: 150, 2: 100 };
/** RFC 3768 §6.1 Master_Down_Interval of the low router at advert_int 1, ms */
const MDI = 3000 + ((256 - PRIO[2]!) * 1000) / 256;

const lab = useLab({ routers: 2 });

function conf(r: number): string {
  return [
    "global_defs {", `  router_id r${r}`, "}",
    "vrrp_instance VI_AH {", "  state BACKUP", "  interface eth0", "  virtual_router_id 161", `  priority ${PRIO[r]}`,
    "  advert_int 1", "  version 2", "  garp_master_delay 0",
    "  authentication {", "    auth_type AH", "    auth_pass s3cr3t", "  }",
    "  virtual_ipaddress {", `    ${VIP}/32 dev eth0`, "  }", "}", "",
  ].join("\n");
}

interface Running { impl: Impl; r: number; vigil?: VigilHandle; ka?: LabProc }

async function start(impl: Impl, r: number): Promise<Running> {
  if (impl === "vigil") return { impl, r, vigil: await startVigil(lab(), r, conf(r).replace("global_defs {", "global_defs {\n  vip_lifetime 2")) };
  const ka = spawnKeepalived(lab(), r, `r${r}-ka-${lab().procs.length}`, conf(r));
  if (!(await waitUntil(() => /Entering (BACKUP|MASTER|FAULT) STATE/.test(lab().logOf(ka)), 10_000))) throw new Error(`keepalived on r${r}: ${lab().logOf(ka).slice(-1500)}`);
  return { impl, r, ka };
}

const status = async (x: Running) => (x.vigil ? instanceStatus(x.vigil, "VI_AH") : undefined);
const kaComplaints = (x: Running) => (x.ka ? lab().logOf(x.ka).split("\n").filter((l) => /IPSEC|AH header|auth type/i.test(l) && !/Syncing seq_num/.test(l)) : []);

/** Raw IPv4 packets of protocol 51 from a pcap file (Ethernet frames, no VLAN). */
function ahPackets(file: string): Uint8Array[] {
  const b = new Uint8Array(readFileSync(file));
  const out: Uint8Array[] = [];
  for (let o = 24; o + 16 <= b.length;) {
    const incl = b[o + 8]! | (b[o + 9]! << 8) | (b[o + 10]! << 16) | (b[o + 11]! << 24);
    const f = b.subarray(o + 16, o + 16 + incl);
    if (f.length >= 14 + 20 + 24 && f[12] === 0x08 && f[13] === 0 && f[14 + 9] === 51) out.push(f.slice(14));
    o += 16 + incl;
  }
  return out;
}
const ipStr = (p: Uint8Array, o: number) => `${p[o]}.${p[o + 1]}.${p[o + 2]}.${p[o + 3]}`;
const seqOf = (p: Uint8Array) => ((p[28]! << 24) | (p[29]! << 16) | (p[30]! << 8) | p[31]!) >>> 0;

async function stopAll() {
  for (const r of [1, 2]) {
    lab().kill(r, "SIGKILL");
    await lab().reap(r, 3000);
  }
  for (const r of [1, 2]) lab().exec(r, ["ip", "addr", "del", `${VIP}/32`, "dev", "eth0"], true);
}

for (const a of [{ high: "vigil", low: "keepalived" }, { high: "keepalived", low: "vigil" }] as const) {
  describe(`auth_type AH: ${a.high} 150 and ${a.low} 100`, () => {
    test("the lower one, started under the higher one's mastership, verifies its adverts and stays BACKUP; SIGKILL hands over; the restarted higher one preempts back", async () => {
      try {
        // the high router first, master before the low one starts: two routers starting together may both be
        // master for a moment, and the one whose counter is behind then drops the other's adverts as replays
        const high = await start(a.high, 1);
        expect(await waitUntil(() => lab().holders(VIP).join() === "1", 2 * MDI + 3000, 50)).toBe(true);
        const low = await start(a.low, 2);
        // the low router hears the master: it stays BACKUP past its Master_Down_Interval
        const cap = await lab().capture({ filter: ["ip", "proto", "51"] });
        await sleep(MDI + 500);
        const steady = ahPackets(cap.file);
        await cap.stop();
        expect(lab().holders(VIP)).toEqual([1]);
        if (low.vigil) {
          const s = await status(low);
          expect(s?.state).toBe("BACKUP");
          expect(s!.counters.advertsReceived).toBeGreaterThan(2);
          expect(Object.entries(s!.counters).filter(([k, n]) => k.startsWith("drop_") && n > 0)).toEqual([]);
        }
        if (low.ka) expect(lab().logOf(low.ka)).not.toContain("Entering MASTER STATE");
        // on the wire: protocol 51 from the master only, SPI = its address, next header 112, sequence increasing by one
        expect(steady.length).toBeGreaterThanOrEqual(3);
        const master = lab().router(1).ipv4;
        for (const p of steady) expect([ipStr(p, 12), ipStr(p, 24), p[20], p[21], p[44 + 1], p[44 + 4]]).toEqual([master, master, 112, 4, 161, 2]);
        const seqs = steady.map(seqOf);
        for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBe(seqs[i - 1]! + 1);

        // failover: SIGKILL the master; the low one takes the VIP after Master_Down_Interval
        lab().kill(1, "SIGKILL");
        await lab().reap(1, 3000);
        lab().exec(1, ["ip", "addr", "del", `${VIP}/32`, "dev", "eth0"], true);
        expect(await waitUntil(() => lab().holders(VIP).join() === "2", MDI + 4000, 50)).toBe(true);

        // the restarted high router (counter at 0 again) preempts back
        const again = await start(a.high, 1);
        expect(await waitUntil(() => lab().holders(VIP).join() === "1", 4 * MDI + 4000, 50)).toBe(true);
        if (low.vigil) expect(await waitUntil(async () => (await status(low))?.state === "BACKUP", 4000)).toBe(true);
        if (again.vigil) expect(await waitUntil(async () => (await status(again))?.state === "MASTER", 4000)).toBe(true);
        // keepalived's view of vigil's adverts: no ICV, SPI or sequence complaint (its own replay drops of a
        // restarted peer's first adverts are how its counter works, and named so)
        for (const k of [high, low, again]) {
          expect({ impl: k.impl, complaints: kaComplaints(k).filter((l) => !/sequence number .* already processed/.test(l)) }).toEqual({ impl: k.impl, complaints: [] });
        }
      } finally {
        await stopAll();
      }
    }, 90_000);
  });
}
