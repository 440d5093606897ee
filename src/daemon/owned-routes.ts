// Routes and rules vigil owns on the box: an instance's virtual_routes/virtual_rules
// (installed with its VIPs on MASTER, removed on leaving MASTER and on exit) and
// the static_routes/static_rules (installed at start, removed on exit, as
// keepalived 2.2.7 does: measured). Either is put back when a notification says
// someone deleted it while it should be there.
//
// Lifetimes: an IPv6 route carries RTA_EXPIRES, refreshed like a VIP's valid_lft,
// so a killed or frozen vigil's IPv6 virtual routes go by themselves. The kernel
// has no lifetime for IPv4 routes nor for rules of either family: those stay
// until vigil removes them (a route through a VIP, or with a VIP as src, goes
// with that VIP when its lease runs out; a rule never does).
import { errorText } from "../error-text.ts";
import { Errno, SysError } from "../sys/errno.ts";
import { MessageBuilder } from "../sys/netlink/message.ts";
import type { NetlinkSocket } from "../sys/netlink/socket.ts";
import { getLink } from "../sys/rtnetlink/link.ts";
import {
  buildRoute, canonicalIP, deleteRoute, describeRoute, type Route, routeKey, type RouteSpec,
} from "../sys/rtnetlink/route.ts";
import { addRule, deleteRule, describeRule, ruleKey } from "../sys/rtnetlink/rule.ts";
import type { RuleSpec } from "./plan-routes.ts";
import { NLM_F_CREATE, NLM_F_REPLACE, RTM_NEWROUTE } from "../sys/abi.ts";
import type { RoutePlan } from "./plan-routes.ts";

type Log = (level: "info" | "warn" | "error", msg: string) => void;

/** One route with its request built once; an IPv6 one's expiry is patched in place on refresh (no allocation). */
class OwnedRoute {
  readonly spec: RouteSpec;
  readonly key: string;
  private msg: Uint8Array | null = null;
  private view: DataView | null = null;
  private op = "";
  private expiresAt = -1;

  constructor(readonly plan: RoutePlan, private readonly lifetimeSec: number) {
    this.spec = { ...plan.spec };
    this.key = routeKey({ ...this.spec, dst: canonicalIP(this.spec.dst) });
  }

  /** Resolves `dev` and builds the request; false (logged) when the interface is missing. */
  prepare(nl: NetlinkSocket, log: Log): boolean {
    if (this.plan.dev !== undefined) {
      try {
        this.spec.oif = getLink(nl, this.plan.dev).index;
      } catch {
        log("error", `${describeRoute("install", this.spec)}: interface ${this.plan.dev} does not exist`);
        return false;
      }
    }
    const b = new MessageBuilder(256);
    const expires = this.spec.family === 6 && this.lifetimeSec > 0 ? this.lifetimeSec : undefined;
    this.expiresAt = buildRoute(b, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, this.spec, expires);
    this.msg = b.finish().slice();
    this.view = new DataView(this.msg.buffer);
    this.op = describeRoute("replace", this.spec);
    return true;
  }

  /** `ip route replace` (IPv6 with a fresh expiry); throws SysError on refusal. */
  put(nl: NetlinkSocket): void {
    if (!this.msg) return;
    // the steady-state refresh allocates nothing: message, view and error text are built once
    if (this.expiresAt >= 0) this.view!.setUint32(this.expiresAt, this.lifetimeSec, true);
    nl.request(this.msg, this.op);
  }

  get expiring(): boolean {
    return this.expiresAt >= 0;
  }
}

export class OwnedRoutes {
  private readonly routes: OwnedRoute[];
  private readonly rules: Array<{ spec: RuleSpec; key: string }>;
  /** installed now (and so to be kept) */
  active = false;
  restores = 0;

  /** `lifetimeSec` 0: permanent (no IPv6 expiry) */
  constructor(routes: RoutePlan[], rules: RuleSpec[], lifetimeSec: number, private readonly nl: NetlinkSocket, private readonly log: Log, private readonly what: string) {
    this.routes = routes.map((r) => new OwnedRoute(r, lifetimeSec));
    this.rules = rules.map((spec) => ({ spec, key: ruleKey({ ...spec, ...(spec.src ? { src: canonPrefix(spec.src) } : {}), ...(spec.dst ? { dst: canonPrefix(spec.dst) } : {}) }) }));
  }

  get empty(): boolean {
    return this.routes.length === 0 && this.rules.length === 0;
  }

  install(): void {
    this.active = true;
    for (const r of this.routes) if (r.prepare(this.nl, this.log)) this.tryPut(r);
    for (const r of this.rules) this.tryRule(r.spec);
  }

  /** Extends the expiry of the IPv6 routes (the lease refresh); the others need nothing. */
  refresh(): void {
    if (!this.active) return;
    for (let i = 0; i < this.routes.length; i++) if (this.routes[i].expiring) this.tryPut(this.routes[i]);
  }

  remove(): void {
    this.active = false;
    for (const r of this.rules) {
      try {
        deleteRule(this.nl, r.spec);
      } catch (e) {
        this.log("error", `${this.what}: ${errorText(e)}`);
      }
    }
    for (const r of this.routes) {
      try {
        deleteRoute(this.nl, r.spec);
      } catch (e) {
        // gone already (expired, its interface or gateway address went, deleted by hand)
        if (!(e instanceof SysError && (e.errno === Errno.ESRCH || e.errno === Errno.ENODEV))) this.log("error", `${this.what}: ${errorText(e)}`);
      }
    }
  }

  /** A route deletion notification: ours, while it should be there, is put back. Returns true when restored. */
  routeDeleted(r: Route): boolean {
    if (!this.active) return false;
    const key = routeKey(r);
    const mine = this.routes.find((x) => x.key === key);
    if (!mine) return false;
    this.restores++;
    this.log("warn", `${this.what}: ${describeRoute("", mine.spec).trim()} was deleted; put back`);
    this.tryPut(mine);
    return true;
  }

  ruleDeleted(r: RuleSpec): boolean {
    if (!this.active) return false;
    const key = ruleKey(r);
    const mine = this.rules.find((x) => x.key === key);
    if (!mine) return false;
    this.restores++;
    this.log("warn", `${this.what}: ${describeRule("", mine.spec).trim()} was deleted; put back`);
    this.tryRule(mine.spec);
    return true;
  }

  /** After link/address changes: routes that needed an absent interface or source are tried again. */
  retry(): void {
    if (!this.active) return;
    for (const r of this.routes) if (r.prepare(this.nl, () => {})) this.tryPut(r);
  }

  private tryPut(r: OwnedRoute): void {
    try {
      r.put(this.nl);
    } catch (e) {
      this.log("error", `${this.what}: ${errorText(e)}`);
    }
  }

  private tryRule(spec: RuleSpec): void {
    try {
      addRule(this.nl, spec);
    } catch (e) {
      this.log("error", `${this.what}: ${errorText(e)}`);
    }
  }
}

function canonPrefix(p: string): string {
  const [a, l] = p.split("/");
  return `${canonicalIP(a!)}/${l}`;
}
