import { describe, expect, test } from "bun:test";
import { State } from "../../../src/vrrp/actions.ts";
import {
  AddressVerdict,
  addressVerdict,
  appearedIsForeign,
  ClaimPolicy,
  ClaimVerdict,
  CONFLICT_REPORT_GAP_MS,
  handoverWindowMs,
  macNumber,
  NO_MAC,
  virtualRouterMac,
} from "../../../src/vrrp/vip-conflict.ts";
import { parseMac } from "../../../src/net/ip-address.ts";

const NOT_MASTER = [State.Initialize, State.Backup, State.Fault];
const mac = (text: string) => macNumber(parseMac(text), 0);
const ROGUE = mac("02:00:00:00:00:99");
const OLD_MASTER = mac("3e:ae:00:00:00:09");
const VRID = 51;

describe("foreign ARP/NA claims on a VIP", () => {
  test("only a master's VIP can be contested: a claim heard in INIT, BACKUP or FAULT is not a conflict", () => {
    const p = new ClaimPolicy(1);
    for (const st of NOT_MASTER) expect(p.claim(0, st, 0, ROGUE, NO_MAC)).toBe(ClaimVerdict.Ignore);
    // an ignored claim does not start the rate-limit window
    expect(p.claim(1, State.Master, 0, ROGUE, NO_MAC)).toBe(ClaimVerdict.Report);
  });

  test("a master reports the first claim on a VIP and counts further ones for CONFLICT_REPORT_GAP_MS without reporting", () => {
    const p = new ClaimPolicy(1);
    expect(p.claim(5000, State.Master, 0, ROGUE, NO_MAC)).toBe(ClaimVerdict.Report);
    expect(p.claim(5001, State.Master, 0, ROGUE, NO_MAC)).toBe(ClaimVerdict.Count);
    expect(p.claim(5000 + CONFLICT_REPORT_GAP_MS - 0.5, State.Master, 0, ROGUE, NO_MAC)).toBe(ClaimVerdict.Count);
    expect(p.claim(5000 + CONFLICT_REPORT_GAP_MS, State.Master, 0, ROGUE, NO_MAC)).toBe(ClaimVerdict.Report);
  });

  test("the rate limit is per VIP: a claim on another VIP is reported at once", () => {
    const p = new ClaimPolicy(2);
    expect(p.claim(0, State.Master, 0, ROGUE, NO_MAC)).toBe(ClaimVerdict.Report);
    expect(p.claim(10, State.Master, 1, ROGUE, NO_MAC)).toBe(ClaimVerdict.Report);
    expect(p.claim(20, State.Master, 0, ROGUE, NO_MAC)).toBe(ClaimVerdict.Count);
    expect(p.claim(30, State.Master, 1, ROGUE, NO_MAC)).toBe(ClaimVerdict.Count);
  });

  test("the report gap is a parameter (time in, verdict out; no clock is read)", () => {
    const p = new ClaimPolicy(1, NO_MAC, 50);
    expect(p.claim(100, State.Master, 0, ROGUE, NO_MAC)).toBe(ClaimVerdict.Report);
    expect(p.claim(149, State.Master, 0, ROGUE, NO_MAC)).toBe(ClaimVerdict.Count);
    expect(p.claim(150, State.Master, 0, ROGUE, NO_MAC)).toBe(ClaimVerdict.Report);
  });
});

