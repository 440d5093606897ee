// The LVS grammar of keepalived 2.2.7 beyond TCP/HTTP/MISC/DNS: virtual_server_group,
// track_file, PING_CHECK, UDP_CHECK, SMTP_CHECK and FILE_CHECK, read, checked and
// written back (keepalived -t accepting the rewrite is keepalived-interop.test.ts).
import { describe, expect, test } from "bun:test";
import { readKeepalived } from "../../../src/config/keepalived-reader.ts";
import { writeKeepalived } from "../../../src/config/keepalived-writer.ts";
import { readJson } from "../../../src/config/json.ts";
import { hexBytes, readHex } from "../../../src/config/kc-hex.ts";
import type { Config, FileCheck, SmtpCheck, UdpCheck } from "../../../src/config/model.ts";
import type { LoadResult } from "../../../src/config/result.ts";
import { memorySource } from "../../../src/config/source.ts";
import { MAX_GROUP_SERVICES } from "../../../src/config/validate-lvs.ts";
import { parseVsgRange, rangeAddresses, rangeSize } from "../../../src/config/vsg-range.ts";

function read(text: string): LoadResult {
  return readKeepalived("/t/k.conf", memorySource({ "/t/k.conf": text }));
}
const errs = (r: LoadResult) => r.errors.map((d) => `${d.loc?.line}:${d.loc?.col} ${d.message}`);
const warns = (r: LoadResult) => r.warnings.map((d) => `${d.loc?.line}:${d.loc?.col} ${d.message}`);
function ok(r: LoadResult): Config {
  if (!r.config) throw new Error(errs(r).join("\n"));
  return r.config;
}
const rs = (checks: string) => `virtual_server 198.18.0.1 80 {\n    protocol TCP\n    real_server 198.18.9.1 80 {\n${checks}\n    }\n}\n`;

describe("virtual_server_group address forms (keepalived check_data.c alloc_vsg_entry)", () => {
  test("single addresses, last-octet and last-hextet ranges, full ranges and prefixes", () => {
    expect(parseVsgRange("198.18.0.1")).toEqual({ ok: true, range: { ip: "198.18.0.1" } });
    expect(parseVsgRange("198.18.0.1-10")).toEqual({ ok: true, range: { ip: "198.18.0.1", to: "198.18.0.10" } });
    // IPv6 short form is hex, as keepalived's inet_stor (strtoul base 16)
    expect(parseVsgRange("fd00::a-1f")).toEqual({ ok: true, range: { ip: "fd00::a", to: "fd00::1f" } });
    expect(parseVsgRange("198.18.0.250-198.18.1.2")).toEqual({ ok: true, range: { ip: "198.18.0.250", to: "198.18.1.2" } });
    expect(parseVsgRange("198.18.2.8/29")).toEqual({ ok: true, range: { ip: "198.18.2.8", to: "198.18.2.15" } });
    expect(parseVsgRange("fd00::100/120")).toEqual({ ok: true, range: { ip: "fd00::100", to: "fd00::1ff" } });
    expect(parseVsgRange("198.18.2.8/32")).toEqual({ ok: true, range: { ip: "198.18.2.8" } });
  });
  test("what keepalived refuses is refused, with its reason", () => {
    expect(parseVsgRange("198.18.0.5-3")).toEqual({ ok: false, error: "'198.18.0.5-3': range end is not greater than the start" });
    expect(parseVsgRange("198.18.0.5-5")).toEqual({ ok: false, error: "'198.18.0.5-5': range end is not greater than the start" });
    expect(parseVsgRange("198.18.0.1-300")).toEqual({ ok: false, error: "'198.18.0.1-300': range end 300 is too large" });
    expect(parseVsgRange("198.18.0.1/16")).toEqual({ ok: false, error: `'198.18.0.1/16': the address has host bits set (keepalived: "Address mask bits not empty")` });
    expect(parseVsgRange("198.18.0.0/0").ok).toBe(false);
    expect(parseVsgRange("198.18.0.9-198.18.0.2")).toEqual({ ok: false, error: "'198.18.0.9-198.18.0.2': the range ends before it starts" });
    expect(parseVsgRange("198.18.0.1-fd00::1").ok).toBe(false);
    expect(parseVsgRange("nohost")).toEqual({ ok: false, error: "'nohost' is not an IPv4 or IPv6 address" });
  });
  test("a range expands to every address, across octets", () => {
    const r = { ip: "198.18.0.254", to: "198.18.1.1" };
    expect(rangeSize(r)).toBe(4n);
    expect([...rangeAddresses(r)]).toEqual(["198.18.0.254", "198.18.0.255", "198.18.1.0", "198.18.1.1"]);
    expect([...rangeAddresses({ ip: "fd00::ffff", to: "fd00::1:1" })]).toEqual(["fd00::ffff", "fd00::1:0", "fd00::1:1"]);
  });
});

