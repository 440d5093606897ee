// keepalived 2.2.7 vrrp_instance down_timer_adverts N (1..100): Master_Down_Interval
// = N * Master_Adver_Interval + Skew_Time (vrrp.h VRRP_MS_DOWN_TIMER) instead of
// RFC 5798 §6.1's 3; Skew_Time is unchanged (v3: (256 - Priority) * interval / 256,
// v2: (256 - Priority) / 256 s).
import { describe, expect, test } from "bun:test";
import { configToCbor, readCbor } from "../../../src/config/config-cbor.ts";
import { configToJson, readJson } from "../../../src/config/json.ts";
import { readKeepalived } from "../../../src/config/keepalived-reader.ts";
import { writeKeepalived } from "../../../src/config/keepalived-writer.ts";
import { memorySource } from "../../../src/config/source.ts";
import { paramsFromConfig } from "../../../src/vrrp/from-config.ts";
import { State } from "../../../src/vrrp/actions.ts";
import { resolveParams, VrrpParamsError } from "../../../src/vrrp/params.ts";
import { masterDownInterval } from "../../../src/vrrp/timing.ts";
import { advert, BASE, fsm, step } from "./helpers.ts";

const read = (text: string) => readKeepalived("/t/k.conf", memorySource({ "/t/k.conf": text }));
const conf = (line: string) =>
  `vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 5\n  priority 100\n  ${line}\n  virtual_ipaddress {\n    198.18.5.1\n  }\n}\n`;

describe("down_timer_adverts", () => {
  test("keepalived VRRP_MS_DOWN_TIMER: N * Master_Adver_Interval + Skew_Time, v3 and v2", () => {
    expect(masterDownInterval(3, 100, 1000, 5)).toBe(5000 + 156 * 1000 / 256);
    expect(masterDownInterval(3, 100, 1000)).toBe(3000 + 156 * 1000 / 256);
    expect(masterDownInterval(2, 100, 2000, 1)).toBe(2000 + 156 * 1000 / 256);
  });

  test("RFC 5798 §6.4.2 with down_timer_adverts 5: a backup takes over after 5 silent intervals plus skew, not 3", () => {
    const mdi = 5 * 1000 + 156 * 1000 / 256;
    const f = fsm({ downTimerAdverts: 5 });
    step(f, (x) => x.startup(0));
    expect(advert(f, 200, 150)).toEqual([{ kind: "SetTimer", timer: "master_down", at: 200 + mdi }]);
    step(f, (x) => x.tick(200 + 3000 + 610));
    expect(f.state).toBe(State.Backup);
    step(f, (x) => x.tick(200 + mdi));
    expect(f.state).toBe(State.Master);
    // v3 learns the master's interval (RFC 5798 §6.4.2): N times that one
    const g = fsm({ downTimerAdverts: 1 });
    step(g, (x) => x.startup(0));
    advert(g, 100, 200, "198.18.0.1", 100);
    expect(g.masterDownAt).toBe(100 + 100 + (156 * 100) / 256);
  });

  test("read, written back, through JSON and CBOR; absent = 3; 0 and 101 refused with the line", () => {
    const c = read(conf("down_timer_adverts 7")).config!;
    expect(c.instances[0]!.downTimerAdverts).toBe(7);
    expect(writeKeepalived(c)).toContain("    down_timer_adverts 7\n");
    expect(read(writeKeepalived(c)).config).toEqual(c);
    expect(readJson(configToJson(c)).config).toEqual(c);
    expect(readCbor(configToCbor(c)).config).toEqual(c);
    expect(resolveParams(paramsFromConfig(c, c.instances[0]!, { primary: "198.18.5.2" })).downTimerAdverts).toBe(7);
    const plain = read(conf("priority 100")).config!;
    expect(resolveParams(paramsFromConfig(plain, plain.instances[0]!, { primary: "198.18.5.2" })).downTimerAdverts).toBe(3);
    for (const v of ["0", "101"]) {
      const r = read(conf(`down_timer_adverts ${v}`));
      expect({ v, refused: r.config === undefined, line: r.errors[0]?.loc?.line }).toEqual({ v, refused: true, line: 5 });
    }
    expect(() => resolveParams({ ...BASE, downTimerAdverts: 0 })).toThrow(VrrpParamsError);
  });
});
