// Split-brain defence, the decisions (docs/split-brain.md, defences 4 and 5):
// which claims on our VIPs count as a conflict, how often one is reported, and
// what an address change seen on rtnetlink means for an instance. Pure: state,
// time and the handover's facts in, a verdict out. Recognising a claim in a
// received ARP / NA frame is net/conflict.ts; sending probes, deleting and
// re-adding addresses is the daemon's.
import { State } from "./actions.ts";
import { masterDownInterval } from "./timing.ts";

/** At most one conflict event per VIP per this long (a flapping rogue host must not flood the fleet). */
export const CONFLICT_REPORT_GAP_MS = 1000;

/**
 * A MAC address as a number (48 bits fit a double exactly), so the receive path
 * keeps one without allocating. NO_MAC: none known.
 */
export const NO_MAC = -1;

/** The 6 bytes at buf[off] as a MAC number. */
export function macNumber(buf: Uint8Array, off: number): number {
  return ((((buf[off] * 256 + buf[off + 1]) * 256 + buf[off + 2]) * 256 + buf[off + 3]) * 256 + buf[off + 4]) * 256 + buf[off + 5];
}

/** RFC 5798 §7.3: the virtual router MAC, 00-00-5E-00-01-{VRID} (IPv4) or 00-00-5E-00-02-{VRID} (IPv6). */
export function virtualRouterMac(family: 4 | 6, vrid: number): number {
  return 0x00005e000000 + (family === 4 ? 0x100 : 0x200) + vrid;
}

/**
 * How long after our takeover the previous master may still claim the VIPs: one
 * Master_Down_Interval (RFC 5798 §6.1 / RFC 3768 §6.1) with the interval we
 * learned from it. It steps down as soon as it hears our first advert (RFC 5798
 * §6.4.3: a master hearing a higher priority goes to Backup), but frames it sent
 * or its kernel answered before then (the reply to our takeover probe, its last
 * GARP) reach us after we became master.
 */
export function handoverWindowMs(version: 2 | 3, priority: number, masterAdverIntMs: number): number {
  return masterDownInterval(version, priority, masterAdverIntMs);
}

/** What to do with one foreign ARP/NA claim on one of our VIPs. */
export enum ClaimVerdict {
  /** not a conflict: only a master's VIP can be contested (a backup hearing the master's GARP is normal) */
  Ignore = 0,
  /** a conflict, counted; already reported for this VIP less than CONFLICT_REPORT_GAP_MS ago */
  Count = 1,
  /** a conflict, counted and reported */
  Report = 2,
  /**
   * not a conflict (yet): the previous master's own traffic inside the handover
   * window. Whether the claim outlives the handover is asked again at
   * ClaimPolicy.handoverEndsAt (the daemon re-probes then).
   */
  Handover = 3,
}

/** What an RTM_NEWADDR / RTM_DELADDR for one of an instance's VIPs asks of it. */
export enum AddressVerdict {
  /** nothing: the change is the instance's own doing, or harmless */
  None = 0,
  /** a VIP was deleted behind a master's back: put it back at once (keepalived never does) */
  Restore = 1,
  /** a VIP appeared while the instance does not hold its VIPs: someone else put it here; report and remove it */
  RemoveForeign = 2,
}

/**
 * Whether one of our VIPs appearing on the box is foreign: it is unless we are
 * master or hold the VIPs ourselves (our own installs and lease renewals echo back).
 */
export function appearedIsForeign(state: State, vipsInstalled: boolean): boolean {
  return state !== State.Master && !vipsInstalled;
}

/** The verdict on an address change of one of our VIPs (docs/split-brain.md, defence 5). */
export function addressVerdict(op: "new" | "del", state: State, vipsInstalled: boolean): AddressVerdict {
  if (op === "del") return state === State.Master && vipsInstalled ? AddressVerdict.Restore : AddressVerdict.None;
  return appearedIsForeign(state, vipsInstalled) ? AddressVerdict.RemoveForeign : AddressVerdict.None;
}

/**
 * Which claims of one instance count, and the per-VIP report rate limit;
 * allocation-free per claim and per advert.
 *
 * A claim counts only when it outlives the handover: it comes after the previous
 * master's step-down window (handoverWindowMs after we became master), or from a
 * MAC that is neither the previous master's nor the virtual router's. The previous
 * master is the router whose adverts for our VRID we heard last (the caller keeps
 * that fact): without use_vmac the Ethernet source of its adverts is its own MAC,
 * the one its ARP replies and NAs carry.
 * With use_vmac both routers send as 00-00-5E-00-01-{VRID} (RFC 5798 §7.3, §8.1.2:
 * the master answers ARP with the virtual MAC), so that MAC names whoever is master
 * and, in the window, is the previous one; after it, another host using our
 * virtual MAC is a second master.
 */
export class ClaimPolicy {
  private readonly lastReportAt: Float64Array;
  /** end of the previous master's step-down window (ms, monotonic); -Infinity before any takeover */
  handoverEndsAt = -Infinity;

  /** `virtualMac`: the VRID's virtualRouterMac, or NO_MAC. */
  constructor(
    vipCount: number,
    private readonly virtualMac = NO_MAC,
    private readonly gapMs = CONFLICT_REPORT_GAP_MS,
  ) {
    this.lastReportAt = new Float64Array(vipCount).fill(-Infinity);
  }

  /** We became master at `now`; the previous master has `windowMs` (handoverWindowMs) to step down. */
  becameMaster(now: number, windowMs: number): void {
    this.handoverEndsAt = now + windowMs;
  }

  /**
   * Host `mac` claims VIP `vip` at `now` (ms, monotonic) while the instance is in
   * `state`; `previousMaster` is the Ethernet source of the last advert for our
   * VRID heard from another router (NO_MAC: none). A claim the policy attributes
   * to the handover is neither counted nor reported, nor does it start the
   * rate-limit window.
   */
  claim(now: number, state: State, vip: number, mac: number, previousMaster: number): ClaimVerdict {
    if (state !== State.Master) return ClaimVerdict.Ignore;
    if (now < this.handoverEndsAt && mac !== NO_MAC && (mac === previousMaster || mac === this.virtualMac)) {
      return ClaimVerdict.Handover;
    }
    if (now - this.lastReportAt[vip] < this.gapMs) return ClaimVerdict.Count;
    this.lastReportAt[vip] = now;
    return ClaimVerdict.Report;
  }
}
