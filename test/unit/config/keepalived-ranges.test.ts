// Differential test of value ranges against keepalived 2.2.7 itself: for each
// boundary value, vigil rejects exactly when keepalived complains about that
// line (`keepalived -t`), except where vigil is deliberately stricter or
// different, each listed with its reason.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { readKeepalived } from "../../../src/config/keepalived-reader.ts";
import { memorySource } from "../../../src/config/source.ts";

const dir = mkdtempSync(`${tmpdir()}/vigil-kranges-`);
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const ENVIRONMENT = /doesn't exist|does not exist|Non-existent interface|SECURITY VIOLATION/;

type Case = { what: string; text: string; line: number };
const cases: Case[] = [];
const add = (what: string, text: string, line: number) => cases.push({ what, text, line });
const inst = (line: string, version = 2) =>
  `vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n version ${version}\n ${line}\n virtual_ipaddress {\n  198.18.0.1\n }\n}\n`;
const vs = (inner: string, rs = "") =>
  `virtual_server 198.18.0.1 80 {\n protocol TCP\n lb_algo rr\n lb_kind NAT\n ${inner}\n real_server 198.18.0.2 80 {\n  weight 1\n  ${rs}\n }\n}\n`;
for (const v of ["0", "1", "255", "256", "x"]) add(`priority ${v}`, inst(`priority ${v}`), 5);
for (const v of ["0", "1", "255", "256"]) add(`virtual_router_id ${v}`, inst("").replace("virtual_router_id 51", `virtual_router_id ${v}`), 3);
for (const v of ["0", "1", "1.5", "255", "256"]) add(`v2 advert_int ${v}`, inst(`advert_int ${v}`), 5);
for (const v of ["0.01", "0.015", "40.95", "40.96"]) add(`v3 advert_int ${v}`, inst(`advert_int ${v}`, 3), 5);
for (const v of ["0", "1000", "1001"]) add(`preempt_delay ${v}`, inst(`preempt_delay ${v}`), 5);
for (const v of ["254", "-254", "256"]) add(`track_interface weight ${v}`, inst(`track_interface {\n  eth1 weight ${v}\n }`), 6);
for (const v of ["0", "1", "1000"]) add(`garp_master_repeat ${v}`, inst(`garp_master_repeat ${v}`), 5);
for (const v of ["0", "3601"]) add(`garp_master_delay ${v}`, inst(`garp_master_delay ${v}`), 5);
for (const v of ["12345678", "123456789"]) add(`auth_pass ${v}`, inst(`authentication {\n  auth_type PASS\n  auth_pass ${v}\n }`), 7);
for (const v of ["0", "2147483647", "2147483648"]) add(`real_server weight ${v}`, vs("").replace("weight 1", `weight ${v}`), 7);
for (const v of ["0", "0.5"]) add(`delay_loop ${v}`, vs(`delay_loop ${v}`), 5);
for (const v of ["0", "1"]) add(`persistence_timeout ${v}`, vs(`persistence_timeout ${v}`), 5);
for (const v of ["0", "1"]) add(`quorum ${v}`, vs(`quorum ${v}`), 5);
for (const v of ["99", "100", "599", "600", "200-299", "299-200"]) add(`status_code ${v}`, vs("", `HTTP_GET {\n   url {\n    path /\n    status_code ${v}\n   }\n  }`), 11);
for (const v of ["0", "0.001"]) add(`connect_timeout ${v}`, vs("", `TCP_CHECK {\n   connect_timeout ${v}\n  }`), 9);
for (const v of ["0", "65535", "65536"]) add(`connect_port ${v}`, vs("", `TCP_CHECK {\n   connect_port ${v}\n  }`), 9);
for (const v of ["0", "-1"]) add(`retry ${v}`, vs("", `TCP_CHECK {\n   retry ${v}\n  }`), 9);
for (const v of ["1", "0"]) add(`misc_timeout ${v}`, vs("", `MISC_CHECK {\n   misc_path /bin/true\n   misc_timeout ${v}\n  }`), 10);
for (const v of ["wcl", "ovf"]) add(`lb_algo ${v}`, vs("").replace("lb_algo rr", `lb_algo ${v}`), 3);
for (const v of ["FOO", "DR"]) add(`lb_kind ${v}`, vs("").replace("lb_kind NAT", `lb_kind ${v}`), 4);
for (const v of ["0", "99", "100"]) add(`vrrp_rt_priority ${v}`, `global_defs {\n vrrp_rt_priority ${v}\n}\n`, 2);
for (const v of ["-21", "-20", "19", "20"]) add(`vrrp_priority ${v}`, `global_defs {\n vrrp_priority ${v}\n}\n`, 2);
for (const v of ["0", "3601"]) add(`smtp_connect_timeout ${v}`, `global_defs {\n smtp_connect_timeout ${v}\n}\n`, 2);

/** Cases where vigil knowingly differs from keepalived 2.2.7, and why. */
const DELIBERATE: Record<string, string> = {
  "v2 advert_int 1.5": "RFC 3768 §5.3.7: the v2 advert carries whole seconds",
  "v3 advert_int 0.015": "RFC 5798 §5.2.7: the v3 advert carries centiseconds",
  "v3 advert_int 40.96": "RFC 5798 §5.2.7: 12 bits of centiseconds end at 40.95 s",
  "misc_timeout 0": "a script with no time at all cannot run; vigil wants ≥ 1 s",
  "vrrp_rt_priority 0": "vigil runs realtime by default; 0 is its way to switch that off",
  "track_interface weight 256": "keepalived 2.2.7 takes it silently although its own limit is ±254",
};

function keepalivedRejects(c: Case, i: number): boolean {
  const file = `${dir}/c${i}.conf`;
  writeFileSync(file, c.text);
  const r = Bun.spawnSync(["setsid", "-w", "keepalived", "-t", "-f", file, "--pid", `${dir}/k.pid`, "--vrrp_pid", `${dir}/v.pid`, "--checkers_pid", `${dir}/c.pid`], {
    stdout: "pipe",
    stderr: "pipe",
    timeout: 20_000,
  });
  const out = `${r.stdout}${r.stderr}`.split("\n");
  return out.some((l) => l.includes(`Line ${c.line})`) && !ENVIRONMENT.test(l));
}

const vigilRejects = (c: Case) =>
  readKeepalived("/t/k.conf", memorySource({ "/t/k.conf": c.text })).errors.some((e) => e.loc?.line === c.line);

describe.if(Bun.which("keepalived") !== null && Bun.which("setsid") !== null)("value ranges agree with keepalived 2.2.7", () => {
  test(`${cases.length} boundary values: vigil rejects exactly what keepalived complains about, bar the listed exceptions`, () => {
    const verdicts = cases.map((c, i) => {
      const k = keepalivedRejects(c, i);
      const v = vigilRejects(c);
      return { what: c.what, vigil: v ? "reject" : "accept", keepalived: k ? "reject" : "accept" };
    });
    const differ = verdicts.filter((x) => x.vigil !== x.keepalived).map((x) => x.what);
    expect(differ.sort()).toEqual(Object.keys(DELIBERATE).sort());
  }, 60_000);
});
