// An instance's VIPs in the kernel: added with a finite lifetime that a healthy
// master keeps extending (docs/split-brain.md, defence 1), removed on
// leaving MASTER and at start (defence 2), with the virtual routes and rules that
// follow them. It performs; what an address change means is vrrp/vip-conflict.ts's call.
import { errorText } from "../error-text.ts";
import { INFINITY_LIFE_TIME } from "../sys/abi.ts";
import { preferredSeconds } from "./address-options.ts";
import { Errno, SysError } from "../sys/errno.ts";
import type { NetlinkSocket } from "../sys/netlink/socket.ts";
import { AddressLease } from "../sys/rtnetlink/address-lease.ts";
import { type AddressSpec, deleteAddress, listAddresses, replaceAddress, SCOPES } from "../sys/rtnetlink/address.ts";
import { formatIP, parseIP } from "../net/ip-address.ts";
import type { InstancePlan, VipPlan } from "./plan.ts";
import { OwnedRoutes } from "./owned-routes.ts";

type Log = (level: "debug" | "info" | "warn" | "error", msg: string) => void;

/** Refresh a VIP's lease this often (ms) while master: three renewals per lifetime, at most 1 s apart. */
export function leaseRefreshMs(lifetimeMs: number): number {
  return Math.max(10, Math.min(1000, Math.floor(lifetimeMs / 3)));
}

function vipSpec(v: VipPlan): AddressSpec {
  const spec: AddressSpec = { index: v.ifindex, address: v.address, prefixlen: v.prefix };
  if (v.family === 4 && v.label) spec.label = v.label;
  if (v.scope) spec.scope = SCOPES[v.scope];
  if (v.family === 4 && v.brd) spec.broadcast = v.brd;
  // nodad (IPv6, unless -nodad), home, noprefixroute, ... (address-options.ts)
  if (v.ifaFlags) spec.flags = v.ifaFlags;
  // keepalived `peer`: renewals and the deletion name it too (an IPv4 RTM_DELADDR must match IFA_ADDRESS)
  if (v.peer !== undefined) spec.peer = v.peer;
  return spec;
}

/** `address` as bytes if decodeAddress would give exactly this text for them (addressChanged compares text), else null. */
function notifiedBytes(address: string): Uint8Array | null {
  try {
    const { bytes } = parseIP(address);
    return formatIP(bytes) === address ? bytes : null;
  } catch {
    return null;
  }
}

export class VipLeases {
  /** each of `vips` as bytes when its text is the one decodeAddress gives for them (else it never matches a notification) */
  private readonly notified: Array<Uint8Array | null>;
  private readonly leases: AddressLease[] = [];
  /** lease lifetime in seconds; 0 = permanent addresses (vip lifetime "permanent") */
  private readonly lifetimeSec: number;
  readonly refreshEveryMs: number;
  nextRefreshAt = Infinity;
  /** the VIPs are in the kernel by our doing (from AddVips until RemoveVips) */
  installed = false;
  /** when install() last added the VIPs: their preferred_lft counts from then */
  private installedAt = 0;
  /** VIP leases renewed (each VIP added or its lifetime extended counts one) */
  renewals = 0;
  /** virtual_routes and virtual_rules */
  readonly routes: OwnedRoutes;

  private readonly name: string;

  /** `vips`: the plan's VIPs with the vmac's ifindex filled in (use_vmac). */
  constructor(plan: InstancePlan, readonly vips: VipPlan[], private readonly nl: NetlinkSocket, private readonly log: Log) {
    this.name = plan.name;
    this.lifetimeSec = plan.vipLifetimeMs === "permanent" ? 0 : Math.max(1, Math.ceil(plan.vipLifetimeMs / 1000));
    this.refreshEveryMs = plan.vipLifetimeMs === "permanent" ? Infinity : leaseRefreshMs(plan.vipLifetimeMs);
    // virtual_routes/virtual_rules follow the VIPs; IPv6 routes expire with the VIPs' lifetime
    this.routes = new OwnedRoutes(plan.routes, plan.rules, this.lifetimeSec, nl, log, plan.name);
    this.notified = vips.map((v) => notifiedBytes(v.address));
    for (const v of vips) this.leases.push(new AddressLease({ ...vipSpec(v), validLft: this.lifetimeSec || 1 }));
  }

