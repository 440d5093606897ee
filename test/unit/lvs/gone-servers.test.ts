// The servers that go away while serving (keepalived 2.2.7 clear_diff_services on a
// reload; clear_services at stop, where only omega tells anything).
import { expect, test } from "bun:test";
import { defaultVirtualServer, type RealServer, type VirtualServer } from "../../../src/config/model.ts";
import { droppedByReload, goneAtStop, type LiveState } from "../../../src/lvs/gone-servers.ts";

const rs = (n: number): RealServer => ({ ip: `198.18.1.${n}`, port: 80, weight: 1, checkers: [] });
const vs = (n: number, rss: number[], extra: Partial<VirtualServer> = {}): VirtualServer => ({ ...defaultVirtualServer(), ip: `198.18.0.${n}`, port: 80, realServers: rss.map(rs), ...extra });
const live = (dead: string[] = [], noQuorum: string[] = []): LiveState => ({ alive: (_v, r) => !dead.includes(r), quorumUp: (v) => !noQuorum.includes(v) });
const names = (g: ReturnType<typeof droppedByReload>) => ({
  rs: g.realServers.map((x) => `${x.vs.ip}>${x.rs.ip}`),
  vs: g.virtualServers.map((x) => `${x.vs.ip}:${x.quorumUp}`),
});

test("a reload drops the real servers the new config lacks (only those alive) and the virtual servers it lacks (with all their live real servers)", () => {
  const old = [vs(10, [1, 2, 3]), vs(11, [4, 5])];
  const next = [vs(10, [1])];
  expect(names(droppedByReload(old, live(["198.18.1.3:80"], ["198.18.0.11:80/TCP"]), next))).toEqual({
    rs: ["198.18.0.10>198.18.1.2", "198.18.0.11>198.18.1.4", "198.18.0.11>198.18.1.5"],
    vs: ["198.18.0.11:false"],
  });
  expect(names(droppedByReload(old, live(), old))).toEqual({ rs: [], vs: [] });
});

test("at stop only virtual servers with omega tell of their live real servers and of themselves", () => {
  const vss = [vs(10, [1, 2], { omega: true }), vs(11, [4])];
  expect(names(goneAtStop(vss, live(["198.18.1.2:80"])))).toEqual({ rs: ["198.18.0.10>198.18.1.1"], vs: ["198.18.0.10:true"] });
});
