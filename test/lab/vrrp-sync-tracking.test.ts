// A vrrp_sync_group's own tracking, vigil beside keepalived 2.2.7 on the wire:
// r1 runs vigil, r2 runs keepalived, each with two instances in one sync group
// (own VRIDs, so they never elect against each other) whose group tracks a veth
// (track_interface, unweighted) and a file (track_file weight 0). Neither
// instance tracks anything itself: when the group's interface goes down, or its
// file says non-zero, both members go FAULT together, and both come back to
// MASTER when it is fixed — in vigil as in keepalived, read from each one's
// `notify` lines (INSTANCE <name> <state> <priority>, GROUP <name> <state> 0).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { keepalivedArgv } from "../helpers/keepalived.ts";
import { Lab, type LabProc } from "../helpers/lab.ts";
import { startVigil, vigilConf, type VigilHandle, waitUntil } from "../helpers/vigil.ts";

const ROUTERS = [1, 2] as const;
type R = (typeof ROUTERS)[number];
const IMPL: Record<R, string> = { 1: "vigil", 2: "keepalived" };

let lab: Lab;
let vigil: VigilHandle;
let keepalived: LabProc;

const logOf = (r: R) => join(lab.dir, `r${r}-notify.log`);
const gateOf = (r: R) => join(lab.dir, `r${r}-gate`);
const lines = (r: R) => (existsSync(logOf(r)) ? readFileSync(logOf(r), "utf8").split("\n").filter(Boolean) : []);
const names = (r: R) => [`VI_${r}A`, `VI_${r}B`];
/** The last state `notify` reported for each member, joined. */
function states(r: R): string {
  const last = (n: string) => lines(r).filter((l) => l.startsWith(`INSTANCE ${n} `)).at(-1)?.split(" ")[2];
  return names(r).map(last).join();
}
const lastGroup = (r: R) => lines(r).filter((l) => l.startsWith("GROUP ")).at(-1);
/** Both members and the group itself reported `want` on both routers (the scripts run concurrently: their lines come in any order). */
const bothIn = (want: string) => waitUntil(() => ROUTERS.every((r) => states(r) === `${want},${want}` && lastGroup(r) === `GROUP G ${want} 0`), 8000);
const link = (up: boolean) => { for (const r of ROUTERS) lab.exec(r, ["ip", "link", "set", "trk0", up ? "up" : "down"]); };
const gate = (v: number) => { for (const r of ROUTERS) writeFileSync(gateOf(r), `${v}\n`); };

function routerConf(r: R, script: string): string {
  return vigilConf({
    routerId: `r${r}`,
    blocks: [
      `track_file gate {`, `  file "${gateOf(r)}"`, "  init_file 0 overwrite", "}",
      "vrrp_sync_group G {", "  group {", ...names(r).map((n) => `    ${n}`), "  }",
      "  track_interface {", "    trk0", "  }",
      "  track_file {", "    gate weight 0", "  }",
      `  notify "${script}"`, "}",
    ],
    instances: names(r).map((name, k) => ({
      name, vrid: 90 + 2 * r + k, priority: 150, advertInt: 0.1, vips: [`198.18.0.${90 + 2 * r + k}`], extra: [`notify "${script}"`],
    })),
  });
}

beforeAll(async () => {
  lab = await Lab.create({ routers: 2 });
  for (const r of ROUTERS) {
    lab.exec(r, ["ip", "link", "add", "trk0", "type", "veth", "peer", "name", "trk0p"]);
    lab.exec(r, ["ip", "link", "set", "trk0p", "up"]);
    lab.exec(r, ["ip", "link", "set", "trk0", "up"]);
  }
  const script = (r: R) => {
    const f = join(lab.dir, `r${r}-notify.sh`);
    writeFileSync(f, `#!/bin/sh\necho "$*" >> ${logOf(r)}\n`);
    chmodSync(f, 0o755);
    return f;
  };
  vigil = await startVigil(lab, 1, routerConf(1, script(1)));
  const conf = join(lab.dir, "r2-keepalived.conf");
  writeFileSync(conf, routerConf(2, script(2)));
  keepalived = lab.spawn(2, keepalivedArgv(conf, join(lab.dir, "r2-keepalived")), "keepalived");
}, 60_000);

afterAll(async () => {
  await lab?.cleanup();
});

describe("vrrp_sync_group track_interface / track_file: vigil as keepalived 2.2.7", () => {
  const diag = () => ROUTERS.map((r) => `${IMPL[r]}: ${lines(r).join(" | ")}`).join("\n") + `\nkeepalived log tail: ${lab.logOf(keepalived).split("\n").slice(-10).join("\n")}` + `\nvigil log tail: ${lab.logOf(vigil.proc).split("\n").slice(-10).join("\n")}`;

  test("both members become MASTER while the group's interface is up and its file says 0", async () => {
    const ok = await bothIn("MASTER");
    expect({ ok, diag: ok ? "" : diag() }).toEqual({ ok: true, diag: "" });
  }, 15_000);

  test("the group's track_interface down puts both members in FAULT (the group too); up brings both back to MASTER", async () => {
    link(false);
    try {
      const fault = await bothIn("FAULT");
      expect({ fault, diag: fault ? "" : diag() }).toEqual({ fault: true, diag: "" });
      expect(lab.holders("198.18.0.92")).toEqual([]);
    } finally {
      link(true);
    }
    const back = await bothIn("MASTER");
    expect({ back, diag: back ? "" : diag() }).toEqual({ back: true, diag: "" });
  }, 25_000);

  test("the group's track_file (weight 0) saying non-zero puts both members in FAULT; 0 brings them back", async () => {
    gate(1);
    try {
      const fault = await bothIn("FAULT");
      expect({ fault, diag: fault ? "" : diag() }).toEqual({ fault: true, diag: "" });
    } finally {
      gate(0);
    }
    const back = await bothIn("MASTER");
    expect({ back, diag: back ? "" : diag() }).toEqual({ back: true, diag: "" });
  }, 25_000);

  test("each implementation went through the same member states in the same order", () => {
    const perMember = (r: R) => names(r).map((n) => lines(r).filter((l) => l.startsWith(`INSTANCE ${n} `)).map((l) => l.split(" ")[2]));
    const group = (r: R) => lines(r).filter((l) => l.startsWith("GROUP ")).map((l) => l.split(" ")[2]);
    expect(perMember(1)).toEqual(perMember(2));
    expect(group(1)).toEqual(group(2));
    // leaving FAULT goes through BACKUP first, in both
    expect(perMember(1)[0]).toEqual(["BACKUP", "MASTER", "FAULT", "BACKUP", "MASTER", "FAULT", "BACKUP", "MASTER"]);
  });
});
