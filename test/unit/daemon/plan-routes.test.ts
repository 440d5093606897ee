// Routes and rules from the model to rtnetlink specs, with keepalived 2.2.7's defaults.
import { describe, expect, test } from "bun:test";
import { KEEPALIVED_RULE_PRIORITY, ownsRoutes, routePlan, rulePlan, staticPlan } from "../../../src/daemon/plan-routes.ts";
import { readKeepalived } from "../../../src/config/keepalived-reader.ts";
import { memorySource } from "../../../src/config/source.ts";
import { readKeepalivedText } from "./plan-helpers.ts";
import { RT_SCOPE_LINK, RT_SCOPE_UNIVERSE, RT_TABLE_MAIN, RTN_BLACKHOLE, RTN_UNICAST, RTPROT_KEEPALIVED } from "../../../src/sys/rtnetlink/route.ts";
import { FR_ACT_PROHIBIT, FR_ACT_TO_TBL } from "../../../src/sys/rtnetlink/rule.ts";

describe("route specs", () => {
  test("a directly attached route (no via) is link scope, one through a gateway universe, as `ip route` picks; table main by default", () => {
    expect(routePlan({ type: "unicast", to: "198.18.51.0/24", dev: "eth0", onlink: false })).toEqual({
      dev: "eth0", spec: { family: 4, dst: "198.18.51.0", dstLen: 24, type: RTN_UNICAST, table: RT_TABLE_MAIN, protocol: RTPROT_KEEPALIVED, scope: RT_SCOPE_LINK },
    });
    expect(routePlan({ type: "unicast", to: "198.18.50.0/24", via: "198.18.0.254", metric: 10, table: 100, onlink: true }).spec).toMatchObject({ scope: RT_SCOPE_UNIVERSE, gateway: "198.18.0.254", metric: 10, table: 100, onlink: true });
    expect(routePlan({ type: "blackhole", to: "198.18.52.0/24", onlink: false }).spec).toMatchObject({ type: RTN_BLACKHOLE, scope: RT_SCOPE_UNIVERSE });
  });
  test("protocol is keepalived's 18 whatever the config says (keepalived 2.2.7 resets it)", () => {
    expect(routePlan({ type: "unreachable", to: "fd00:61::/64", protocol: 4, onlink: false }).spec.protocol).toBe(RTPROT_KEEPALIVED);
  });
});

describe("rule specs", () => {
  test("a rule without priority gets keepalived's 16384; a table is a lookup, an action is the action", () => {
    expect(rulePlan({ family: 4, from: "198.18.50.0/24", table: 100, invert: false })).toEqual({ family: 4, src: "198.18.50.0/24", table: 100, action: FR_ACT_TO_TBL, priority: KEEPALIVED_RULE_PRIORITY, protocol: RTPROT_KEEPALIVED });
    expect(rulePlan({ family: 6, action: "prohibit", priority: 5, invert: true, fwmark: 7 })).toEqual({ family: 6, action: FR_ACT_PROHIBIT, priority: 5, invert: true, fwmark: 7, protocol: RTPROT_KEEPALIVED });
  });
});

test("keepalived default_interface: a static_ipaddress without dev goes there, else on eth0 (warned), as keepalived", () => {
  const text = (g: string) => `global_defs {\n${g}\n}\nstatic_ipaddress {\n 198.18.60.1/24\n 198.18.61.1/24 dev lan0\n}\n`;
  const withDefault = readKeepalivedText(text(" default_interface wan0"));
  expect(staticPlan(withDefault).addresses.map((a) => a.dev)).toEqual(["wan0", "lan0"]);
  const r = readKeepalived("/t/k.conf", memorySource({ "/t/k.conf": text("") }));
  expect(staticPlan(r.config!).addresses.map((a) => a.dev)).toEqual(["eth0", "lan0"]);
  expect(r.warnings.map((w) => w.message)).toEqual(["static_ipaddress without 'dev' goes on eth0 (keepalived's default_interface default)"]);
});

describe("route monitoring", () => {
  const none = { addresses: [], routes: [], rules: [] };
  const route = routePlan({ type: "unicast", to: "198.18.51.0/24", dev: "eth0", onlink: false });
  const rule = rulePlan({ family: 4, from: "198.18.50.0/24", table: 100, invert: false });
  test("the worker hears route and rule deletions only when an instance or the static set owns a route or a rule", () => {
    expect(ownsRoutes([{ routes: [], rules: [] }], none)).toBe(false);
    expect(ownsRoutes([], none)).toBe(false);
    expect(ownsRoutes([{ routes: [], rules: [] }, { routes: [route], rules: [] }], none)).toBe(true);
    expect(ownsRoutes([{ routes: [], rules: [rule] }], none)).toBe(true);
    expect(ownsRoutes([], { ...none, routes: [route] })).toBe(true);
    expect(ownsRoutes([], { ...none, rules: [rule] })).toBe(true);
  });
  test("static addresses alone need no route monitoring", () => {
    expect(ownsRoutes([], { ...none, addresses: [{ address: "198.18.0.9", prefix: 24, dev: "eth0", ifaFlags: 0 }] })).toBe(false);
  });
});
