// static_ipaddress, static_routes and static_rules, as keepalived 2.2.7 runs them
// (measured in a namespace): installed at start, put back when deleted while
// vigil runs ("Restoring deleted static ..."), and removed when vigil exits.
// Static addresses are permanent (no lifetime): they are the box's own, not a
// VIP that another router may take over.
import { INFINITY_LIFE_TIME } from "../sys/abi.ts";
import { preferredSeconds } from "./address-options.ts";
import { errorText } from "../error-text.ts";
import { Errno, SysError } from "../sys/errno.ts";
import type { NetlinkSocket } from "../sys/netlink/socket.ts";
import { type AddressSpec, deleteAddress, replaceAddress, SCOPES } from "../sys/rtnetlink/address.ts";
import { getLink } from "../sys/rtnetlink/link.ts";
import type { Route } from "../sys/rtnetlink/route.ts";
import type { RuleSpec } from "./plan-routes.ts";
import { OwnedRoutes } from "./owned-routes.ts";
import type { StaticAddressPlan, StaticPlan } from "./plan-routes.ts";

type Log = (level: "info" | "warn" | "error", msg: string) => void;

export class StaticNetwork {
  private readonly owned: OwnedRoutes;
  /** addresses with their interface resolved at install (index 0: interface missing) */
  private addrs: Array<{ plan: StaticAddressPlan; spec: AddressSpec }> = [];

  constructor(readonly plan: StaticPlan, private readonly nl: NetlinkSocket, private readonly log: Log) {
    this.owned = new OwnedRoutes(plan.routes, plan.rules, 0, nl, log, "static");
  }

  get empty(): boolean {
    return this.plan.addresses.length === 0 && this.owned.empty;
  }

  get restores(): number {
    return this.owned.restores;
  }

  install(): void {
    this.addrs = this.plan.addresses.map((a) => ({ plan: a, spec: this.addressSpec(a) }));
    for (const a of this.addrs) this.putAddress(a.spec);
    // routes may need the addresses above (a gateway on their subnet, a src)
    this.owned.install();
  }

  remove(): void {
    this.owned.remove();
    for (const a of this.addrs) {
      if (!a.spec.index) continue;
      try {
        deleteAddress(this.nl, a.spec);
      } catch (e) {
        if (!(e instanceof SysError && (e.errno === Errno.EADDRNOTAVAIL || e.errno === Errno.ENODEV))) this.log("error", `static: ${errorText(e)}`);
      }
    }
    this.addrs = [];
  }

  /** An address deletion: a static one is put back (and the routes that went with it). */
  addressDeleted(index: number, address: string, prefix: number): void {
    const a = this.addrs.find((x) => x.spec.index === index && x.spec.address === address && x.spec.prefixlen === prefix);
    if (!a) return;
    this.log("warn", `static: address ${address}/${prefix} on ${a.plan.dev} was deleted; put back`);
    this.putAddress(a.spec);
    this.owned.retry();
  }

  routeDeleted(r: Route): boolean {
    return this.owned.routeDeleted(r);
  }

  ruleDeleted(r: RuleSpec): boolean {
    return this.owned.ruleDeleted(r);
  }

  /** A link appeared or came up: addresses whose interface was missing, and routes, are tried again. */
  linkChanged(): void {
    for (const a of this.addrs) {
      if (a.spec.index) continue;
      a.spec = this.addressSpec(a.plan);
      if (a.spec.index) this.putAddress(a.spec);
    }
    this.owned.retry();
  }

  private addressSpec(a: StaticAddressPlan): AddressSpec {
    let index = 0;
    try {
      index = getLink(this.nl, a.dev).index;
    } catch {
      this.log("error", `static: address ${a.address}/${a.prefix}: interface ${a.dev} does not exist (added when it appears)`);
    }
    const v6 = a.address.includes(":");
    const spec: AddressSpec = { index, address: a.address, prefixlen: a.prefix };
    if (!v6 && a.label) spec.label = a.label;
    if (a.scope) spec.scope = SCOPES[a.scope];
    if (!v6 && a.brd) spec.broadcast = a.brd;
    if (a.ifaFlags) spec.flags = a.ifaFlags;
    if (a.peer !== undefined) spec.peer = a.peer;
    // static addresses are permanent: a preferred_lft counts from when it is (re)added, as under keepalived
    if (a.preferredLft !== undefined) Object.assign(spec, { validLft: INFINITY_LIFE_TIME, preferredLft: preferredSeconds(a, INFINITY_LIFE_TIME, 0, 0) });
    return spec;
  }

  private putAddress(spec: AddressSpec): void {
    if (!spec.index) return;
    try {
      replaceAddress(this.nl, spec);
    } catch (e) {
      this.log("error", `static: ${errorText(e)}`);
    }
  }
}

/** The static set in effect in the VRRP worker: a changed set (init, reload) replaces the old one. */
export class StaticNetworkSlot {
  current: StaticNetwork | null = null;

  constructor(private readonly nl: NetlinkSocket, private readonly log: Log) {}

  set(plan: StaticPlan): void {
    if (this.current && JSON.stringify(this.current.plan) === JSON.stringify(plan)) return;
    this.current?.remove();
    this.current = new StaticNetwork(plan, this.nl, this.log);
    if (this.current.empty) this.current = null;
    else this.current.install();
  }
}