describe("a claim counts only when it outlives the handover", () => {
  const T = 10_000; // when we became master
  const WINDOW = handoverWindowMs(3, 150, 1000);

  function tookOver(virtualMac = NO_MAC): ClaimPolicy {
    const p = new ClaimPolicy(2, virtualMac);
    p.becameMaster(T, WINDOW);
    return p;
  }

  test("RFC 5798 §6.1: the step-down window is one Master_Down_Interval (3 x Master_Adver_Interval + Skew_Time)", () => {
    expect(handoverWindowMs(3, 150, 1000)).toBe(3000 + ((256 - 150) * 1000) / 256);
    // RFC 3768 §6.1: v2's skew does not scale with the interval
    expect(handoverWindowMs(2, 100, 2000)).toBe(6000 + ((256 - 100) * 1000) / 256);
  });

  test("the previous master's claim inside the window is the handover, not a conflict (preemption, takeover probe answered before it stepped down)", () => {
    const p = tookOver();
    expect(p.claim(T, State.Master, 0, OLD_MASTER, OLD_MASTER)).toBe(ClaimVerdict.Handover);
    expect(p.claim(T + WINDOW - 1, State.Master, 1, OLD_MASTER, OLD_MASTER)).toBe(ClaimVerdict.Handover);
    expect(p.handoverEndsAt).toBe(T + WINDOW);
  });

  test("the previous master still claiming after the window is a conflict: it did not step down", () => {
    const p = tookOver();
    expect(p.claim(T + 5, State.Master, 0, OLD_MASTER, OLD_MASTER)).toBe(ClaimVerdict.Handover);
    // the handover claim did not start the rate limit: the first real one is reported
    expect(p.claim(T + WINDOW, State.Master, 0, OLD_MASTER, OLD_MASTER)).toBe(ClaimVerdict.Report);
    expect(p.claim(T + WINDOW + 1, State.Master, 0, OLD_MASTER, OLD_MASTER)).toBe(ClaimVerdict.Count);
  });

  test("a MAC that is not the previous master's is a conflict even inside the window (a rogue host)", () => {
    const p = tookOver();
    expect(p.claim(T + 1, State.Master, 0, ROGUE, OLD_MASTER)).toBe(ClaimVerdict.Report);
  });

  test("the previous master is whoever advertised last when the claim comes (an advert heard during the window names it too)", () => {
    const p = tookOver();
    const other = mac("3e:ae:00:00:00:0a");
    expect(p.claim(T + 1, State.Master, 0, other, OLD_MASTER)).toBe(ClaimVerdict.Report);
    expect(p.claim(T + 2, State.Master, 1, other, other)).toBe(ClaimVerdict.Handover);
  });

  test("with no advert heard before the takeover (an owner starting as master) every claim counts", () => {
    const p = tookOver();
    expect(p.claim(T + 1, State.Master, 0, OLD_MASTER, NO_MAC)).toBe(ClaimVerdict.Report);
  });

  test("RFC 5798 §7.3/§8.1.2 use_vmac: the virtual router MAC in the window is the previous master answering as the virtual router; after it, a second master", () => {
    const vmac = virtualRouterMac(4, VRID);
    const p = tookOver(vmac);
    expect(p.claim(T + 1, State.Master, 0, vmac, OLD_MASTER)).toBe(ClaimVerdict.Handover);
    expect(p.claim(T + WINDOW, State.Master, 0, vmac, OLD_MASTER)).toBe(ClaimVerdict.Report);
  });

  test("a new takeover opens a new window; claims between takeovers are judged by the last one", () => {
    const p = tookOver();
    expect(p.claim(T + WINDOW + 100, State.Master, 0, OLD_MASTER, OLD_MASTER)).toBe(ClaimVerdict.Report);
    const again = T + 60_000;
    p.becameMaster(again, WINDOW);
    expect(p.claim(again + 1, State.Master, 1, OLD_MASTER, OLD_MASTER)).toBe(ClaimVerdict.Handover);
  });

  test("outside MASTER nothing is a conflict, handover or not", () => {
    const p = tookOver();
    for (const st of NOT_MASTER) {
      expect(p.claim(T + 1, st, 0, OLD_MASTER, OLD_MASTER)).toBe(ClaimVerdict.Ignore);
      expect(p.claim(T + 1, st, 0, ROGUE, OLD_MASTER)).toBe(ClaimVerdict.Ignore);
    }
  });
});

describe("MAC numbers", () => {
  test("six bytes become one exact number (48 bits fit a double) and distinct MACs stay distinct", () => {
    expect(mac("00:00:00:00:00:01")).toBe(1);
    expect(mac("ff:ff:ff:ff:ff:ff")).toBe(2 ** 48 - 1);
    expect(mac("3e:ae:00:00:00:09")).toBe(0x3eae00000009);
    expect(mac("80:00:00:00:00:00")).not.toBe(mac("00:00:00:00:00:80"));
    expect(macNumber(Uint8Array.of(9, 9, 0x3e, 0xae, 0, 0, 0, 9), 2)).toBe(0x3eae00000009);
  });

  test("RFC 5798 §7.3: the virtual router MAC is 00-00-5E-00-01-{VRID} for IPv4 and 00-00-5E-00-02-{VRID} for IPv6", () => {
    expect(virtualRouterMac(4, VRID)).toBe(mac("00:00:5e:00:01:33"));
    expect(virtualRouterMac(6, 255)).toBe(mac("00:00:5e:00:02:ff"));
  });
});

describe("address changes of an instance's VIPs seen on rtnetlink", () => {
  test("a VIP deleted behind a master's back (VIPs installed) is restored", () => {
    expect(addressVerdict("del", State.Master, true)).toBe(AddressVerdict.Restore);
  });

  test("a VIP deleted while the instance does not hold its VIPs needs nothing", () => {
    expect(addressVerdict("del", State.Master, false)).toBe(AddressVerdict.None);
    for (const st of NOT_MASTER) {
      expect(addressVerdict("del", st, false)).toBe(AddressVerdict.None);
      expect(addressVerdict("del", st, true)).toBe(AddressVerdict.None);
    }
  });

  test("a VIP appearing while not master and not installed by us is foreign: report and remove it", () => {
    for (const st of NOT_MASTER) {
      expect(appearedIsForeign(st, false)).toBe(true);
      expect(addressVerdict("new", st, false)).toBe(AddressVerdict.RemoveForeign);
    }
  });

  test("a VIP appearing while master, or while our own VIPs are installed, is our own echo", () => {
    expect(addressVerdict("new", State.Master, true)).toBe(AddressVerdict.None);
    expect(addressVerdict("new", State.Master, false)).toBe(AddressVerdict.None);
    expect(appearedIsForeign(State.Master, false)).toBe(false);
    // leaving MASTER: the VIPs are still installed until RemoveVips is performed
    for (const st of NOT_MASTER) {
      expect(appearedIsForeign(st, true)).toBe(false);
      expect(addressVerdict("new", st, true)).toBe(AddressVerdict.None);
    }
  });
});
