// Fuzz: `vigil status --broker`'s fold of retained fleet messages
// (src/cli/status-fleet.ts) on seeded random topics and bodies, as anyone who
// may publish under the fleet's root could send them.
import { describe, expect, test } from "bun:test";
import { addMessage, emptyView, renderFleet } from "../../src/cli/status-fleet.ts";
import { encodeBody } from "../../src/fleet/payload.ts";
import { Prng } from "../unit/vrrp/prng.ts";

describe("fleet view", () => {
  test("fuzz: 20 000 seeded random topics and bodies never throw, and the view stays printable", () => {
    const rng = new Prng(0x5eed7);
    const levels = ["vigil", "v1", "edge", "gw-a", "gw-b", "status", "vrrp", "lvs", "alarm", "config", "state", "set", "+", "#", "", "%2F", "__proto__", "VI_1"];
    const values: unknown[] = [null, 0, -1, "x", [], [1, 2], { status: "online" }, { state: "MASTER", since: "soon" }, { active: true, peers: "gw" }, { up: 1, weight: {} }, { accepted: true }];
    const v = emptyView("edge");
    for (let i = 0; i < 20_000; i++) {
      const n = rng.int(0, 7);
      const topic = [..."vigil/v1/edge".split("/").slice(0, rng.int(0, 3)), ...Array.from({ length: n }, () => rng.pick(levels))].join("/");
      let body: Uint8Array;
      const k = rng.int(0, 3);
      if (k < 2) body = new Uint8Array(encodeBody(rng.pick(values), k === 0 ? "cbor" : "json"));
      else if (k === 2) body = new Uint8Array(0);
      else body = Uint8Array.from({ length: rng.int(1, 24) }, () => rng.int(0, 255));
      addMessage(v, topic, body);
    }
    expect(v.undecodable.length).toBeLessThanOrEqual(100);
    expect(typeof renderFleet(v, 1_800_000_000_000)).toBe("string");
    expect(JSON.parse(JSON.stringify(v)).fleet).toBe("edge");
  });
});
