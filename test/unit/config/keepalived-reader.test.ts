// keepalived.conf -> model: every construct of the user's sample and of the
// production fixtures, and errors that name file:line:col.
import { describe, expect, test } from "bun:test";
import { formatDiagnostic } from "../../../src/config/diagnostics.ts";
import { readKeepalived } from "../../../src/config/keepalived-reader.ts";
import { loadConfigFile } from "../../../src/config-io/load.ts";
import type { Config, HttpCheck, MiscCheck } from "../../../src/config/model.ts";
import type { LoadResult } from "../../../src/config/result.ts";
import { memorySource } from "../../../src/config/source.ts";

const FIX = `${import.meta.dir}/../../fixtures`;

function load(name: string): Config {
  const r = loadConfigFile(`${FIX}/${name}`);
  if (!r.config) throw new Error(r.errors.map((d) => formatDiagnostic(d)).join("\n"));
  return r.config;
}

function read(text: string, strict = false): LoadResult {
  return readKeepalived("/t/k.conf", memorySource({ "/t/k.conf": text }), { strict });
}

/** "line:col message" of every error, for compact expectations */
const errs = (r: LoadResult) => r.errors.map((d) => `${d.loc?.line}:${d.loc?.col} ${d.message}`);
const warns = (r: LoadResult) => r.warnings.map((d) => `${d.loc?.line}:${d.loc?.col} ${d.message}`);

const VI = (body: string) => `vrrp_instance VI_1 {\n    interface eth0\n    virtual_router_id 51\n${body}\n}\n`;

describe("the user's sample config (seed notes, verbatim with its Chinese comments)", () => {
  const c = load("user-sample.conf");
  // user-sample.conf is the code block of the user's original notes, verbatim but for
  // its 12-space indent, Chinese comments included.

  test("global_defs: mail settings, router_id and the vrrp_* switches", () => {
    expect(c.global).toMatchObject({
      notificationEmail: ["acassen@firewall.loc", "failover@firewall.loc", "sysadmin@firewall.loc"],
      notificationEmailFrom: "Alexandre.Cassen@firewall.loc",
      smtpServer: "192.168.200.1",
      smtpConnectTimeoutMs: 30_000,
      routerId: "LVS_DEVEL",
      vrrpSkipCheckAdvAddr: true,
      vrrpStrict: true,
      vrrpGarpIntervalMs: 0,
      vrrpGnaIntervalMs: 0,
    });
  });

  test("vrrp_instance VI_1 with comments after its values", () => {
    expect(c.instances).toHaveLength(1);
    expect(c.instances[0]).toMatchObject({
      name: "VI_1",
      state: "MASTER",
      interface: "eth0",
      virtualRouterId: 51,
      priority: 100,
      advertIntMs: 1000,
      authentication: { type: "PASS", pass: "1111" },
      virtualIpaddress: [
        { address: "192.168.200.16", prefix: 32 },
        { address: "192.168.200.17", prefix: 32 },
        { address: "192.168.200.18", prefix: 32 },
      ],
    });
  });

  test("three virtual servers with NAT, rr, persistence, protocol and sorry_server", () => {
    expect(c.virtualServers.map((v) => [v.ip, v.port, v.delayLoopMs, v.lbAlgo, v.lbKind, v.persistenceTimeoutMs, v.protocol, v.sorryServer])).toEqual([
      ["192.168.200.100", 443, 6000, "rr", "NAT", 50_000, "TCP", { ip: "192.168.200.200", port: 1358 }],
      ["10.10.10.2", 1358, 6000, "rr", "NAT", 50_000, "TCP", { ip: "192.168.200.200", port: 1358 }],
      ["10.10.10.3", 1358, 3000, "rr", "NAT", 50_000, "TCP", undefined],
    ]);
    expect(c.virtualServers.map((v) => v.realServers.map((r) => `${r.ip}:${r.port}/${r.weight}`))).toEqual([
      ["192.168.201.100:443/1"],
      ["192.168.200.2:1358/1", "192.168.200.3:1358/1"],
      ["192.168.200.4:1358/1", "192.168.200.5:1358/1"],
    ]);
  });

  test("SSL_GET: status_code on one url, digest on the other; the `！digest` line is a comment", () => {
    const ssl = c.virtualServers[0]!.realServers[0]!.checkers[0] as HttpCheck;
    expect(ssl).toEqual({
      type: "SSL_GET",
      url: [{ path: "/", statusCode: [{ from: 200, to: 200 }] }, { path: "/mrtg/", digest: "9b3a0c85a887a256d6939da88aabd8cd" }],
      connectTimeoutMs: 3000,
      retry: 3,
      delayBeforeRetryMs: 3000,
    });
  });

  test("HTTP_GET with several url blocks and digests", () => {
    const urls = c.virtualServers.slice(1).flatMap((v) => v.realServers.map((r) => (r.checkers[0] as HttpCheck).url.map((u) => `${u.path} ${u.digest}`)));
    expect(urls[0]).toEqual([
      "/testurl/test.jsp 640205b7b0fc66c1ea91c463fac6334d",
      "/testurl2/test.jsp 640205b7b0fc66c1ea91c463fac6334d",
      "/testurl3/test.jsp 640205b7b0fc66c1ea91c463fac6334d",
    ]);
    expect(urls[1]).toEqual(["/testurl/test.jsp 640205b7b0fc66c1ea91c463fac6334c", "/testurl2/test.jsp 640205b7b0fc66c1ea91c463fac6334c"]);
    expect(urls.map((u) => u.length)).toEqual([3, 2, 3, 3]);
  });

  test("its only findings are keepalived's own strict-mode warnings, in file order", () => {
    const r = loadConfigFile(`${FIX}/user-sample.conf`);
    expect(r.errors).toEqual([]);
    expect(r.warnings.map((d) => d.message)).toEqual([
      "vrrp_strict: state MASTER is only for the address owner (priority 255); starts as BACKUP (as keepalived does)",
      "vrrp_strict: authentication is ignored (as keepalived does)",
    ]);
  });
});

