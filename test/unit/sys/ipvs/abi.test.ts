// The IPVS numbers in src/sys/ipvs/constants.ts against the kernel's uapi header,
// compiled with the host C compiler (linux-libc-dev ships linux/ip_vs.h).
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as K from "../../../../src/sys/ipvs/constants.ts";
import { IPVS_STATS_ATTR } from "../../../../src/sys/ipvs/stats.ts";

const HEADER = "/usr/include/linux/ip_vs.h";
const dir = mkdtempSync("/tmp/vigil-ipvs-abi-");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function expectedPairs(): [string, number][] {
  const pairs: [string, number][] = [];
  const groups: [string, Record<string, number>][] = [
    ["IPVS_CMD_", K.IPVS_CMD], ["IPVS_CMD_ATTR_", K.IPVS_CMD_ATTR], ["IPVS_SVC_ATTR_", K.IPVS_SVC_ATTR],
    ["IPVS_DEST_ATTR_", K.IPVS_DEST_ATTR], ["IPVS_DAEMON_ATTR_", K.IPVS_DAEMON_ATTR], ["IPVS_INFO_ATTR_", K.IPVS_INFO_ATTR],
    ["IPVS_STATS_ATTR_", IPVS_STATS_ATTR], ["IP_VS_SVC_F_", K.IP_VS_SVC_F], ["IP_VS_CONN_F_", K.IP_VS_CONN_F], ["IP_VS_STATE_", K.IP_VS_STATE],
  ];
  for (const [prefix, table] of groups) for (const [k, v] of Object.entries(table)) pairs.push([prefix + k, v]);
  pairs.push(["IP_VS_SCHEDNAME_MAXLEN", K.IP_VS_SCHEDNAME_MAXLEN], ["IP_VS_IFNAME_MAXLEN", K.IP_VS_IFNAME_MAXLEN], ["IPVS_GENL_VERSION", K.IPVS_GENL_VERSION]);
  return pairs;
}

describe("IPVS ABI", () => {
  test.skipIf(!existsSync(HEADER) || !Bun.which("cc"))("constants match linux/ip_vs.h", () => {
    const pairs = expectedPairs();
    const src = `#include <stdio.h>\n#include <linux/ip_vs.h>\nint main(void){\n${pairs.map(([n]) => `printf("%s %ld\\n", "${n}", (long)(${n}));`).join("\n")}\nreturn 0;}\n`;
    writeFileSync(join(dir, "p.c"), src);
    const cc = Bun.spawnSync(["cc", "-o", join(dir, "p"), join(dir, "p.c")], { stderr: "pipe" });
    expect(cc.stderr.toString()).toBe("");
    const out = Bun.spawnSync([join(dir, "p")]).stdout.toString().trim().split("\n");
    const got = Object.fromEntries(out.map((l) => { const [n, v] = l.split(" "); return [n!, Number(v)]; }));
    for (const [n, v] of pairs) expect(`${n}=${got[n]}`).toBe(`${n}=${v}`);
  });
});
