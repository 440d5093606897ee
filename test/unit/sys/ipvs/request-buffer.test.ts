import { describe, expect, test } from "bun:test";
import { parseMessages } from "../../../../src/sys/netlink/message.ts";
import { parseGenl } from "../../../../src/sys/netlink/genetlink.ts";
import { IPVS_CMD_ATTR, IPVS_SVC_ATTR } from "../../../../src/sys/ipvs/constants.ts";
import { decodeDest, decodeService, writeDest, writeServiceFull, writeServiceKeyNest } from "../../../../src/sys/ipvs/codec.ts";
import { RequestBuffer } from "../../../../src/sys/ipvs/request-buffer.ts";
import { normalizeService } from "../../../../src/lvs/reconcile.ts";
import { mulberry32, randomTable } from "../../lvs/reconcile-model.ts";

describe("request buffer", () => {
  test("thousands of requests laid back to back parse as valid netlink messages that decode to what was written, across buffer growth", () => {
    const r = new RequestBuffer(64); // tiny: forces many growths
    const table = randomTable(mulberry32(99), 40).map(normalizeService);
    const expected: unknown[] = [];
    for (let round = 0; round < 50; round++) {
      for (const s of table) {
        r.begin(0x20, 1, 1);
        writeServiceFull(r, s, "t");
        r.end();
        expected.push({ ...s, dests: [] });
        for (const d of s.dests) {
          r.begin(0x20, 5, 1);
          writeServiceKeyNest(r, s, "t");
          writeDest(r, s, d, true, "t");
          r.end();
          expected.push(d);
        }
      }
    }
    const msgs = parseMessages(r.buf.subarray(0, r.len));
    expect(msgs.length).toBe(r.count);
    expect(msgs.length).toBe(expected.length);
    let k = 0;
    for (const m of msgs) {
      const g = parseGenl(m);
      const key = g.attrs.nested(IPVS_CMD_ATTR.SERVICE)!;
      if (g.cmd === 1) expect(decodeService(key)).toEqual(expected[k] as never);
      else expect(decodeDest(g.attrs.nested(IPVS_CMD_ATTR.DEST)!, key.u16(IPVS_SVC_ATTR.AF) === 10 ? 6 : 4)).toEqual(expected[k] as never);
      k++;
    }
  });

  test("a request that fails to encode is dropped whole (abort) and the buffer stays consistent", () => {
    const r = new RequestBuffer(256);
    r.begin(0x20, 4, 1);
    r.end();
    r.begin(0x20, 1, 1);
    r.u32(1, 7);
    r.abort();
    expect(r.count).toBe(1);
    expect(parseMessages(r.buf.subarray(0, r.len)).length).toBe(1);
    expect(() => r.end()).toThrow("end() without begin()");
  });
});