describe("production fixtures", () => {
  test("two routers: sync group, track_script with weight override, notify scripts, VIP options", () => {
    const c = load("two-router-sync.conf");
    expect(c.global).toMatchObject({ vrrpVersion: 3, vrrpGarpMasterDelayMs: 2000, vrrpGarpMasterRefreshMs: 60_000, vrrpGarpIntervalMs: 1, vrrpRtPriority: 50, vrrpNoSwap: true, vipLifetimeMs: 5000 });
    expect(c.scripts[0]).toEqual({ name: "chk_uplink", script: "/usr/local/bin/check-uplink --host 198.18.0.254", intervalMs: 2000, timeoutMs: 1000, weight: -30, weightReverse: false, rise: 2, fall: 3, initFail: false });
    expect(c.scripts[1]).toMatchObject({ weight: 10, weightReverse: true, user: "nobody", group: "nogroup", initFail: true });
    expect(c.syncGroups).toEqual([{ name: "GW", group: ["LAN", "WAN"], notifyMaster: "/etc/vigil/notify.sh master", notifyBackup: "/etc/vigil/notify.sh backup", notifyFault: "/etc/vigil/notify.sh fault", notify: "/etc/vigil/notify-all.sh", smtpAlert: true,
      trackInterface: [], trackScript: [], trackFile: [], trackProcess: [], trackingWeight: false }]);
    const [lan, wan] = c.instances;
    expect(lan).toMatchObject({
      advertIntMs: 100,
      virtualIpaddress: [{ address: "198.18.1.1", prefix: 24, dev: "lan0", label: "lan0:vip" }, { address: "198.18.1.2", prefix: 24, brd: "198.18.1.255", dev: "lan0", scope: "global" }],
      trackInterface: [{ name: "lan0" }, { name: "wan0", weight: -50 }],
      trackScript: [{ script: "chk_uplink" }, { script: "chk_dnsmasq", weight: 5 }],
      preemptDelayMs: 10_000,
      garpMasterDelayMs: 1000,
      garpMasterRepeat: 2,
      notifyStop: "/etc/vigil/notify.sh stop LAN",
    });
    expect(wan).toMatchObject({ useVmac: "vrrp.20", vmacXmitBase: true, accept: true, vipLifetimeMs: "permanent", virtualIpaddressExcluded: [{ address: "198.19.0.11", prefix: 29, dev: "wan0" }] });
  });

  test("IPv6 instance beside an IPv4 one with the same VRID on the same link", () => {
    const c = load("ipv6.conf");
    expect(c.instances[0]).toMatchObject({ version: 3, nativeIpv6: true, srcIp: "fd00:198:18::2", nopreempt: true, virtualIpaddress: [{ address: "fd00:198:18::1", prefix: 64 }, { address: "fe80::1", prefix: 64, dev: "br-lan" }] });
    expect(c.instances[1]).toMatchObject({ virtualRouterId: 60, accept: false });
  });

  test("unicast peers and source address", () => {
    const c = load("unicast.conf");
    expect(c.instances[0]).toMatchObject({ srcIp: "198.18.33.1", unicastPeer: ["198.18.33.2", "198.18.33.3"], authentication: { type: "PASS", pass: "s3cret" }, dontTrackPrimary: true, notify: "/usr/local/sbin/vrrp-notify", advertIntMs: 2000 });
  });

  test("DR director: TCP_CHECK, MISC_CHECK, HTTP_GET with status ranges, SSL_GET digest, DNS_CHECK, lvs_sync_daemon", () => {
    const c = load("dr-director.conf");
    expect(c.global.lvsSyncDaemon).toEqual({ interface: "eth1", instance: "VI_DR", syncId: 7, maxlen: 1400, port: 8848, ttl: 1, group: "224.0.0.81" });
    const vs = c.virtualServers[0]!;
    expect(vs).toMatchObject({ lbKind: "DR", persistenceTimeoutMs: 300_000, persistenceGranularity: "255.255.255.0", quorum: 2, hysteresis: 1, alpha: true, omega: true, inhibitOnFailure: true, sorryServerInhibit: true, quorumUp: "/etc/vigil/quorum.sh up" });
    const [a, b, h] = vs.realServers;
    expect(a).toMatchObject({ weight: 3, uthreshold: 1000, lthreshold: 10, notifyDown: "/etc/vigil/rs.sh down 198.18.7.11" });
    expect(a!.checkers).toEqual([{ type: "TCP_CHECK", connectPort: 80, connectTimeoutMs: 2000, retry: 2, delayBeforeRetryMs: 1000, warmupMs: 5000 }]);
    expect(b!.inhibitOnFailure).toBe(false);
    expect(b!.checkers[0] as MiscCheck).toMatchObject({ type: "MISC_CHECK", miscPath: "/usr/local/bin/check-app 198.18.7.12", miscTimeoutMs: 4000, miscDynamic: true, user: "nobody" });
    expect(h!.delayLoopMs).toBe(10_000);
    expect(h!.checkers[0]).toMatchObject({
      type: "HTTP_GET",
      url: [{ path: "/healthz", statusCode: [{ from: 200, to: 299 }, { from: 301, to: 301 }, { from: 302, to: 302 }] }, { path: "/ready", statusCode: [{ from: 200, to: 200 }], virtualhost: "ready.example" }],
      virtualhost: "app.example", connectIp: "198.18.7.13", connectPort: 8080, bindto: "198.18.7.1", bindPort: 40000, connectTimeoutMs: 500, retry: 4,
    });
    expect(c.virtualServers[1]!.realServers[0]!.checkers[0]).toMatchObject({ type: "SSL_GET", enableSni: true, url: [{ path: "/", digest: "ff20ad2481f97b1754ef3e12ecd3a9cc" }] });
    expect(c.virtualServers[2]).toMatchObject({ protocol: "UDP", lbAlgo: "rr", realServers: [{ checkers: [{ type: "DNS_CHECK", dnsType: "A", name: "example.org" }] }] });
  });

  test("fwmark service (lvs_sched/lvs_method spellings, bare persistence_timeout = 360 s) and the vigil_fleet block", () => {
    const c = load("fwmark.conf");
    expect(c.virtualServers[0]).toMatchObject({ fwmark: 1, lbAlgo: "mh", lbKind: "TUN", persistenceTimeoutMs: 360_000, realServers: [{ ip: "198.18.8.11", weight: 5 }, { ip: "198.18.8.12", weight: 5 }] });
    expect(c.virtualServers[0]!.ip).toBeUndefined();
    expect(c.virtualServers[0]!.realServers[0]!.port).toBeUndefined();
    expect(c.fleet).toEqual({
      broker: "mqtts://broker.example.net:8883", fleet: "edge-eu", node: "gw-a", caFile: "/etc/vigil/ca.pem", certFile: "/etc/vigil/node.pem", keyFile: "/etc/vigil/node.key",
      username: "gw-a", passwordFile: "/etc/vigil/mqtt.pass", payload: "json", trustKey: ["/etc/vigil/fleet-ed25519.pub", "/etc/vigil/fleet-backup.pub"], stateDir: "/var/lib/vigil", protocolVersion: 4, confirmTimeoutMs: 30_000,
    });
  });

  test("include with globs: files are read relative to the including file, in glob order", () => {
    const c = load("include/main.conf");
    expect(c.global.routerId).toBe("inc-test");
    expect(c.scripts.map((s) => s.name)).toEqual(["chk_inc"]);
    expect(c.instances.map((i) => i.name)).toEqual(["LAN", "WAN"]);
  });
});

