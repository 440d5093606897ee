import { describe, expect, test } from "bun:test";
import { State } from "../../../src/vrrp/actions.ts";
import {
  AddressVerdict,
  addressVerdict,
  appearedIsForeign,
  ClaimPolicy,
  ClaimVerdict,
  CONFLICT_REPORT_GAP_MS,
} from "../../../src/vrrp/vip-conflict.ts";

const NOT_MASTER = [State.Initialize, State.Backup, State.Fault];

describe("foreign ARP/NA claims on a VIP", () => {
  test("only a master's VIP can be contested: a claim heard in INIT, BACKUP or FAULT is not a conflict", () => {
    const p = new ClaimPolicy(1);
    for (const st of NOT_MASTER) expect(p.claim(0, st, 0)).toBe(ClaimVerdict.Ignore);
    // an ignored claim does not start the rate-limit window
    expect(p.claim(1, State.Master, 0)).toBe(ClaimVerdict.Report);
  });

  test("a master reports the first claim on a VIP and counts further ones for CONFLICT_REPORT_GAP_MS without reporting", () => {
    const p = new ClaimPolicy(1);
    expect(p.claim(5000, State.Master, 0)).toBe(ClaimVerdict.Report);
    expect(p.claim(5001, State.Master, 0)).toBe(ClaimVerdict.Count);
    expect(p.claim(5000 + CONFLICT_REPORT_GAP_MS - 0.5, State.Master, 0)).toBe(ClaimVerdict.Count);
    expect(p.claim(5000 + CONFLICT_REPORT_GAP_MS, State.Master, 0)).toBe(ClaimVerdict.Report);
  });

  test("the rate limit is per VIP: a claim on another VIP is reported at once", () => {
    const p = new ClaimPolicy(2);
    expect(p.claim(0, State.Master, 0)).toBe(ClaimVerdict.Report);
    expect(p.claim(10, State.Master, 1)).toBe(ClaimVerdict.Report);
    expect(p.claim(20, State.Master, 0)).toBe(ClaimVerdict.Count);
    expect(p.claim(30, State.Master, 1)).toBe(ClaimVerdict.Count);
  });

  test("the report gap is a parameter (time in, verdict out; no clock is read)", () => {
    const p = new ClaimPolicy(1, 50);
    expect(p.claim(100, State.Master, 0)).toBe(ClaimVerdict.Report);
    expect(p.claim(149, State.Master, 0)).toBe(ClaimVerdict.Count);
    expect(p.claim(150, State.Master, 0)).toBe(ClaimVerdict.Report);
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