  /** docs/split-brain.md defence 2: on start, VIPs of this instance left on the box (by a dead predecessor) go. */
  removeStale(): void {
    const present = listAddresses(this.nl);
    for (const v of this.vips) {
      if (present.some((a) => a.index === v.ifindex && a.address === v.address && a.prefixlen === v.prefix)) {
        this.delete(v);
        this.log("warn", `${this.name}: removed stale VIP ${v.address}/${v.prefix} from ${v.dev} at start`);
      }
    }
  }

  install(now: number): void {
    // preferred_lft counts from here, as from keepalived's one RTM_NEWADDR on becoming master
    this.installedAt = now;
    this.leases.forEach((l, k) => {
      const v = this.vips[k]!;
      try {
        if (this.lifetimeSec) l.renew(this.nl, this.lifetimeSec, preferredSeconds(v, this.lifetimeSec, now, now));
        else if (v.preferredLft === undefined) replaceAddress(this.nl, { ...l.spec, validLft: undefined, preferredLft: undefined });
        else replaceAddress(this.nl, { ...l.spec, validLft: INFINITY_LIFE_TIME, preferredLft: preferredSeconds(v, INFINITY_LIFE_TIME, now, now) });
        this.renewals++;
      } catch (e) {
        this.log("error", `${this.name}: ${errorText(e)}`);
      }
    });
    this.installed = true;
    this.nextRefreshAt = now + this.refreshEveryMs;
    // after the VIPs: a route may use one as its source or reach its gateway through one
    if (!this.routes.empty) this.routes.install();
  }

  /** docs/split-brain.md defence 1: a healthy master keeps extending the VIPs' kernel lifetime. */
  refresh(now: number): void {
    if (!this.installed || !this.lifetimeSec) {
      this.nextRefreshAt = Infinity;
      return;
    }
    for (let k = 0; k < this.leases.length; k++) {
      try {
        this.leases[k]!.renew(this.nl, this.lifetimeSec, preferredSeconds(this.vips[k]!, this.lifetimeSec, this.installedAt, now));
        this.renewals++;
      } catch (e) {
        this.log("error", `${this.name}: ${errorText(e)}`);
      }
    }
    this.routes.refresh();
    this.nextRefreshAt = now + this.refreshEveryMs;
  }

  delete(v: VipPlan): void {
    try {
      deleteAddress(this.nl, vipSpec(v));
    } catch (e) {
      // already gone (expired, or removed by hand) is the state we want
      if (!(e instanceof SysError && (e.errno === Errno.EADDRNOTAVAIL || e.errno === Errno.ENODEV))) {
        this.log("error", `${this.name}: ${errorText(e)}`);
      }
    }
  }

  remove(): void {
    if (this.routes.active) this.routes.remove();
    for (const v of this.vips) this.delete(v);
    this.installed = false;
    this.nextRefreshAt = Infinity;
  }

  /** The VIP an rtnetlink address notification is about, if it is one of ours. */
  find(index: number, address: string, prefix: number): VipPlan | undefined {
    return this.vips.find((x) => x.ifindex === index && x.address === address && x.prefix === prefix);
  }

  /** Whether bytes[off, off + len) on `index` with `prefix` is one of our VIPs, as find() would say. Allocation-free. */
  has(index: number, prefix: number, bytes: Uint8Array, off: number, len: number): boolean {
    for (let i = 0; i < this.vips.length; i++) {
      const v = this.vips[i];
      const b = this.notified[i];
      if (b === null || v.ifindex !== index || v.prefix !== prefix || b.length !== len) continue;
      let same = true;
      for (let k = 0; k < len && same; k++) same = b[k] === bytes[off + k];
      if (same) return true;
    }
    return false;
  }
}