describe("errors name file:line:col and the offending text", () => {
  test("a value out of range points at the value", () => {
    const r = read(VI("    priority 300"));
    expect(r.config).toBeUndefined();
    expect(r.errors).toHaveLength(1);
    expect(formatDiagnostic(r.errors[0]!)).toBe("/t/k.conf:4:14: error: priority: 300 is out of range 1..255 (at 'priority 300')");
  });
  test("a value of the wrong type points at the value", () => {
    expect(errs(read(VI("    priority high")))).toEqual(["4:14 'priority' expects an integer, got 'high'"]);
    expect(errs(read(VI("    advert_int 1s")))).toEqual(["4:16 'advert_int' expects seconds (e.g. 1 or 0.5), got '1s'"]);
  });
  test("errors inside included files name the included file", () => {
    const r = readKeepalived("/t/main.conf", memorySource({ "/t/main.conf": "include part.conf", "/t/part.conf": "\n\nvrrp_instance X {\n interface e\n virtual_router_id 0\n}" }));
    expect(r.errors.map((d) => formatDiagnostic(d))).toEqual(["/t/part.conf:5:20: error: virtual_router_id: 0 is out of range 1..255 (at 'virtual_router_id 0')"]);
  });
  test("missing required keywords are reported at the block", () => {
    expect(errs(read("vrrp_instance X {\n  priority 10\n}"))).toEqual(["1:1 vrrp_instance X: missing 'interface'", "1:1 vrrp_instance X: missing 'virtual_router_id'"]);
  });
  test("unknown keywords warn, as in keepalived; --strict makes them errors", () => {
    const text = VI("    advert_intt 1\n    frobnicate {\n        x\n    }");
    const lax = read(text);
    expect(lax.config).toBeDefined();
    expect(warns(lax)).toEqual(["4:5 unknown keyword 'advert_intt' in vrrp_instance VI_1, ignored", "5:5 unknown keyword 'frobnicate' in vrrp_instance VI_1, ignored"]);
    const strict = read(text, true);
    expect(strict.config).toBeUndefined();
    expect(errs(strict)).toEqual(["4:5 unknown keyword 'advert_intt' in vrrp_instance VI_1", "5:5 unknown keyword 'frobnicate' in vrrp_instance VI_1"]);
  });
  test("keepalived features vigil does not implement are named as such", () => {
    expect(warns(read("bfd_instance b1 {\n min_tx 100\n}"))).toEqual(["1:1 keepalived feature not supported by vigil: 'bfd_instance' in the top level, ignored: vigil has no BFD (RFC 5880)"]);
  });
  test("a keyword that needs a block, and one that must not have one", () => {
    expect(errs(read(VI("    virtual_ipaddress 198.18.0.1")))).toEqual(["4:5 'virtual_ipaddress' needs a { ... } block"]);
    expect(errs(read(VI("    priority 10 {\n    }")))).toEqual(["4:5 'priority' does not take a block"]);
  });
  test("finer than a millisecond is refused rather than rounded", () => {
    expect(errs(read(VI("    advert_int 0.0105")))).toEqual(["4:16 'advert_int' 0.0105: finer than a millisecond is not supported"]);
  });
  test("a repeated single-valued keyword warns and the last one wins", () => {
    const r = read(VI("    priority 10\n    priority 20"));
    expect(r.config!.instances[0]!.priority).toBe(20);
    expect(warns(r)).toEqual(["5:5 'priority' given more than once, the last one wins"]);
  });
  test("virtual_ipaddress words keepalived 2.2.7 does not know are skipped one by one, as it skips them", () => {
    const r = read(VI("    virtual_ipaddress {\n        198.18.0.1/24 dev eth0 no_track nodad metric 5 label eth0:1 frob\n    }"));
    expect(r.config!.instances[0]!.virtualIpaddress).toEqual([{ address: "198.18.0.1", prefix: 24, dev: "eth0", label: "eth0:1", noTrack: true }]);
    expect(warns(r)).toEqual([
      "5:41 unknown address option 'nodad' in virtual_ipaddress entry 198.18.0.1/24, ignored: keepalived 2.2.7 does not know it either (IPv6 addresses are added nodad already; '-nodad' turns DAD on)",
      "5:47 unknown address option 'metric' in virtual_ipaddress entry 198.18.0.1/24, ignored: keepalived 2.2.7 does not know it either, and ignores the words after it one by one",
      "5:54 unknown address option '5' in virtual_ipaddress entry 198.18.0.1/24, ignored",
      "5:69 unknown address option 'frob' in virtual_ipaddress entry 198.18.0.1/24, ignored",
    ]);
  });
  test("keepalived features vigil lacks are named as such, not as typos", () => {
    const r = read(`${VI("    track_bfd {\n        bfd1\n    }\n    @high priority 200")}virtual_server 198.18.0.1 25 {\n    protocol TCP\n    real_server 198.18.0.2 25 {\n        BFD_CHECK {\n        }\n    }\n}\n`);
    expect(warns(r)).toEqual([
      "4:5 keepalived feature not supported by vigil: 'track_bfd' in vrrp_instance VI_1, ignored: vigil has no BFD (RFC 5880)",
      "12:9 keepalived feature not supported by vigil: 'BFD_CHECK' in real_server 198.18.0.2 25, ignored: vigil has no BFD (RFC 5880)",
    ]);
  });
  test("keepalived 1.x lvs_sync_daemon_interface inside an instance becomes the global lvs_sync_daemon (deprecated, as in keepalived)", () => {
    const r = read(VI("    lvs_sync_daemon_interface eth1"));
    expect(r.config!.global.lvsSyncDaemon).toEqual({ interface: "eth1", instance: "VI_1" });
    expect(warns(r)).toEqual(["4:5 lvs_sync_daemon_interface in a vrrp_instance is deprecated (as in keepalived); read as global_defs lvs_sync_daemon"]);
  });
  test("a virtual_server without protocol is TCP, with a warning (keepalived 2.2.7 would pick UDP)", () => {
    const r = read("virtual_server 198.18.0.1 80 {\n    real_server 198.18.0.2 80 {\n    }\n}\n");
    expect(r.config!.virtualServers[0]!.protocol).toBe("TCP");
    expect(warns(r)).toEqual(["1:1 virtual_server 198.18.0.1 80: no 'protocol', using TCP (keepalived 2.2.7 would fall back to UDP); write it explicitly"]);
  });
  test("a repeated list block appends, as in keepalived, without a repeat warning", () => {
    const r = read(VI("    virtual_ipaddress {\n        198.18.0.1\n    }\n    virtual_ipaddress {\n        198.18.0.2\n    }"));
    expect(r.config!.instances[0]!.virtualIpaddress.map((v) => v.address)).toEqual(["198.18.0.1", "198.18.0.2"]);
    expect(r.warnings).toEqual([]);
  });
  test("virtual_server group NAME needs that virtual_server_group", () => {
    expect(errs(read("virtual_server group WEB {\n    protocol TCP\n}"))).toEqual(["1:22 virtual_server group 'WEB' refers to a virtual_server_group that does not exist"]);
  });
});
