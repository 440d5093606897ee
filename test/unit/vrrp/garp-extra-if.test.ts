// keepalived garp_extra_if (vrrp.c vrrp_send_vmac_update): which interfaces get the
// periodic gratuitous ARP/NA while master, and how the instance value inherits.
import { describe, expect, test } from "bun:test";
import { effectiveGarpExtraIf, garpExtraIfFrames } from "../../../src/vrrp/garp-extra-if.ts";

const ON = { intervalMs: 60_000, all: false };
const ALL = { intervalMs: 60_000, all: true };
// instance on ifindex 2; VIPs on 2, 3 (twice) and 4
const vips = [
  { ifindex: 2, onVmac: false },
  { ifindex: 3, onVmac: false },
  { ifindex: 3, onVmac: false },
  { ifindex: 4, onVmac: false },
];

describe("garp_extra_if frames", () => {
  test("off (0) sends nothing", () => {
    expect(garpExtraIfFrames(vips, 2, false, { intervalMs: 0, all: true })).toEqual([]);
  });
  test("without all only vmac interfaces count: plain other interfaces get nothing", () => {
    expect(garpExtraIfFrames(vips, 2, false, ON)).toEqual([]);
  });
  test("with all: one frame per other interface, the first VIP of each, never the instance's own", () => {
    expect(garpExtraIfFrames(vips, 2, false, ALL)).toEqual([1, 3]);
  });
  test("the instance's vmac gets them only with vmac_xmit_base (its adverts leave from the base interface)", () => {
    const onVmac = [{ ifindex: 9, onVmac: true }, { ifindex: 9, onVmac: true }, { ifindex: 3, onVmac: false }];
    expect(garpExtraIfFrames(onVmac, 9, false, ON)).toEqual([]);
    expect(garpExtraIfFrames(onVmac, 9, true, ON)).toEqual([0]);
    expect(garpExtraIfFrames(onVmac, 9, true, ALL)).toEqual([0, 2]);
  });
});

describe("garp_extra_if inheritance", () => {
  test("the instance's value (0 = off) wins over vrrp_garp_extra_if, with its own all", () => {
    const g = { vrrpGarpExtraIfMs: 100_000, vrrpGarpExtraIfAll: true };
    expect(effectiveGarpExtraIf({}, g)).toEqual({ intervalMs: 100_000, all: true });
    expect(effectiveGarpExtraIf({ garpExtraIfMs: 0 }, g)).toEqual({ intervalMs: 0, all: false });
    expect(effectiveGarpExtraIf({ garpExtraIfMs: 5000 }, g)).toEqual({ intervalMs: 5000, all: false });
    expect(effectiveGarpExtraIf({}, {})).toEqual({ intervalMs: 0, all: false });
  });
});