describe("virtual_server_group and virtual_server group NAME", () => {
  const text = `virtual_server_group web {
    198.18.0.1-3 80
    fd00::a-b 443
    198.18.3.2 0
    fwmark 7 inet6
    fwmark 8 inet
}
virtual_server group web {
    protocol TCP
    persistence_timeout 30
    real_server 198.18.9.1 80 {
    }
}
`;
  test("entries are read in the model's two lists; port 0 means no port, as keepalived", () => {
    const c = ok(read(text));
    expect(c.virtualServerGroups).toEqual([{
      name: "web",
      addresses: [{ ip: "198.18.0.1", to: "198.18.0.3", port: 80 }, { ip: "fd00::a", to: "fd00::b", port: 443 }, { ip: "198.18.3.2" }],
      fwmarks: [{ fwmark: 7, family: "inet6" }, { fwmark: 8, family: "inet" }],
    }]);
    expect(c.virtualServers[0]!.group).toBe("web");
  });
  test("written back in keepalived's full range form, and read back the same", () => {
    const c = ok(read(text.replace("    fwmark 8 inet\n", "")));
    const out = writeKeepalived(c);
    expect(out).toContain("virtual_server_group web {\n    198.18.0.1-198.18.0.3 80\n    fd00::a-fd00::b 443\n    198.18.3.2\n    fwmark 7 inet6\n}");
    expect(out).toContain("virtual_server group web {");
    expect(ok(read(out))).toEqual(c);
  });
  test("references, duplicates, empty groups and members keepalived would drop", () => {
    expect(errs(read(`virtual_server group nope {\n    protocol TCP\n}\n`))).toEqual(["1:22 virtual_server group 'nope' refers to a virtual_server_group that does not exist"]);
    expect(errs(read(`virtual_server_group g {\n}\nvirtual_server group g {\n    protocol TCP\n}\n`))).toEqual(["1:1 virtual_server_group 'g' has no entries (keepalived removes it)"]);
    expect(errs(read(`virtual_server_group g {\n 198.18.0.1 80\n}\nvirtual_server_group g {\n 198.18.0.2 80\n}\n`))).toEqual(["4:22 virtual_server_group 'g' is defined twice"]);
    expect(errs(read(`virtual_server_group g {\n 198.18.0.1-3 80\n 198.18.0.2 80\n}\n`))).toEqual(["3:2 198.18.0.2 port 80 is already a member of virtual_server_group 'g'"]);
    expect(errs(read(`virtual_server_group g {\n 198.18.0.1 80 tcp\n fwmark 7 inet5\n}\n`))).toEqual([
      "1:1 virtual_server_group 'g' has no entries (keepalived removes it)",
      "2:16 a virtual_server_group entry is IP[-END|/LEN] [PORT]",
      "3:11 fwmark family must be inet or inet6, got 'inet5'",
    ]);
    // keepalived: "cannot have IPv4, IPv6 and fwmark without family - removing"
    expect(errs(read(`virtual_server_group g {\n 198.18.0.1 80\n fd00::1 80\n fwmark 7\n}\n`))).toEqual([
      "4:2 virtual_server_group 'g' has IPv4 and IPv6 addresses, so its fwmark entries need a family (inet or inet6)",
    ]);
    // keepalived: "zero port only valid for persistent services"
    expect(errs(read(`virtual_server_group g {\n 198.18.0.1\n}\nvirtual_server group g {\n    protocol TCP\n}\n`))).toEqual([
      "4:22 virtual_server_group 'g' has a member without a port, which IPVS takes only for a persistent service: set persistence_timeout",
    ]);
  });
  test("a group's services may not be another virtual server's; two protocols may share a group", () => {
    const group = `virtual_server_group g {\n 198.18.0.1-3 80\n}\n`;
    const vs = (head: string, proto = "TCP") => `virtual_server ${head} {\n    protocol ${proto}\n}\n`;
    expect(errs(read(group + vs("group g") + vs("198.18.0.2 80")))).toEqual([
      "7:1 the IPVS service tcp 198.18.0.2 80 of this virtual_server is already that of virtual_server #1",
    ]);
    expect(errs(read(group + vs("group g") + vs("group g", "UDP")))).toEqual([]);
    expect(errs(read(group + vs("group g") + vs("group g")))).toEqual(["7:1 virtual_server group g TCP is defined twice"]);
  });
  test(`a group may expand to at most ${MAX_GROUP_SERVICES} services`, () => {
    expect(errs(read(`virtual_server_group g {\n 198.18.0.0-198.19.255.255 80\n}\n`))).toEqual([
      `1:1 virtual_server_group 'g' expands to 131072 IPVS services, more than ${MAX_GROUP_SERVICES}`,
    ]);
  });
  test("JSON: a range whose end is not after its start is refused", () => {
    const r = readJson(JSON.stringify({ virtualServerGroups: [{ name: "g", addresses: [{ ip: "198.18.0.9", to: "198.18.0.1", port: 80 }] }] }));
    expect(r.errors.map((d) => [d.path?.join("."), d.message])).toEqual([["virtualServerGroups.0.addresses.0.to", "the range 198.18.0.9-198.18.0.1 ends before it starts"]]);
  });
});

