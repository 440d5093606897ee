// Split-brain defence, the decisions: which claims on our VIPs count as a conflict,
// how often one is reported, and what an address change seen on rtnetlink means
// for an instance. Pure: state and time in, a verdict out. Recognising a claim in
// a received ARP / NA frame is net/conflict.ts; sending probes, deleting and
// re-adding addresses is the daemon's.
import { State } from "./actions.ts";

/** At most one conflict event per VIP per this long (a flapping rogue host must not flood the fleet). */
export const CONFLICT_REPORT_GAP_MS = 1000;

/** What to do with one foreign ARP/NA claim on one of our VIPs. */
export enum ClaimVerdict {
  /** not a conflict: only a master's VIP can be contested (a backup hearing the master's GARP is normal) */
  Ignore = 0,
  /** a conflict, counted; already reported for this VIP less than CONFLICT_REPORT_GAP_MS ago */
  Count = 1,
  /** a conflict, counted and reported */
  Report = 2,
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

/** The verdict on an address change of one of our VIPs (split-brain rules 1 and 4). */
export function addressVerdict(op: "new" | "del", state: State, vipsInstalled: boolean): AddressVerdict {
  if (op === "del") return state === State.Master && vipsInstalled ? AddressVerdict.Restore : AddressVerdict.None;
  return appearedIsForeign(state, vipsInstalled) ? AddressVerdict.RemoveForeign : AddressVerdict.None;
}

/** Per-VIP conflict rate limit of one instance; allocation-free per claim. */
export class ClaimPolicy {
  private readonly lastReportAt: Float64Array;

  constructor(vipCount: number, private readonly gapMs = CONFLICT_REPORT_GAP_MS) {
    this.lastReportAt = new Float64Array(vipCount).fill(-Infinity);
  }

  /** A foreign host claims VIP `vip` at `now` (ms, monotonic) while the instance is in `state`. */
  claim(now: number, state: State, vip: number): ClaimVerdict {
    if (state !== State.Master) return ClaimVerdict.Ignore;
    if (now - this.lastReportAt[vip] < this.gapMs) return ClaimVerdict.Count;
    this.lastReportAt[vip] = now;
    return ClaimVerdict.Report;
  }
}
