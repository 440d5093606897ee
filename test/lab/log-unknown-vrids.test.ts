// keepalived's log_unknown_vrids (global_defs): an advert whose VRID no instance on
// the interface runs is logged ("Unknown VRID(N) received on interface(IF).
// ignoring...", keepalived 2.2.7's line) only by a router that asks for it. Two
// routers on one link, each the master of its own VRID: each hears the other's.
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { useLab } from "../helpers/lab.ts";
import { startVigil, vigilConf, waitStates, waitUntil } from "../helpers/vigil.ts";

const lab = useLab({ routers: 2 });

test("log_unknown_vrids: the router with it logs the other VRID's adverts, the one without logs none", async () => {
  const inst = (vrid: number) => ({ name: `VI_${vrid}`, vrid, priority: 150, advertInt: 0.2, vips: [`198.18.0.${vrid}`], extra: ["garp_master_delay 0"] });
  const h1 = await startVigil(lab(), 1, vigilConf({ routerId: "r1", global: ["vip_lifetime 2", "log_unknown_vrids"], instances: [inst(181)] }));
  const h2 = await startVigil(lab(), 2, vigilConf({ routerId: "r2", global: ["vip_lifetime 2"], instances: [inst(182)] }));
  expect(await waitStates([[h1, "VI_181", "MASTER"], [h2, "VI_182", "MASTER"]], 6000)).toEqual(["MASTER", "MASTER"]);
  const log = (h: typeof h1) => readFileSync(h.proc.log, "utf8");
  expect(await waitUntil(() => log(h1).includes("Unknown VRID(182) received on interface(eth0). ignoring..."), 5000)).toBe(true);
  // r2 has heard r1's adverts for as long (both are masters, 5 adverts a second) and says nothing
  expect(log(h2)).not.toContain("Unknown VRID");
}, 40_000);