describe("track_file and FILE_CHECK (keepalived trackers/track_file.c, check/check_file.c)", () => {
  test("track_file: file, weight W [reverse], init_file [VALUE] [overwrite]; vrrp_track_file is its old name", () => {
    const r = read(`track_file a {\n    file "/run/x/a"\n    weight -7 reverse\n    init_file 3 overwrite\n}\nvrrp_track_file b {\n    file /run/x/b\n    init_file\n}\n`);
    expect(ok(r).trackFiles).toEqual([
      { name: "a", file: "/run/x/a", weight: -7, weightReverse: true, initFile: { value: 3, overwrite: true } },
      { name: "b", file: "/run/x/b", weight: 1, weightReverse: false, initFile: { value: 0, overwrite: false } },
    ]);
    expect(warns(r)).toEqual(["6:1 'vrrp_track_file' is deprecated, read as 'track_file' (as keepalived does)"]);
  });
  test("track_file errors: no file, a weight keepalived refuses, an unknown init option", () => {
    expect(errs(read(`track_file a {\n    weight 1\n}\n`))).toEqual(["1:1 track_file a: missing 'file'"]);
    expect(errs(read(`track_file a {\n    file /x\n    weight 300\n}\n`))).toEqual(["3:12 weight: 300 is out of range -254..254"]);
    expect(errs(read(`track_file a {\n    file /x\n    init_file later\n}\n`))).toEqual(["3:15 'init_file' takes [VALUE] [overwrite], got 'later'"]);
    expect(warns(read(`track_file a {\n    file /x\n    init_file 1000\n}\n`))).toEqual(["3:15 init_file value 1000 is outside the sensible range -254..254 (keepalived warns too)"]);
  });
  test("FILE_CHECK: track_file NAME and an optional weight W [reverse|noreverse], nothing else", () => {
    const tf = `track_file t {\n    file /x\n}\n`;
    const c = ok(read(tf + rs("        FILE_CHECK {\n            track_file t\n            weight 5 reverse\n        }\n        FILE_CHECK {\n            track_file t\n        }")));
    const checks = c.virtualServers[0]!.realServers[0]!.checkers as FileCheck[];
    expect(checks).toEqual([
      { type: "FILE_CHECK", trackFile: "t", weight: 5, weightReverse: true },
      { type: "FILE_CHECK", trackFile: "t", weightReverse: false },
    ]);
    expect(ok(read(writeKeepalived(c)))).toEqual(c);
    expect(errs(read(tf + rs("        FILE_CHECK {\n            track_file t\n            retry 3\n        }")))).toEqual([]);
    expect(warns(read(tf + rs("        FILE_CHECK {\n            track_file t\n            retry 3\n        }")))).toEqual(["9:13 unknown keyword 'retry' in FILE_CHECK, ignored"]);
    expect(errs(read(rs("        FILE_CHECK {\n            track_file nope\n        }")))).toEqual(["5:24 FILE_CHECK refers to track_file 'nope', which does not exist"]);
    expect(errs(read(tf + rs("        FILE_CHECK {\n        }")))).toEqual(["7:9 FILE_CHECK: missing 'track_file'"]);
  });
});

