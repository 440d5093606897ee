// keepalived 2.2.7's static track groups: `track_group NAME { group { ... } }` and
// the `track_group NAME` option of static_ipaddress / static_routes / static_rules
// lines (vrrp_static_track.c). Read as keepalived reads them, through
// keepalived.conf, JSON and CBOR unchanged, checked as keepalived checks them, and
// what the daemon's plan makes of them: the members track the entries' interfaces.
import { expect, test } from "bun:test";
import { configToCbor, readCbor } from "../../../src/config/config-cbor.ts";
import { formatDiagnostic } from "../../../src/config/diagnostics.ts";
import { configToJson, readJson } from "../../../src/config/json.ts";
import { writeKeepalived } from "../../../src/config/keepalived-writer.ts";
import { staticTrackedInterfaces } from "../../../src/config/track-groups.ts";
import { configPlans } from "../../../src/daemon/plan.ts";
import { read, ok, instance } from "./read-text.ts";

const text = `track_group TG {
  group {
    VI_1 VI_2
  }
}
track_group TH {
  group {
    VI_2
  }
}
static_ipaddress {
  198.18.70.1/24 dev trk1 track_group TG
  198.18.72.1/24 dev eth1
}
static_routes {
  198.18.71.0/24 via 198.18.70.254 dev trk2 track_group TH
}
static_rules {
  from 198.18.61.0/24 iif trk3 table 101 priority 2000 track_group TG
}
${instance("VI_1", 1)}${instance("VI_2", 2)}${instance("VI_3", 3)}`;

test("track_group blocks and the static entries naming them are read as written", () => {
  const c = ok(read(text), "read");
  expect(c.trackGroups).toEqual([{ name: "TG", group: ["VI_1", "VI_2"] }, { name: "TH", group: ["VI_2"] }]);
  expect(c.staticIpaddress.map((a) => a.trackGroup)).toEqual(["TG", undefined]);
  expect(c.staticRoutes[0]!.trackGroup).toBe("TH");
  expect(c.staticRules[0]!.trackGroup).toBe("TG");
});

test("through keepalived.conf (groups written before the static entries that name them), JSON and CBOR unchanged", () => {
  const c = ok(read(text), "read");
  const kc = writeKeepalived(c);
  expect(kc.indexOf("track_group TH {")).toBeLessThan(kc.indexOf("static_ipaddress {"));
  expect(kc).toContain("198.18.70.1/24 dev trk1 track_group TG");
  expect(ok(read(kc), "keepalived")).toEqual(c);
  expect(ok(readJson(configToJson(c)), "json")).toEqual(c);
  expect(ok(readCbor(configToCbor(c)), "cbor")).toEqual(c);
});

test("each member tracks the interfaces of the static entries naming its groups: address dev, route dev, rule iif (as a weight-0 track_interface)", () => {
  const c = ok(read(text), "read");
  expect(Object.fromEntries(staticTrackedInterfaces(c))).toEqual({ VI_1: ["trk1", "trk3"], VI_2: ["trk1", "trk2", "trk3"] });
  const plans = configPlans(c).plans;
  const tracked = (n: string) => plans.find((p) => p.name === n)!.trackInterfaces;
  expect(tracked("VI_1")).toEqual([{ name: "trk1", ifindex: 0 }, { name: "trk3", ifindex: 0 }]);
  expect(tracked("VI_3")).toEqual([]);
});

test("keepalived's rules: a group defined twice is an error; an unknown group, an unknown member, an empty group are warnings (keepalived runs without them)", () => {
  const r = read(`track_group TG {\n  group {\n    VI_9\n  }\n}\ntrack_group TG {\n  group {\n    VI_1\n  }\n}\nstatic_ipaddress {\n  198.18.70.1/24 dev trk1 track_group NOPE\n}\n${instance("VI_1", 1)}`);
  expect(r.errors.map((d) => formatDiagnostic(d))).toEqual(["/t/k.conf:6:13: error: track_group TG is defined twice (at 'track_group TG {')"]);
  expect(r.warnings.map((d) => formatDiagnostic(d))).toEqual([
    "/t/k.conf:1:1: warning: track_group TG has no VRRP instance: it tracks nothing (keepalived removes it) (at 'track_group TG {')",
    "/t/k.conf:3:5: warning: vrrp instance VI_9 specified in track group TG doesn't exist - ignoring (as keepalived) (at 'group {')",
    "/t/k.conf:12:39: warning: track_group NOPE not found: this static address is not tracked (keepalived 2.2.7 says the same and runs without it) (at '198.18.70.1/24 dev trk1 track_group NOPE')",
  ]);
});

test("track_group on a virtual route or rule is refused at its file:line:col, as keepalived's parser refuses it", () => {
  const r = read(instance("VI_1", 1, "  virtual_routes {\n    198.18.71.0/24 dev eth0 track_group TG\n  }\n"));
  expect(r.errors.map((d) => formatDiagnostic(d))).toEqual([expect.stringMatching(/^\/t\/k\.conf:9:\d+: error: track_group is only valid on static_routes entries/)]);
  expect(read("track_group {\n}\n").errors.map((d) => formatDiagnostic(d))).toEqual([expect.stringMatching(/^\/t\/k\.conf:1:1: error: 'track_group' needs exactly one name, got 0/)]);
});

test("track_group on a virtual address is ignored with a warning at its file:line:col, as keepalived ignores it", () => {
  const r = read(`track_group TG {\n  group {\n    VI_1\n  }\n}\n${instance("VI_1", 1).replace("    198.18.5.1\n", "    198.18.5.1 track_group TG\n")}`);
  expect(r.errors).toEqual([]);
  expect(r.warnings.map((d) => formatDiagnostic(d))).toContainEqual(expect.stringMatching(/^\/t\/k\.conf:11:16: warning: 'track_group' is only valid on static_ipaddress entries/));
  expect(r.config!.instances[0]!.virtualIpaddress[0]!.trackGroup).toBeUndefined();
});
