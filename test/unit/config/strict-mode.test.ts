// keepalived 2.2.7 vrrp_instance strict_mode [true|false]: vrrp_strict's rules for
// one instance (vrrp_complete_instance: an instance without it takes global
// vrrp_strict). Refusals carry the instance's line; what keepalived resets
// (state MASTER of a non-owner, higher_prio_send_advert, accept's
// default, authentication) is reset in the core's parameters too.
import { describe, expect, test } from "bun:test";
import { configToCbor, readCbor } from "../../../src/config/config-cbor.ts";
import { configToJson, readJson } from "../../../src/config/json.ts";
import { readKeepalived } from "../../../src/config/keepalived-reader.ts";
import { writeKeepalived } from "../../../src/config/keepalived-writer.ts";
import { memorySource } from "../../../src/config/source.ts";
import { paramsFromConfig } from "../../../src/vrrp/from-config.ts";

const read = (text: string) => readKeepalived("/t/k.conf", memorySource({ "/t/k.conf": text }));
const conf = (globals: string, body: string, vips = "    198.18.5.1\n") =>
  `global_defs {\n${globals}\n}\nvrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 5\n  priority 100\n${body}  virtual_ipaddress {\n${vips}  }\n}\n`;
const params = (text: string) => {
  const c = read(text).config!;
  return paramsFromConfig(c, c.instances[0]!, { primary: "198.18.5.2" });
};

describe("strict_mode", () => {
  test("read (bare = true), written back, through JSON and CBOR", () => {
    for (const [line, want] of [["strict_mode", true], ["strict_mode true", true], ["strict_mode false", false]] as const) {
      const c = read(conf("", `  ${line}\n`)).config!;
      expect(c.instances[0]!.strictMode).toBe(want);
      expect(read(writeKeepalived(c)).config).toEqual(c);
      expect(readJson(configToJson(c)).config).toEqual(c);
      expect(readCbor(configToCbor(c)).config).toEqual(c);
    }
    expect(read(conf("", "")).config!.instances[0]!.strictMode).toBeUndefined();
  });

  test("vrrp_strict's refusals for this instance alone, with its line: unicast peers, no virtual address", () => {
    const peers = read(conf("", "  strict_mode\n  unicast_peer {\n    198.18.5.3\n  }\n"));
    expect(peers.config).toBeUndefined();
    expect(peers.errors.map((e) => e.message)).toEqual(["vrrp_strict forbids unicast peers"]);
    expect(peers.errors[0]!.loc?.line).toBeGreaterThan(3);
    const none = read(conf("", "  strict_mode\n", ""));
    expect(none.errors.map((e) => e.message)).toEqual(["vrrp_strict requires at least one virtual_ipaddress"]);
    // strict_mode false lifts global vrrp_strict for the instance
    expect(read(conf("  vrrp_strict", "  strict_mode false\n  unicast_peer {\n    198.18.5.3\n  }\n")).errors).toEqual([]);
  });

  test("keepalived's resets in strict mode reach the core: non-owner starts BACKUP, accept off, lower_prio_no_advert on, higher_prio_send_advert off, authentication ignored", () => {
    const body = "  state MASTER\n  nopreempt\n  higher_prio_send_advert\n  version 2\n  authentication {\n    auth_type PASS\n    auth_pass secret\n  }\n";
    const loose = params(conf("", body));
    // (state MASTER clears nopreempt when it starts MASTER: the loose instance preempts)
    expect([loose.preempt, loose.initialState, loose.accept, loose.lowerPrioNoAdvert, loose.higherPrioSendAdvert, loose.authPass, loose.strict])
      .toEqual([true, "master", true, false, true, "secret", false]);
    const strict = params(conf("", `  strict_mode\n${body}`));
    expect([strict.preempt, strict.initialState, strict.accept, strict.lowerPrioNoAdvert, strict.higherPrioSendAdvert, strict.authPass, strict.strict])
      .toEqual([false, "backup", false, true, false, undefined, true]);
    // the same as global vrrp_strict, and strict_mode false undoes it
    expect(params(conf("  vrrp_strict", body))).toEqual(strict);
    expect(params(conf("  vrrp_strict", `  strict_mode false\n${body}`))).toEqual(loose);
    // the address owner may start MASTER
    expect(params(conf("", "  strict_mode\n  state MASTER\n").replace("priority 100", "priority 255")).initialState).toBe("master");
  });

  test("nopreempt and preempt_delay follow keepalived's resets: off for the address owner and for an instance starting MASTER; preempt_delay off under strict mode and with nopreempt", () => {
    const p = (body: string, prio = 100) => params(conf("", body).replace("priority 100", `priority ${prio}`));
    const w = (body: string) => read(conf("", body)).warnings.map((x) => x.message);
    expect([p("  nopreempt\n").preempt, p("  state BACKUP\n  nopreempt\n").preempt]).toEqual([false, false]);
    expect(p("  nopreempt\n", 255).preempt).toBe(true);
    expect(p("  state MASTER\n  nopreempt\n").preempt).toBe(true);
    // strict mode starts a non-owner BACKUP, so its nopreempt stands (no strict rule about nopreempt in keepalived 2.2.7)
    expect(p("  strict_mode\n  nopreempt\n").preempt).toBe(false);
    expect(w("  strict_mode\n  nopreempt\n").some((m) => m.includes("nopreempt"))).toBe(false);
    expect(p("  preempt_delay 5\n").preemptDelayMs).toBe(5000);
    for (const body of ["  strict_mode\n  preempt_delay 5\n", "  nopreempt\n  preempt_delay 5\n", "  state MASTER\n  preempt_delay 5\n"]) {
      expect(p(body).preemptDelayMs).toBe(0);
      expect(w(body).filter((m) => m.includes("preempt_delay")).length).toBe(1);
    }
    expect(w("  state MASTER\n  nopreempt\n")).toContain("nopreempt is turned off by state MASTER (keepalived: \"nopreempt will not work with initial state MASTER - clearing\")");
  });
});
