// keepalived 2.2.7 global_defs vrrp_min_garp [true|false] (global_parser.c
// vrrp_min_garp_handler): one gratuitous ARP/NA per burst and no second burst
// after becoming master, for the values still at their defaults when it is read.
import { expect, test } from "bun:test";
import { readKeepalived } from "../../../src/config/keepalived-reader.ts";
import { writeKeepalived } from "../../../src/config/keepalived-writer.ts";
import { memorySource } from "../../../src/config/source.ts";
import { paramsFromConfig } from "../../../src/vrrp/from-config.ts";

const read = (text: string) => readKeepalived("/t/k.conf", memorySource({ "/t/k.conf": text }));
const conf = (globals: string) =>
  `global_defs {\n${globals}\n}\nvrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 5\n  priority 100\n  virtual_ipaddress {\n    198.18.5.1\n  }\n}\n`;
const garp = (globals: string) => {
  const c = read(conf(globals)).config!;
  const p = paramsFromConfig(c, c.instances[0]!, { primary: "198.18.5.2" }).garp!;
  return [p.masterRepeat, p.masterDelayMs];
};

test("vrrp_min_garp: garp_master_repeat 1 and no second burst (garp_master_delay 0) unless set before it; a later keyword wins", () => {
  expect(garp("")).toEqual([5, 5000]);
  expect(garp("  vrrp_min_garp")).toEqual([1, 0]);
  expect(garp("  vrrp_min_garp true")).toEqual([1, 0]);
  expect(garp("  vrrp_min_garp false")).toEqual([5, 5000]);
  expect(garp("  vrrp_garp_master_repeat 3\n  vrrp_min_garp")).toEqual([3, 0]);
  expect(garp("  vrrp_min_garp\n  vrrp_garp_master_delay 2")).toEqual([1, 2000]);
  expect(read(conf("  vrrp_min_garp maybe")).errors[0]?.loc?.line).toBe(2);
  // vigil's rewrite says the same without the keyword
  const c = read(conf("  vrrp_min_garp")).config!;
  expect(writeKeepalived(c)).toContain("vrrp_garp_master_repeat 1");
  expect(read(writeKeepalived(c)).config).toEqual(c);
});
