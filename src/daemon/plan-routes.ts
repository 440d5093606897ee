// Routes, rules and static addresses from the config model to what the VRRP
// worker installs: rtnetlink specs with keepalived's defaults (protocol 18 =
// RTPROT_KEEPALIVED, table main, rule priority 16384 when none is given, as
// keepalived does). Pure; interface names are resolved to indexes when installed.
import { addressOptions, type AddressOptions } from "./address-options.ts";
import type { IpRoute, IpRule, VirtualIpAddress } from "../config/model.ts";
import { SCOPES } from "../sys/rtnetlink/address.ts";
import {
  ROUTE_TYPES, RT_SCOPE_HOST, RT_SCOPE_LINK, RT_SCOPE_UNIVERSE, RT_TABLE_MAIN, RTPROT_KEEPALIVED, type RouteSpec,
} from "../sys/rtnetlink/route.ts";
import { FR_ACT_TO_TBL, RULE_ACTIONS } from "../sys/rtnetlink/rule.ts";

/** A route to install: its kernel spec, and the interface name its `dev` resolves to (oif). */
export interface RoutePlan {
  spec: RouteSpec;
  dev?: string;
}

export interface StaticAddressPlan extends AddressOptions {
  address: string;
  prefix: number;
  dev: string;
  label?: string;
  scope?: VirtualIpAddress["scope"];
  brd?: string;
}

/** A policy routing rule as the plan asks for it (sys/rtnetlink/rule.ts encodes it as RTM_NEWRULE/DELRULE). */
export interface RuleSpec {
  family: 4 | 6;
  /** source prefix "ADDRESS/LEN" */
  src?: string;
  dst?: string;
  /** FR_ACT_* */
  action: number;
  /** with FR_ACT_TO_TBL */
  table?: number;
  priority: number;
  iif?: string;
  oif?: string;
  fwmark?: number;
  fwmask?: number;
  invert?: boolean;
  protocol?: number;
}

/** static_ipaddress, static_routes, static_rules: installed at start, kept, removed on exit. */
export interface StaticPlan {
  addresses: StaticAddressPlan[];
  routes: RoutePlan[];
  rules: RuleSpec[];
}

/** keepalived: "Rule has no preference specified - setting to 16384" */
export const KEEPALIVED_RULE_PRIORITY = 16384;

export function routePlan(r: IpRoute): RoutePlan {
  const [dst, len] = r.to.split("/");
  const family: 4 | 6 = dst!.includes(":") ? 6 : 4;
  // the kernel's defaults, as `ip route` picks them: link scope for a directly attached
  // unicast route (no gateway), universe otherwise; host for a blackhole-like type is wrong
  const scope = r.scope !== undefined ? SCOPES[r.scope]! : r.type === "unicast" && r.via === undefined ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE;
  const spec: RouteSpec = {
    family, dst: dst!, dstLen: Number(len), type: ROUTE_TYPES[r.type]!, table: r.table ?? RT_TABLE_MAIN,
    // keepalived 2.2.7 resets a route's protocol to its own unless no_track (measured with -t)
    protocol: RTPROT_KEEPALIVED, scope: family === 6 && scope !== RT_SCOPE_HOST ? RT_SCOPE_UNIVERSE : scope,
  };
  if (r.via !== undefined) spec.gateway = r.via;
  if (r.src !== undefined) spec.prefsrc = r.src;
  if (r.metric !== undefined) spec.metric = r.metric;
  if (r.onlink) spec.onlink = true;
  return r.dev !== undefined ? { spec, dev: r.dev } : { spec };
}

export function rulePlan(r: IpRule): RuleSpec {
  const spec: RuleSpec = {
    family: r.family,
    action: r.action !== undefined ? RULE_ACTIONS[r.action]! : FR_ACT_TO_TBL,
    priority: r.priority ?? KEEPALIVED_RULE_PRIORITY,
    protocol: RTPROT_KEEPALIVED,
  };
  if (r.table !== undefined) spec.table = r.table;
  if (r.from !== undefined) spec.src = r.from;
  if (r.to !== undefined) spec.dst = r.to;
  if (r.iif !== undefined) spec.iif = r.iif;
  if (r.oif !== undefined) spec.oif = r.oif;
  if (r.fwmark !== undefined) spec.fwmark = r.fwmark;
  if (r.fwmask !== undefined) spec.fwmask = r.fwmask;
  if (r.invert) spec.invert = true;
  return spec;
}

export function staticPlan(cfg: { global: { defaultInterface?: string }; staticIpaddress: VirtualIpAddress[]; staticRoutes: IpRoute[]; staticRules: IpRule[] }): StaticPlan {
  return {
    addresses: cfg.staticIpaddress.map((v) => ({
      // keepalived: an address without dev goes on default_interface, else eth0
      address: v.address, prefix: v.prefix, dev: v.dev ?? cfg.global.defaultInterface ?? "eth0",
      ...(v.label !== undefined ? { label: v.label } : {}),
      ...(v.scope !== undefined ? { scope: v.scope } : {}),
      ...(v.brd !== undefined ? { brd: v.brd } : {}),
      ...addressOptions(v, v.address.includes(":") ? 6 : 4),
    })),
    routes: cfg.staticRoutes.map(routePlan),
    rules: cfg.staticRules.map(rulePlan),
  };
}

/**
 * Whether anything owns routes or rules: the VRRP worker's monitor then hears
 * route and rule deletions (to put an owned one back); otherwise it need not wake
 * for the box's every route change.
 */
export function ownsRoutes(plans: ReadonlyArray<{ routes: unknown[]; rules: unknown[] }>, statics: StaticPlan): boolean {
  return statics.routes.length > 0 || statics.rules.length > 0 || plans.some((p) => p.routes.length > 0 || p.rules.length > 0);
}
