// Semantic rules (validate.ts) and spec checks (check.ts) on the model, as a
// JSON or CBOR config reaches them: findings carry the path of the field.
import { describe, expect, test } from "bun:test";
import { checkConfig } from "../../../src/config/check.ts";
import { pathString } from "../../../src/config/diagnostics.ts";
import { readJson } from "../../../src/config/json.ts";
import * as model from "../../../src/config/model.ts";
import { configSpec, globalSpec, instanceSpec, scriptSpec, virtualServerSpec } from "../../../src/config/spec.ts";

type J = Record<string, unknown>;
const inst = (o: J = {}): J => ({ name: "VI_1", interface: "eth0", virtualRouterId: 1, virtualIpaddress: [{ address: "198.18.0.1", prefix: 32 }], ...o });

function findings(cfg: J) {
  const r = readJson(JSON.stringify(cfg));
  return {
    ok: r.config !== undefined,
    errors: r.errors.map((d) => `${pathString(d.path ?? [])}: ${d.message}`),
    warnings: r.warnings.map((d) => `${pathString(d.path ?? [])}: ${d.message}`),
  };
}

describe("VRRP rules", () => {
  test("RFC 3768 §5.3.7: VRRPv2 advert_int is whole seconds", () => {
    expect(findings({ instances: [inst({ advertIntMs: 1500 })] }).errors).toEqual([
      "instances[0].advertIntMs: VRRPv2 advert_int must be whole seconds (RFC 3768 §5.3.7), got 1.5 s; use version 3 for sub-second intervals",
    ]);
    expect(findings({ instances: [inst({ advertIntMs: 1500, version: 3 })] }).ok).toBe(true);
  });
  test("RFC 5798 §5.2.7: VRRPv3 advert_int is 12-bit centiseconds (10 ms .. 40.95 s)", () => {
    expect(findings({ global: { vrrpVersion: 3, vipLifetimeMs: "permanent" }, instances: [inst({ advertIntMs: 40_960 })] }).errors).toEqual([
      "instances[0].advertIntMs: VRRPv3 advert_int is at most 40.95 s (RFC 5798 §5.2.7), got 40.96 s",
    ]);
    expect(findings({ global: { vrrpVersion: 3 }, instances: [inst({ advertIntMs: 15 })] }).errors).toEqual(["instances[0].advertIntMs: 15 ms must be a multiple of 10 ms"]);
    expect(findings({ global: { vrrpVersion: 3 }, instances: [inst({ advertIntMs: 10 })] }).ok).toBe(true);
  });
  test("RFC 5798 §5.2.4 / keepalived: VRID 1-255 and priority 1-255", () => {
    expect(findings({ instances: [inst({ virtualRouterId: 0, priority: 256 })] }).errors).toEqual([
      "instances[0].virtualRouterId: 0 is out of range 1..255",
      "instances[0].priority: 256 is out of range 1..255",
    ]);
  });
  test("RFC 3768 §1: VRRPv2 is IPv4 only — an IPv6 instance runs VRRPv3, as keepalived 2.2.7 does", () => {
    // the global default (vrrp_version 2) needs no word; keepalived -t accepts both forms
    const byDefault = findings({ instances: [inst({ virtualIpaddress: [{ address: "fd00::1", prefix: 64 }] })] });
    expect(byDefault.errors).toEqual([]);
    expect(byDefault.warnings).toEqual([]);
    const explicit = findings({ instances: [inst({ version: 2, virtualIpaddress: [{ address: "fd00::1", prefix: 64 }] })] });
    expect(explicit.errors).toEqual([]);
    expect(explicit.warnings).toEqual([
      "instances[0].version: VRRPv2 is IPv4 only (RFC 3768); this IPv6 instance runs VRRPv3, as keepalived does",
    ]);
  });
  test("RFC 3768 §5.3.10: auth_pass is at most 8 octets (UTF-8 bytes, not characters)", () => {
    expect(findings({ instances: [inst({ authentication: { type: "PASS", pass: "123456789" } })] }).errors).toEqual([
      "instances[0].authentication.pass: auth_pass is at most 8 octets (RFC 3768 §5.3.10), got 9",
    ]);
    expect(findings({ instances: [inst({ authentication: { type: "PASS", pass: "密码密码" } })] }).errors).toEqual([
      "instances[0].authentication.pass: auth_pass is at most 8 octets (RFC 3768 §5.3.10), got 12",
    ]);
  });
  test("RFC 2338 §5.3.6.3: auth_type AH is accepted in VRRPv2; state MASTER is warned as keepalived clears it", () => {
    const f = findings({ instances: [inst({ version: 2, authentication: { type: "AH", pass: "x" } })] });
    expect([f.errors, f.warnings]).toEqual([[], []]);
    expect(findings({ instances: [inst({ version: 2, state: "MASTER", authentication: { type: "AH", pass: "x" } })] }).warnings).toEqual([
      "instances[0].state: auth_type AH: the instance starts as BACKUP (keepalived: \"Initial state master is incompatible with AH authentication - clearing\")",
    ]);
  });
  test("RFC 5798 §9: VRRPv3 has no authentication (warning, ignored)", () => {
    expect(findings({ instances: [inst({ version: 3, authentication: { type: "PASS", pass: "x" } })] }).warnings).toEqual([
      "instances[0].authentication: VRRPv3 has no authentication (RFC 5798 §9); it is ignored",
    ]);
  });
  test("one VRID per interface and family; IPv4 and IPv6 may share it", () => {
    const dup = findings({ instances: [inst(), inst({ name: "VI_2", virtualIpaddress: [{ address: "198.18.0.2", prefix: 32 }] })] });
    expect(dup.errors).toEqual(["instances[1].virtualRouterId: virtual_router_id 1 on eth0 (IPv4) is already used by vrrp_instance 'VI_1'"]);
    const v6 = inst({ name: "VI_6", version: 3, virtualIpaddress: [{ address: "fd00::1", prefix: 64 }] });
    expect(findings({ instances: [inst(), v6] }).ok).toBe(true);
    expect(findings({ instances: [inst(), inst({ name: "VI_2", interface: "eth1" })] }).ok).toBe(true);
  });
  test("one instance carries one address family", () => {
    expect(findings({ instances: [inst({ version: 3, virtualIpaddress: [{ address: "198.18.0.1", prefix: 32 }, { address: "fd00::1", prefix: 64 }] })] }).errors).toEqual([
      "instances[0].virtualIpaddress[1].address: 'fd00::1' is IPv6 but this instance is IPv4; one instance carries one family",
    ]);
  });
  test("addresses are checked: VIPs, peers, source, prefix length", () => {
    const f = findings({ instances: [inst({ virtualIpaddress: [{ address: "198.18.0.300", prefix: 33 }], unicastPeer: ["fd00::2"], srcIp: "1.2.3" })] });
    expect(f.errors).toEqual([
      "instances[0].virtualIpaddress[0].address: '198.18.0.300' is not an IPv4 or IPv6 address",
      "instances[0].srcIp: '1.2.3' is not an IPv4 or IPv6 address",
      "instances[0].unicastPeer[0]: 'fd00::2' is IPv6 but IPv4 is required here",
    ]);
  });
  test("referenced scripts, sync group members and the lvs_sync_daemon instance must exist", () => {
    const f = findings({
      global: { lvsSyncDaemon: { interface: "eth1", instance: "NOPE" } },
      syncGroups: [{ name: "G", group: ["VI_1", "GHOST"] }],
      instances: [inst({ trackScript: [{ script: "chk_missing" }] })],
    });
    expect(f.errors).toEqual([
      "global.lvsSyncDaemon.instance: lvs_sync_daemon refers to vrrp_instance 'NOPE', which does not exist",
      "syncGroups[0].group[1]: vrrp_sync_group 'G' refers to vrrp_instance 'GHOST', which does not exist",
      "instances[0].trackScript[0].script: track_script refers to vrrp_script 'chk_missing', which does not exist",
    ]);
  });
  test("an instance belongs to at most one sync group", () => {
    expect(findings({ syncGroups: [{ name: "A", group: ["VI_1"] }, { name: "B", group: ["VI_1"] }], instances: [inst()] }).errors).toEqual([
      "syncGroups[1].group[0]: vrrp_instance 'VI_1' is already in vrrp_sync_group 'A'",
    ]);
  });
  test("vrrp_strict (keepalived): no unicast peers, at least one VIP", () => {
    expect(findings({ global: { vrrpStrict: true }, instances: [inst({ virtualIpaddress: [], unicastPeer: ["198.18.0.9"] })] }).errors).toEqual([
      "instances[0].virtualIpaddress: vrrp_strict requires at least one virtual_ipaddress",
      "instances[0].unicastPeer: vrrp_strict forbids unicast peers",
    ]);
  });
  test("split brain: vip_lifetime is whole seconds (the kernel's valid_lft unit) or permanent, whatever advert_int is", () => {
    expect(findings({ global: { vipLifetimeMs: 2500 } }).errors).toEqual(["global.vipLifetimeMs: 2500 ms must be a multiple of 1000 ms"]);
    expect(findings({ global: { vipLifetimeMs: 0 } }).errors).toEqual(["global.vipLifetimeMs: 0 is out of range 1000..86400000 ms"]);
    expect(findings({ global: { vipLifetimeMs: "forever" } }).errors).toEqual(['global.vipLifetimeMs: expected milliseconds or "permanent", got the string "forever"']);
    // the daemon refreshes leases on its own clock, so a lifetime shorter than the advert interval is fine
    expect(findings({ instances: [inst({ advertIntMs: 5000, vipLifetimeMs: 2000 })] }).ok).toBe(true);
    expect(findings({ instances: [inst({ advertIntMs: 3000, vipLifetimeMs: "permanent" })] }).ok).toBe(true);
  });
});

