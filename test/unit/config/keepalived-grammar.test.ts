// keepalived's grammar ($NAME definitions, multi-line ones, @ID conditionals,
// ~SEQ/~SEQx/~LST, include relative to the including file) compared with
// keepalived 2.2.7 itself (`keepalived -t -i ID -f FILE`, Debian's binary):
// for each config here keepalived accepts what vigil accepts and rejects what
// vigil rejects; and vigil's expanded rewrite (`config convert --to
// keepalived`) is accepted by keepalived and reads back to the same model.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { formatDiagnostic } from "../../../src/config/diagnostics.ts";
import { readKeepalived } from "../../../src/config/keepalived-reader.ts";
import { writeKeepalived } from "../../../src/config/keepalived-writer.ts";
import { loadConfigFile } from "../../../src/config-io/load.ts";
import { memorySource } from "../../../src/config/source.ts";

const G = `${import.meta.dir}/../../fixtures/grammar`;
const dir = mkdtempSync(`${tmpdir()}/vigil-kgram-`);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Environment, not syntax: names of this machine (no such interface or script user, script security).
const ENVIRONMENT = /doesn't exist|does not exist|Non-existent interface|SECURITY VIOLATION/;

/** keepalived's complaints about a config file read with config id `id`, minus the environmental ones. */
function keepalivedComplaints(file: string, id: string): string[] {
  // setsid: keepalived's config test signals its own process group on exit;
  // its own pid files keep it away from any keepalived the lab tests run.
  const r = Bun.spawnSync(
    ["setsid", "-w", "keepalived", "-t", "-i", id, "-f", file, "--pid", `${dir}/k.pid`, "--vrrp_pid", `${dir}/v.pid`, "--checkers_pid", `${dir}/c.pid`],
    { stdout: "pipe", stderr: "pipe", timeout: 20_000 },
  );
  const lines = `${r.stdout}${r.stderr}`.split("\n").map((l) => l.trim()).filter(Boolean);
  return [...new Set(lines.filter((l) => !ENVIRONMENT.test(l)))];
}

const haveKeepalived = Bun.which("keepalived") !== null && Bun.which("setsid") !== null;

// [file under test/fixtures/grammar, config id]
const ACCEPTED: Array<[string, string]> = [
  ["accept/seq-instances.conf", "r1"],
  ["accept/seq-instances.conf", "r2"],
  ["accept/seq-instances.conf", "other"],
  ["accept/seqx-ipv6.conf", "r1"],
  ["accept/lst-peers.conf", "r1"],
  ["accept/nested-lvs.conf", "r1"],
  ["accept/site/main.conf", "r1"],
  ["reject/conditional-bad-vrid.conf", "r1"],
];
const REJECTED: Array<[string, string]> = [
  ["reject/conditional-bad-vrid.conf", "r2"],
  ["reject/seq-bad-address.conf", "r1"],
  ["reject/seq-bad-step.conf", "r1"],
  ["reject/undefined-variable.conf", "r1"],
  ["reject/multiline-mid-line.conf", "r1"],
  ["reject/blank-before-equals.conf", "r1"],
  ["reject/self-reference.conf", "r1"],
];

describe.if(haveKeepalived)("keepalived 2.2.7 and vigil agree on the expansion grammar", () => {
  for (const [f, id] of ACCEPTED) {
    test(`${f} -i ${id}: both accept; keepalived accepts vigil's expanded rewrite, which reads back to the same model`, () => {
      const r = loadConfigFile(`${G}/${f}`, { configId: id });
      expect(r.errors.map((d) => formatDiagnostic(d))).toEqual([]);
      expect(keepalivedComplaints(`${G}/${f}`, id)).toEqual([]);
      const rewrite = `${dir}/${f.replaceAll("/", "_")}.${id}.conf`;
      writeFileSync(rewrite, writeKeepalived(r.config!));
      expect(keepalivedComplaints(rewrite, id)).toEqual([]);
      const again = readKeepalived("/rw.conf", memorySource({ "/rw.conf": writeKeepalived(r.config!) }), { configId: id });
      expect(again.config).toEqual(r.config!);
    });
  }
  for (const [f, id] of REJECTED) {
    test(`${f} -i ${id}: both reject`, () => {
      const r = loadConfigFile(`${G}/${f}`, { configId: id });
      expect(r.config).toBeUndefined();
      expect(keepalivedComplaints(`${G}/${f}`, id).length).toBeGreaterThan(0);
    });
  }
});

describe("what the accepted grammar configs expand to", () => {
  test("seq-instances: three instances from one definition; priority and router_id follow the config id", () => {
    const c = (id: string) => loadConfigFile(`${G}/accept/seq-instances.conf`, { configId: id }).config!;
    expect(c("r1").instances.map((i) => [i.name, i.virtualRouterId, i.priority, i.virtualIpaddress.map((v) => `${v.address}/${v.prefix}`)])).toEqual([
      ["VI_1", 1, 150, ["198.18.1.1/24", "198.18.1.2/24"]],
      ["VI_2", 2, 150, ["198.18.2.1/24", "198.18.2.2/24"]],
      ["VI_3", 3, 150, ["198.18.3.1/24", "198.18.3.2/24"]],
    ]);
    expect(c("r1").global.routerId).toBe("lb-r1");
    expect(c("r2").instances.map((i) => i.priority)).toEqual([100, 100, 100]);
    expect(c("other").instances.map((i) => i.priority)).toEqual([50, 50, 50]);
  });
  test("nested-lvs: two virtual servers of three real servers each", () => {
    const c = loadConfigFile(`${G}/accept/nested-lvs.conf`).config!;
    expect(c.virtualServers.map((v) => [v.ip, v.realServers.map((r) => r.ip)])).toEqual([
      ["198.18.10.0", ["198.18.0.1", "198.18.0.2", "198.18.0.3"]],
      ["198.18.10.1", ["198.18.1.1", "198.18.1.2", "198.18.1.3"]],
    ]);
  });
  test("site/main.conf: definitions cross files, includes resolve from the including file", () => {
    const c = loadConfigFile(`${G}/accept/site/main.conf`).config!;
    expect(c.instances.map((i) => [i.name, i.interface, i.virtualRouterId, i.virtualIpaddress[0]!.address])).toEqual([
      ["A", "eth0", 81, "198.18.20.81"],
      ["B", "eth0", 82, "198.18.20.82"],
    ]);
  });
  test("seqx-ipv6 and lst-peers", () => {
    expect(loadConfigFile(`${G}/accept/seqx-ipv6.conf`).config!.instances[0]!.virtualIpaddress.map((v) => v.address)).toEqual([
      "fd00::90:1", "fd00::90:2", "fd00::a0:1", "fd00::a0:2", "fd00::b0:1", "fd00::b0:2",
    ]);
    const u = loadConfigFile(`${G}/accept/lst-peers.conf`).config!;
    expect(u.instances[0]!.unicastPeer).toEqual(["198.18.5.2", "198.18.5.3", "198.18.5.4"]);
    expect(u.instances[0]!.virtualIpaddress.map((v) => `${v.address}/${v.prefix}`)).toEqual(["198.18.6.10/24", "198.18.6.11/25"]);
    expect(u.scripts[0]!.script).toBe("/bin/true --quiet");
  });
});