describe("UDP_CHECK payload and require_reply (keepalived lib/parser.c read_hex_str)", () => {
  test("free-form hex: blank-separated groups, a lone digit is a byte of its own; x masks a nibble in replies", () => {
    // the example of keepalived.conf(5): Ab12f 3 456 546443123 -> AB 12 0F 03 45 06 54 64 43 12 03
    expect(readHex(["Ab12f", "3", "456", "546443123"], false)).toEqual({ ok: true, hex: "ab120f03450654644312" + "03" });
    expect(readHex(["12xX", "3"], true)).toEqual({ ok: true, hex: "12xx03" });
    expect(readHex(["0x12"], false)).toEqual({ ok: false, error: "'x' in '0x12' is not a hex digit" });
    expect(readHex(["zz"], true)).toEqual({ ok: false, error: "'z' in 'zz' is not a hex digit or x" });
    expect(hexBytes("12x0")).toEqual({ bytes: new Uint8Array([0x12, 0x00]), mask: new Uint8Array([0xff, 0x0f]) });
  });
  test("the model keeps canonical hex; keepalived reads the rewrite as the same bytes", () => {
    const c = ok(read(rs("        UDP_CHECK {\n            connect_port 53\n            payload 0A0b 1\n            require_reply 1X 2\n            min_reply_length 2\n            max_reply_length 512\n        }")));
    const u = c.virtualServers[0]!.realServers[0]!.checkers[0] as UdpCheck;
    expect(u).toMatchObject({ type: "UDP_CHECK", payload: "0a0b01", requireReply: true, replyData: "1x02", minReplyLength: 2, maxReplyLength: 512 });
    expect(writeKeepalived(c)).toContain("payload 0a0b01\n            require_reply 1x02\n            min_reply_length 2\n            max_reply_length 512");
    expect(ok(read(writeKeepalived(c)))).toEqual(c);
    const bare = ok(read(rs("        UDP_CHECK {\n            require_reply\n        }"))).virtualServers[0]!.realServers[0]!.checkers[0] as UdpCheck;
    expect([bare.requireReply, bare.replyData, bare.payload, bare.minReplyLength, bare.maxReplyLength]).toEqual([true, undefined, undefined, 0, 255]);
  });
  test("keepalived's UDP_CHECK errors", () => {
    expect(errs(read(rs("        UDP_CHECK {\n            payload\n        }")))).toEqual(["5:13 UDP_CHECK 'payload' needs hex bytes (e.g. payload 0a0b0c)"]);
    expect(errs(read(rs("        UDP_CHECK {\n            min_reply_length 10\n            max_reply_length 5\n        }")))).toEqual([
      "5:30 min_reply_length 10 > max_reply_length 5: the check would always fail",
    ]);
    expect(errs(read(rs("        UDP_CHECK {\n            max_reply_length 70000\n        }")))).toEqual(["5:30 max_reply_length: 70000 is out of range 0..65535"]);
    expect(warns(read(rs("        UDP_CHECK {\n            require_reply\n            min_reply_length 3\n        }")))).toEqual([
      "6:30 reply lengths are only checked with a require_reply pattern (as keepalived 2.2.7 does); ignored",
    ]);
  });
});

