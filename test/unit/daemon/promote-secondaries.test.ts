// keepalived promote_secondaries (vrrp_if_config.c): while an instance asking for it
// runs, net.ipv4.conf.<if>.promote_secondaries is 1; instances on one interface are
// counted; a knob found at 1 is left alone, one vigil set goes back to 0 when the
// last of them stops (the counting rules: counted-sysctl.test.ts). (The kernel side,
// a secondary surviving its primary's removal, is in test/lab/vrrp-source-address.test.ts.)
import { describe, expect, test } from "bun:test";
import { configToCbor, readCbor } from "../../../src/config/config-cbor.ts";
import { configToJson, readJson } from "../../../src/config/json.ts";
import { readKeepalived } from "../../../src/config/keepalived-reader.ts";
import { writeKeepalived } from "../../../src/config/keepalived-writer.ts";
import { memorySource } from "../../../src/config/source.ts";
import { configPlans } from "../../../src/daemon/plan.ts";
import { holdPromoteSecondaries, promoteSecondariesHeld, releasePromoteSecondaries } from "../../../src/daemon/promote-secondaries.ts";
import type { Sysctl } from "../../../src/sys/sysctl.ts";
import { memorySysctl } from "./memory-sysctl.ts";

const K = (i: string) => `net/ipv4/conf/${i}/promote_secondaries`;
const read = (text: string) => readKeepalived("/t/k.conf", memorySource({ "/t/k.conf": text }));
const conf = (extra: string) => `vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 5\n  ${extra}\n  virtual_ipaddress {\n    198.18.5.1/24\n  }\n}\n`;

describe("promote_secondaries", () => {
  test("set to 1 by the first instance on the interface, back to 0 after the last one stops", () => {
    const b = memorySysctl({ [K("eth9")]: "0" });
    const warn = (m: string) => { throw new Error(m); };
    holdPromoteSecondaries("eth9", warn, b.sys);
    holdPromoteSecondaries("eth9", warn, b.sys);
    expect(promoteSecondariesHeld().get("eth9")).toBe(2);
    releasePromoteSecondaries("eth9", warn, b.sys);
    expect(b.values.get(K("eth9"))).toBe("1");
    releasePromoteSecondaries("eth9", warn, b.sys);
    expect(b.writes).toEqual([`${K("eth9")}=1`, `${K("eth9")}=0`]);
    expect(promoteSecondariesHeld().has("eth9")).toBe(false);
  });

  test("a knob already 1 is neither written nor reset; a write that fails is warned about, not thrown", () => {
    const b = memorySysctl({ [K("eth8")]: "1" });
    const warned: string[] = [];
    holdPromoteSecondaries("eth8", (m) => warned.push(m), b.sys);
    releasePromoteSecondaries("eth8", (m) => warned.push(m), b.sys);
    expect([b.writes, warned]).toEqual([[], []]);
    const ro: Sysctl = { read: () => "0", write: () => { throw new Error("EROFS"); } };
    holdPromoteSecondaries("eth7", (m) => warned.push(m), ro);
    releasePromoteSecondaries("eth7", (m) => warned.push(m), ro);
    expect(warned).toEqual(["promote_secondaries: cannot set net.ipv4.conf.eth7.promote_secondaries = 1: EROFS"]);
  });

  test("read, written back, through JSON and CBOR; the plan names the interface (none with use_vmac: keepalived sets it on every vmac)", () => {
    const c = read(conf("promote_secondaries")).config!;
    expect(c.instances[0]!.promoteSecondaries).toBe(true);
    expect(writeKeepalived(c)).toContain("    promote_secondaries\n");
    expect(read(writeKeepalived(c)).config).toEqual(c);
    expect(readJson(configToJson(c)).config).toEqual(c);
    expect(readCbor(configToCbor(c)).config).toEqual(c);
    expect(configPlans(c).plans[0]!.promoteSecondaries).toBe("eth0");
    const vmac = read(conf("promote_secondaries\n  use_vmac"));
    expect(configPlans(vmac.config!).plans[0]!.promoteSecondaries).toBeUndefined();
    expect(vmac.warnings.map((w) => [w.loc?.line, w.message])).toContainEqual([4, expect.stringContaining("promote_secondaries is set on every vmac anyway")]);
    expect(configPlans(read(conf("priority 100")).config!).plans[0]!.promoteSecondaries).toBeUndefined();
    const bad = read(conf("promote_secondaries 2"));
    expect([bad.config, bad.errors[0]?.loc?.line]).toEqual([undefined, 4]);
  });
});
