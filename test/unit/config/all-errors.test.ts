// `vigil config check` reports every independent error of a config in one pass,
// in file order, one line each (keepalived -t's habit), capped with a count;
// --json gives the same findings to editors and CI.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { readJson } from "../../../src/config/json.ts";
import { readKeepalived } from "../../../src/config/keepalived-reader.ts";
import type { LoadResult } from "../../../src/config/result.ts";
import { memorySource } from "../../../src/config/source.ts";

const ROOT = `${import.meta.dir}/../../..`;
const dir = mkdtempSync(`${tmpdir()}/vigil-allerr-`);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const read = (text: string): LoadResult => readKeepalived("/k.conf", memorySource({ "/k.conf": text }));
const where = (r: LoadResult) => r.errors.map((d) => `${d.loc?.line}:${d.loc?.col} ${d.message}`);

function check(...args: string[]) {
  const r = Bun.spawnSync([process.execPath, `${ROOT}/src/main.ts`, "config", "check", ...args], { stdout: "pipe", stderr: "pipe" });
  return { code: r.exitCode, out: r.stdout.toString(), err: r.stderr.toString() };
}

const TWO_BAD = `vrrp_instance VI_1 {
  interface eth0
  state BACKUP
  virtual_router_id 300
  priority 100
  advert_int 1
  virtual_ipaddress {
    198.18.0.300/24
  }
}
`;

describe("every independent error in one pass", () => {
  test("a bad virtual_router_id on line 4 and a bad address on line 8 are both reported", () => {
    expect(where(read(TWO_BAD))).toEqual([
      "4:21 virtual_router_id: 300 is out of range 1..255",
      "8:5 '198.18.0.300' is not an IPv4 or IPv6 address",
    ]);
  });
  test("errors in several sections and several fields of one section all come out, sorted by position", () => {
    const r = read(`${TWO_BAD}vrrp_instance VI_2 {
  interface eth0
  virtual_router_id abc
  priority 1000
  unicast_peer {
    1.2.3
  }
}
virtual_server 198.18.0.1 99999 {
  protocol TCP
  real_server 198.18.0.500 80 {
  }
}
`);
    expect(where(r)).toEqual([
      "4:21 virtual_router_id: 300 is out of range 1..255",
      "8:5 '198.18.0.300' is not an IPv4 or IPv6 address",
      "13:21 'virtual_router_id' expects an integer, got 'abc'",
      "14:12 priority: 1000 is out of range 1..255",
      "16:5 '1.2.3' is not an IPv4 or IPv6 address",
      "19:27 port: 99999 is out of range 0..65535",
      "21:15 '198.18.0.500' is not an IPv4 or IPv6 address",
    ]);
  });
  test("a keyword refused for its value is not reported a second time as missing", () => {
    expect(where(read("vrrp_instance V {\n  interface eth0\n  virtual_router_id x\n}\n"))).toEqual(["3:21 'virtual_router_id' expects an integer, got 'x'"]);
  });
  test("a rule about a refused field is not run on its stand-in (no duplicate VRID error from placeholders)", () => {
    const r = read("vrrp_instance A {\n  interface eth0\n  virtual_router_id 0\n}\nvrrp_instance B {\n  interface eth0\n  virtual_router_id 0\n}\n");
    expect(where(r)).toEqual(["3:21 virtual_router_id: 0 is out of range 1..255", "7:21 virtual_router_id: 0 is out of range 1..255"]);
  });
  test("JSON configs get every error too, each with its field path", () => {
    const r = readJson(JSON.stringify({ instances: [{ name: "A", interface: "eth0", virtualRouterId: 0, virtualIpaddress: [{ address: "1.2.3", prefix: 24 }] }] }));
    expect(r.errors.map((d) => `${d.path?.join(".")}: ${d.message}`)).toEqual([
      "instances.0.virtualRouterId: 0 is out of range 1..255",
      "instances.0.virtualIpaddress.0.address: '1.2.3' is not an IPv4 or IPv6 address",
    ]);
  });
});

describe("vigil config check output", () => {
  test("one line per problem in file order, then the count, exit 1", () => {
    const f = `${dir}/two.conf`;
    writeFileSync(f, TWO_BAD);
    const r = check(f);
    expect(r.code).toBe(1);
    expect(r.err.split("\n").filter(Boolean)).toEqual([
      `${f}:4:21: error: virtual_router_id: 300 is out of range 1..255 (at 'virtual_router_id 300')`,
      `${f}:8:5: error: '198.18.0.300' is not an IPv4 or IPv6 address (at '198.18.0.300/24')`,
      `${f}: 2 error(s), 0 warning(s)`,
    ]);
  });
  test("past --max (default 100) the rest is counted, not printed", () => {
    const f = `${dir}/many.conf`;
    const vips = Array.from({ length: 130 }, (_, i) => `    198.18.${i}.999`).join("\n");
    writeFileSync(f, TWO_BAD.replace("    198.18.0.300/24", vips));
    const r = check(f);
    const lines = r.err.split("\n").filter(Boolean);
    expect(r.code).toBe(1);
    expect(lines).toHaveLength(102);
    expect(lines[100]).toBe("… and 31 more (31 error(s), 0 warning(s)); --max 0 shows all");
    expect(lines[101]).toBe(`${f}: 131 error(s), 0 warning(s)`);
    expect(check("--max", "5", f).err.split("\n").filter(Boolean)[5]).toBe("… and 126 more (126 error(s), 0 warning(s)); --max 0 shows all");
    expect(check("--max", "0", f).err.split("\n").filter(Boolean)).toHaveLength(132);
  });
  test("--json is an array of {file,line,col,severity,message,code?} in the same order", () => {
    const f = `${dir}/json.conf`;
    writeFileSync(f, `$P=300\n${TWO_BAD.replace("priority 100", "priority $P\n  weight $W")}`);
    const r = check("--json", f);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out)).toEqual([
      // reported where the value was written: the definition on line 1
      { file: f, line: 1, col: 4, severity: "error", message: "priority: 300 is out of range 1..255", via: `in $P used at ${f}:6:12` },
      { file: f, line: 5, col: 21, severity: "error", message: "virtual_router_id: 300 is out of range 1..255" },
      { file: f, line: 7, col: 3, severity: "warning", message: "unknown keyword 'weight' in vrrp_instance VI_1, ignored" },
      { file: f, line: 7, col: 10, severity: "error", message: "$W is not defined", code: "undefined-variable" },
      { file: f, line: 10, col: 5, severity: "error", message: "'198.18.0.300' is not an IPv4 or IPv6 address" },
    ]);
    expect(check("--json", `${ROOT}/test/fixtures/ipv6.conf`)).toMatchObject({ code: 0, out: "[]\n" });
  });
  test("-i/--config-id picks the @ID lines; a config id with a blank is a usage error", () => {
    const f = `${dir}/cond.conf`;
    writeFileSync(f, TWO_BAD.replace("virtual_router_id 300", "@r1 virtual_router_id 1\n  @r2 virtual_router_id 300").replace("198.18.0.300", "198.18.0.1"));
    expect(check("-i", "r1", f).code).toBe(0);
    expect(check("--config-id=r2", f)).toMatchObject({ code: 1, err: expect.stringContaining(`${f}:5:25: error: virtual_router_id: 300`) });
    expect(check("--config-id", "a b", f).code).toBe(2);
    expect(check(f, "-i").code).toBe(2);
  });
});