describe("PING_CHECK and SMTP_CHECK", () => {
  test("PING_CHECK takes the common options; a port has no meaning there", () => {
    const r = read(rs("        PING_CHECK {\n            connect_ip 198.18.9.9\n            connect_port 5\n            connect_timeout 2\n        }"));
    expect(ok(r).virtualServers[0]!.realServers[0]!.checkers[0]).toEqual({ type: "PING_CHECK", connectIp: "198.18.9.9", connectPort: 5, connectTimeoutMs: 2000, retry: 1, delayBeforeRetryMs: 1000 });
    expect(warns(r)).toEqual(["6:26 PING_CHECK has no port: connect_port is ignored"]);
  });
  test("SMTP_CHECK: helo_name and host blocks; timing keywords inside a host are the checker's (keepalived)", () => {
    const c = ok(read(rs(`        SMTP_CHECK {
            helo_name "lb.example"
            host {
                connect_ip 198.18.9.2
                connect_port 2525
                retry 4
            }
            host {
                connect_ip 198.18.9.3
                connect_timeout 3
            }
        }`)));
    const s = c.virtualServers[0]!.realServers[0]!.checkers[0] as SmtpCheck;
    expect(s).toEqual({
      type: "SMTP_CHECK", heloName: "lb.example", connectTimeoutMs: 5000, retry: 4, delayBeforeRetryMs: 1000,
      host: [{ connectIp: "198.18.9.2", connectPort: 2525 }, { connectIp: "198.18.9.3", connectTimeoutMs: 3000 }],
    });
    expect(ok(read(writeKeepalived(c)))).toEqual(c);
    const plain = ok(read(rs("        SMTP_CHECK {\n        }"))).virtualServers[0]!.realServers[0]!.checkers[0] as SmtpCheck;
    expect([plain.heloName, plain.host]).toEqual(["smtpchecker.keepalived.org", []]);
    expect(writeKeepalived(ok(read(rs("        SMTP_CHECK {\n        }"))))).toContain("SMTP_CHECK {\n        }");
    expect(errs(read(rs("        SMTP_CHECK {\n            helo_name\n        }")))).toEqual(["5:13 SMTP_CHECK 'helo_name' needs a name"]);
    expect(errs(read(rs("        SMTP_CHECK {\n            host {\n                connect_ip somewhere\n            }\n        }")))).toEqual([
      '6:28 connect_ip: the string "somewhere" is not an IP address',
    ]);
  });
  test("DNS_CHECK defaults are keepalived's: retry 3, delay_before_retry = the delay loop", () => {
    const c = ok(read(rs("        DNS_CHECK {\n            type A\n            name example.com\n        }")));
    const d = c.virtualServers[0]!.realServers[0]!.checkers[0]!;
    expect(d).toEqual({ type: "DNS_CHECK", dnsType: "A", name: "example.com", connectTimeoutMs: 5000, retry: 3 });
    expect(writeKeepalived(c)).not.toContain("retry");
  });
});