describe("fields keepalived only writes together", () => {
  test("a port without smtp_server, a group without its user", () => {
    expect(findings({ global: { smtpPort: 25, scriptGroup: "wheel" }, scripts: [{ name: "s", script: "/x", group: "g" }] }).errors).toEqual([
      "global.smtpPort: port needs smtp_server (keepalived: smtp_server [port])",
      "global.scriptGroup: group needs script_user (keepalived: script_user [group])",
      "scripts[0].group: group needs user (keepalived: user [group])",
    ]);
  });
});

describe("LVS rules", () => {
  const vs = (o: J = {}): J => ({ ip: "198.18.7.100", port: 80, realServers: [{ ip: "198.18.7.11", port: 80 }], ...o });
  test("a service is IP+port, fwmark or group, exactly one of them", () => {
    const msg = "virtualServers[0]: a virtual_server is identified by IP and PORT, by fwmark or by group, exactly one of them";
    expect(findings({ virtualServers: [vs({ fwmark: 3 })] }).errors).toEqual([msg]);
    expect(findings({ virtualServers: [vs({ group: "G" })] }).errors).toEqual([msg]);
    expect(findings({ virtualServers: [{ realServers: [] }] }).errors).toEqual([msg]);
    expect(findings({ virtualServers: [vs({ port: undefined })] }).errors).toEqual(["virtualServers[0].port: virtual_server needs both IP and PORT"]);
  });
  test("every IPVS scheduler is accepted, anything else is not", () => {
    for (const a of model.LB_ALGOS) expect(findings({ virtualServers: [vs({ lbAlgo: a })] }).ok).toBe(true);
    expect(findings({ virtualServers: [vs({ lbAlgo: "wcl" })] }).errors).toEqual([
      'virtualServers[0].lbAlgo: expected one of "rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh", "sh", "sed", "nq", "mh", "fo", "ovf", got the string "wcl"',
    ]);
  });
  test("duplicate services and duplicate real servers", () => {
    expect(findings({ virtualServers: [vs(), vs()] }).errors).toEqual(["virtualServers[1]: virtual_server TCP 198.18.7.100 80 is defined twice"]);
    expect(findings({ virtualServers: [vs({ realServers: [{ ip: "198.18.7.11", port: 80 }, { ip: "198.18.7.11", port: 80 }] })] }).errors).toEqual([
      "virtualServers[0].realServers[1]: real_server 198.18.7.11 80 listed twice",
    ]);
  });
  test("DR/TUN cannot map ports (warning); NAT can", () => {
    const rs = [{ ip: "198.18.7.11", port: 8080 }];
    expect(findings({ virtualServers: [vs({ lbKind: "DR", realServers: rs })] }).warnings).toEqual([
      "virtualServers[0].realServers[0].port: lb_kind DR cannot map ports: real server port 8080 differs from service port 80",
    ]);
    expect(findings({ virtualServers: [vs({ lbKind: "NAT", realServers: rs })] }).warnings).toEqual([]);
  });
  test("status code ranges and digests are checked", () => {
    const check = (url: J) => findings({ virtualServers: [vs({ realServers: [{ ip: "198.18.7.11", port: 80, checkers: [{ type: "HTTP_GET", url: [url] }] }] })] });
    expect(check({ path: "/", statusCode: [{ from: 299, to: 200 }] }).errors).toEqual(["virtualServers[0].realServers[0].checkers[0].url[0].statusCode[0]: status code range 299-200 is backwards"]);
    expect(check({ path: "/", digest: "XYZ" }).errors).toEqual(["virtualServers[0].realServers[0].checkers[0].url[0].digest: length 3 is out of range 32..32"]);
  });
  test("checker type is a tagged union with a clear message for unknown types", () => {
    expect(findings({ virtualServers: [vs({ realServers: [{ ip: "198.18.7.11", checkers: [{ type: "BFD_CHECK" }] }] })] }).errors).toEqual([
      'virtualServers[0].realServers[0].checkers[0].type: expected one of TCP_CHECK, HTTP_GET, SSL_GET, MISC_CHECK, DNS_CHECK, PING_CHECK, UDP_CHECK, SMTP_CHECK, FILE_CHECK, got the string "BFD_CHECK"',
    ]);
  });
});

