// keepalived 2.2.7's unicast options: unicast_ttl (the TTL unicast adverts leave
// with; a unicast instance does not check the TTL it receives, since its peer may be
// routers away — keepalived vrrp_check_packet), check_unicast_src (per instance or
// global vrrp_check_unicast_src) and skip_check_adv_addr per instance; and what a
// master does on hearing others: lower_prio_no_advert, higher_prio_send_advert,
// garp_lower_prio_repeat.
import { describe, expect, test } from "bun:test";
import { parseIPv4 } from "../../../src/vrrp/addr.ts";
import { Drop } from "../../../src/vrrp/drop-reasons.ts";
import { paramsFromConfig } from "../../../src/vrrp/from-config.ts";
import { AdvertEncoder } from "../../../src/vrrp/packet-encode.ts";
import { AdvertValidator, RxMeta } from "../../../src/vrrp/packet-validate.ts";
import { resolveParams, type VrrpParams } from "../../../src/vrrp/params.ts";
import { VrrpFsm } from "../../../src/vrrp/fsm.ts";
import { ActionKind, State } from "../../../src/vrrp/actions.ts";
import { readKeepalivedText } from "../daemon/plan-helpers.ts";

const base: VrrpParams = {
  vrid: 7, version: 3, family: 4, priority: 100, advertIntMs: 1000, preempt: true, preemptDelayMs: 0,
  accept: false, vips: ["198.18.0.70"], primary: "198.18.0.2",
};
function meta(src: string, dst: string, ttl: number): RxMeta {
  const m = new RxMeta();
  m.src.set(parseIPv4(src));
  m.dst.set(parseIPv4(dst));
  m.ttl = ttl;
  return m;
}

describe("unicast adverts as keepalived 2.2.7 sends and checks them", () => {
  test("unicast_ttl: the IPv4 header carries it; multicast adverts keep 255", () => {
    const uni = new AdvertEncoder(resolveParams({ ...base, unicastPeers: ["198.18.0.1"], unicastTtl: 64 }), { ipHeader: true });
    uni.encode(100, 0, 1);
    expect(uni.buf[8]).toBe(64);
    const mc = new AdvertEncoder(resolveParams({ ...base, unicastTtl: 64 }), { ipHeader: true });
    mc.encode(100, 0, 1);
    expect(mc.buf[8]).toBe(255);
  });
  test("a unicast instance takes an advert whose TTL routers decremented; a multicast one drops it (RFC 5798 §7.1)", () => {
    const sender = new AdvertEncoder(resolveParams({ ...base, primary: "198.18.0.1", unicastPeers: ["198.18.0.2"] }));
    const n = sender.encode(150, 0);
    const uni = new AdvertValidator(resolveParams({ ...base, unicastPeers: ["198.18.0.1"] }));
    expect(uni.check(sender.buf, 0, n, meta("198.18.0.1", "198.18.0.2", 61))).toBe(Drop.None);
    const mcSender = new AdvertEncoder(resolveParams({ ...base, primary: "198.18.0.1" }));
    const m = mcSender.encode(150, 0);
    expect(new AdvertValidator(resolveParams(base)).check(mcSender.buf, 0, m, meta("198.18.0.1", "224.0.0.18", 61))).toBe(Drop.BadTtl);
  });
  test("check_unicast_src (instance) or vrrp_check_unicast_src (global), skip_check_adv_addr per instance, unicast_ttl: read and mapped to the core", () => {
    const text = (g: string, extra: string) => `global_defs {\n${g}\n}\nvrrp_instance V {\n interface eth0\n virtual_router_id 7\n unicast_src_ip 198.18.0.2\n unicast_peer {\n  198.18.0.1\n }\n virtual_ipaddress {\n  198.18.0.70\n }\n${extra}\n}\n`;
    const p = (g: string, extra: string) => {
      const c = readKeepalivedText(text(g, extra));
      return paramsFromConfig(c, c.instances[0]!, { primary: "198.18.0.2" });
    };
    expect(p("", "")).toMatchObject({ checkUnicastSrc: false, skipCheckAdvAddr: false });
    expect(p("", " check_unicast_src\n skip_check_adv_addr\n unicast_ttl 20")).toMatchObject({ checkUnicastSrc: true, skipCheckAdvAddr: true, unicastTtl: 20 });
    expect(p(" vrrp_check_unicast_src\n vrrp_skip_check_adv_addr", " skip_check_adv_addr false")).toMatchObject({ checkUnicastSrc: true, skipCheckAdvAddr: false });
  });
});

describe("a master hearing other adverts, keepalived 2.2.7's options (vrrp_state_master_rx)", () => {
  const SRC_LOW = parseIPv4("198.18.0.1");
  const master = (over: Partial<VrrpParams>) => {
    const f = new VrrpFsm(resolveParams({ ...base, priority: 200, garp: { masterDelayMs: 0 }, ...over }));
    f.startup(0);
    f.tick(10_000);
    expect(f.state).toBe(State.Master);
    f.actions.clear();
    return f;
  };
  const count = (f: VrrpFsm, k: ActionKind) => { let n = 0; for (let i = 0; i < f.actions.length; i++) if (f.actions.kind[i] === k) n++; return n; };
  const sent = (f: VrrpFsm) => count(f, ActionKind.SendAdvert);
  /** gratuitous ARP rounds asked for (SendGratuitous b) */
  const garps = (f: VrrpFsm) => { let n = 0; for (let i = 0; i < f.actions.length; i++) if (f.actions.kind[i] === ActionKind.SendGratuitous) n += f.actions.b[i]!; return n; };
  test("by default a lower priority is answered with an advert and a burst of garp_master_repeat gratuitous ARPs", () => {
    const f = master({ garp: { masterDelayMs: 0, masterRepeat: 3 } });
    f.advertReceived(10_001, 100, 1000, SRC_LOW);
    expect([sent(f), garps(f) > 0]).toEqual([1, true]);
  });
  test("lower_prio_no_advert: no advert back; garp_lower_prio_repeat 0: no gratuitous ARPs either", () => {
    const f = master({ lowerPrioNoAdvert: true, garp: { masterDelayMs: 0, lowerPrioRepeat: 0 } });
    f.advertReceived(10_001, 100, 1000, SRC_LOW);
    expect([sent(f), garps(f), f.state]).toEqual([0, 0, State.Master]);
  });
  test("higher_prio_send_advert: one last advert before stepping down to BACKUP; without it none", () => {
    const f = master({ higherPrioSendAdvert: true });
    f.advertReceived(10_001, 250, 1000, SRC_LOW);
    expect([sent(f), f.state]).toEqual([1, State.Backup]);
    const g = master({});
    g.advertReceived(10_001, 250, 1000, SRC_LOW);
    expect([sent(g), g.state]).toEqual([0, State.Backup]);
  });
  test("vrrp_strict turns lower_prio_no_advert on and higher_prio_send_advert off, as keepalived", () => {
    const c = readKeepalivedText(`global_defs {\n vrrp_strict\n vrrp_higher_prio_send_advert\n}\nvrrp_instance V {\n interface eth0\n virtual_router_id 7\n virtual_ipaddress {\n  198.18.0.70\n }\n}\n`);
    expect(paramsFromConfig(c, c.instances[0]!, { primary: "198.18.0.2" })).toMatchObject({ lowerPrioNoAdvert: true, higherPrioSendAdvert: false });
  });
});
