// What vigil writes as keepalived.conf is read by keepalived 2.2.7 itself
// (Debian's binary, `keepalived -t` config test) without a single complaint,
// for the fixtures and for random configs limited to keepalived's features.
// Complaints that come only from this test machine (the interfaces and users
// named in the configs do not exist here) are the only ones tolerated.
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { writeKeepalived } from "../../../src/config/keepalived-writer.ts";
import { loadConfigFile } from "../../../src/config-io/load.ts";
import type { Config } from "../../../src/config/model.ts";
import { randomConfig } from "./random-config.ts";

const dir = mkdtempSync(`${tmpdir()}/vigil-kint-`);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Environment, not syntax: the configs name interfaces and script users this machine lacks.
const ENVIRONMENT = /doesn't exist|does not exist|Non-existent interface|SECURITY VIOLATION - check scripts are being executed/;
// keepalived's note on a valid route without `dev` (its own sample has one): it only
// means keepalived does not watch that route's interface
const NOTE = /cannot track route .* with no interface specified, not tracking/;

/** keepalived's complaints about a config, minus the environmental ones. */
function keepalivedComplaints(cfg: Config, name: string): string[] {
  const file = `${dir}/${name}.conf`;
  writeFileSync(file, writeKeepalived(cfg));
  // setsid: keepalived's config test signals its own process group on exit;
  // its own pid files keep it away from any keepalived the lab tests run.
  const r = Bun.spawnSync(
    ["setsid", "-w", "keepalived", "-t", "-f", file, "--pid", `${dir}/k.pid`, "--vrrp_pid", `${dir}/v.pid`, "--checkers_pid", `${dir}/c.pid`],
    { stdout: "pipe", stderr: "pipe", timeout: 20_000 },
  );
  const lines = `${r.stdout}${r.stderr}`.split("\n").map((l) => l.trim()).filter(Boolean);
  return [...new Set(lines.filter((l) => !ENVIRONMENT.test(l) && !NOTE.test(l)))];
}

/** vigil-only knobs keepalived does not have, stripped before the comparison. */
function withoutVigilExtensions(c: Config): Config {
  const x = structuredClone(c);
  delete x.fleet;
  delete x.global.metricsListen;
  x.global.vipLifetimeMs = 3000; // the default, so the writer leaves it out
  x.global.vrrpRtPriority = 10;
  for (const i of x.instances) {
    delete i.vipLifetimeMs;
    delete i.garpIntervalMs;
    delete i.gnaIntervalMs;
  }
  return x;
}

const haveKeepalived = Bun.which("keepalived") !== null && Bun.which("setsid") !== null;

describe.if(haveKeepalived)("keepalived 2.2.7 reads vigil's keepalived.conf", () => {
  for (const f of ["two-router-sync.conf", "ipv6.conf", "unicast.conf", "dr-director.conf", "fwmark.conf", "lvs-checkers.conf", "include/main.conf"]) {
    test(`${f}, rewritten by vigil`, () => {
      const c = loadConfigFile(`${import.meta.dir}/../../fixtures/${f}`).config!;
      expect(keepalivedComplaints(withoutVigilExtensions(c), f.replace("/", "_"))).toEqual([]);
    });
  }
  test("40 random configs within keepalived's features", () => {
    for (let seed = 1; seed <= 40; seed++) {
      const c = randomConfig(seed, 1, { keepalivedSafe: true });
      expect({ seed, complaints: keepalivedComplaints(c, `r${seed}`) }).toEqual({ seed, complaints: [] });
    }
  });
  const SAMPLES = "/usr/share/doc/keepalived/samples";
  test.if(existsSync(SAMPLES))("keepalived's own samples: vigil reads all but two (named: keepalived refuses one too), keepalived reads vigil's rewrite of each", () => {
    const rejected: Record<string, string> = {};
    for (const f of readdirSync(SAMPLES).filter((n) => n.startsWith("keepalived.conf."))) {
      // "Run keepalived with either '-i high' or '-i low'"; without, its vrrp_script has no script (keepalived refuses it too)
      const r = loadConfigFile(`${SAMPLES}/${f}`, f.endsWith(".conditional_conf") ? { configId: "high" } : {});
      if (!r.config) {
        rejected[f] = r.errors[0]!.message;
        continue;
      }
      // keepalived says this of its own sample (state MASTER with auth_type AH), and so of vigil's rewrite of it
      const own = f === "keepalived.conf.SSL_GET" ? ["(VI_1) Initial state master is incompatible with AH authentication - clearing"] : [];
      expect({ f, complaints: keepalivedComplaints(r.config, `sample-${f}`) }).toEqual({ f, complaints: own });
    }
    expect(rejected).toEqual({
      // a deprecated multipath form (keepalived: '"or" for routes is deprecated. Please use "nexthop"')
      "keepalived.conf.vrrp.routes": "route option 'or' is not supported by vigil (keepalived runs it); remove it or manage this route outside vigil",
      // keepalived refuses it too: "Invalid rule to address 192.168.100./24"
      "keepalived.conf.vrrp.rules": "'192.168.100./24' is not ADDRESS[/PREFIX]",
    });
  });
  test("the comparison can fail: keepalived does complain about a vigil-only keyword", () => {
    const c = loadConfigFile(`${import.meta.dir}/../../fixtures/two-router-sync.conf`).config!;
    expect(keepalivedComplaints(c, "ext").join("\n")).toContain("Unknown keyword 'vip_lifetime'");
  });
});
