// --dry-run's config diff (src/fleet/rollout/config-diff.ts) and the redaction
// both sides get before it (src/fleet/redact.ts).
import { describe, expect, test } from "bun:test";
import { defaultFleet, defaultInstance, defaultRealServer, defaultVirtualServer, emptyConfig, type Config } from "../../../../src/config/model.ts";
import { describeChange, diffConfigs } from "../../../../src/fleet/rollout/config-diff.ts";
import { redactSecrets, REDACTED } from "../../../../src/fleet/redact.ts";

function base(): Config {
  const c = emptyConfig();
  c.instances.push({ ...defaultInstance("VI_1"), interface: "eth0", virtualRouterId: 51, virtualIpaddress: [{ address: "198.18.0.100", prefix: 32 }] });
  c.virtualServers.push({ ...defaultVirtualServer(), ip: "198.18.0.100", port: 80, realServers: [defaultRealServer("198.18.0.21", 80), defaultRealServer("198.18.0.22", 80)] });
  return c;
}
const lines = (a: Config, b: Config) => diffConfigs(a, b).map(describeChange);

describe("config diff", () => {
  test("the same config: no change", () => {
    expect(diffConfigs(base(), base())).toEqual([]);
  });

  test("instances added, removed, changed field by field", () => {
    const b = base();
    b.instances[0]!.priority = 150;
    b.instances[0]!.trackInterface = [{ name: "eth1" }];
    b.instances.push({ ...defaultInstance("VI_2"), interface: "eth1", virtualRouterId: 52 });
    expect(lines(base(), b)).toEqual(["vrrp_instance VI_1 changed: priority 100 → 150, trackInterface", "vrrp_instance VI_2 added"]);
    expect(lines(b, base())).toEqual(["vrrp_instance VI_1 changed: priority 150 → 100, trackInterface", "vrrp_instance VI_2 removed"]);
  });

  test("VIPs of an instance: added, removed, attributes changed", () => {
    const b = base();
    b.instances[0]!.virtualIpaddress = [{ address: "198.18.0.100", prefix: 32, dev: "eth1" }, { address: "198.18.0.101", prefix: 32 }];
    expect(lines(base(), b)).toEqual(["VIP 198.18.0.100/32 of vrrp_instance VI_1 changed: dev unset → eth1", "VIP 198.18.0.101/32 of vrrp_instance VI_1 added"]);
  });

  test("virtual servers and their real servers", () => {
    const b = base();
    b.virtualServers[0]!.lbAlgo = "rr";
    b.virtualServers[0]!.realServers = [{ ...defaultRealServer("198.18.0.21", 80), weight: 5 }, defaultRealServer("198.18.0.23", 80)];
    b.virtualServers.push({ ...defaultVirtualServer(), fwmark: 7, realServers: [] });
    expect(lines(base(), b)).toEqual([
      "virtual_server 198.18.0.100:80/TCP changed: lbAlgo wlc → rr",
      "real_server 198.18.0.21:80 of virtual_server 198.18.0.100:80/TCP changed: weight 1 → 5",
      "real_server 198.18.0.22:80 of virtual_server 198.18.0.100:80/TCP removed",
      "real_server 198.18.0.23:80 of virtual_server 198.18.0.100:80/TCP added",
      "virtual_server fwmark:7 added",
    ]);
  });

  test("other sections as a whole; a pushed config without vigil_fleet keeps the node's", () => {
    const a = { ...base(), fleet: { ...defaultFleet(), broker: "mqtt://b", fleet: "f" } };
    const b = base();
    b.global.vrrpGarpMasterRepeat = 2;
    expect(lines(a, b)).toEqual(["section global changed"]);
    expect(lines(a, { ...base(), fleet: { ...a.fleet, confirmTimeoutMs: 5000 } })).toEqual(["section fleet changed"]);
  });

  test("redaction: auth_pass never leaves the node; the same redaction on both sides hides password changes", () => {
    const a = base();
    a.instances[0]!.authentication = { type: "PASS", pass: "s3cret" };
    const r = redactSecrets(a);
    expect(r.instances[0]!.authentication!.pass).toBe(REDACTED);
    expect(a.instances[0]!.authentication!.pass).toBe("s3cret");
    const b = base();
    b.instances[0]!.authentication = { type: "PASS", pass: "other" };
    expect(diffConfigs(redactSecrets(a), redactSecrets(b))).toEqual([]);
    expect(redactSecrets(base())).toEqual(base());
  });
});