describe("JSON/CBOR input is checked field by field", () => {
  test("unknown fields, null for optional fields, wrong types and floats are errors with the field path", () => {
    expect(findings({ global: { routerID: "x", routerId: null }, instances: [inst({ priority: 100.5, nopreempt: "yes" })] }).errors).toEqual([
      "global.routerID: unknown field in GlobalDefs",
      "global.routerId: expected a string, got null",
      "instances[0].priority: expected an integer, got number 100.5",
      'instances[0].nopreempt: expected true or false, got the string "yes"',
    ]);
  });
  test("the top level must be an object", () => {
    expect(findings([] as unknown as J).errors).toEqual(["(root): expected an object (Config), got an array"]);
  });
  test("invalid JSON is one clear error", () => {
    const r = readJson("{ \"global\": ", "x.json");
    expect(r.config).toBeUndefined();
    expect(r.errors[0]!.message).toStartWith("x.json: invalid JSON:");
  });
});

describe("the spec and the model agree", () => {
  test("the spec's defaults are the model's default*() values", () => {
    const c = checkConfig({ global: {}, scripts: [{ name: "s", script: "/x" }], instances: [{ name: "i", interface: "e", virtualRouterId: 1 }], virtualServers: [{ fwmark: 1, realServers: [{ ip: "198.18.0.1", checkers: [{ type: "TCP_CHECK" }] }] }], fleet: { broker: "mqtt://b", fleet: "f" } });
    expect(c.issues).toEqual([]);
    expect(c.config!.global).toEqual(model.defaultGlobal());
    expect(c.config!.scripts[0]).toEqual(model.defaultScript("s", "/x"));
    expect(c.config!.instances[0]).toEqual({ ...model.defaultInstance("i"), interface: "e", virtualRouterId: 1 });
    const { realServers, ...vs } = c.config!.virtualServers[0]!;
    expect(vs).toEqual({ ...model.defaultVirtualServer(), fwmark: 1, realServers: undefined } as never);
    expect(realServers[0]).toEqual({ ...model.defaultRealServer("198.18.0.1"), checkers: [{ type: "TCP_CHECK", ...model.defaultCheckerCommon() }] });
    expect(c.config!.fleet).toEqual({ ...model.defaultFleet(), broker: "mqtt://b", fleet: "f" });
    expect(checkConfig({}).config).toEqual(model.emptyConfig());
  });
  test("every spec object has the fields its model defaults have", () => {
    const keys = (o: object) => Object.keys(o).sort();
    const fieldsWithDefault = (s: { fields: Record<string, { default?: unknown }> }) => Object.keys(s.fields).filter((k) => s.fields[k]!.default !== undefined).sort();
    expect(fieldsWithDefault(globalSpec)).toEqual(keys(model.defaultGlobal()));
    expect(fieldsWithDefault(scriptSpec)).toEqual(keys(model.defaultScript("a", "b")).filter((k) => k !== "name" && k !== "script"));
    expect(fieldsWithDefault(instanceSpec)).toEqual(keys(model.defaultInstance("a")).filter((k) => !["name", "interface", "virtualRouterId"].includes(k)));
    expect(fieldsWithDefault(virtualServerSpec)).toEqual(keys(model.defaultVirtualServer()));
    expect(Object.keys(configSpec.fields).sort()).toEqual(["fleet", ...keys(model.emptyConfig())].sort());
  });
});
