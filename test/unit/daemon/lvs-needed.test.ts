// src/daemon/lvs-needed.ts: the daemon loads its LVS side (checkers, IPVS) only when a
// config or a previous run's IPVS record calls for it.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { lvsNeeded } from "../../../src/daemon/lvs-needed.ts";
import { encodeOwnedState } from "../../../src/lvs/owned-state.ts";
import { OWNED_STATE_FILE } from "../../../src/sys/ipvs/owned-state-file.ts";
import { readKeepalivedText } from "./plan-helpers.ts";

const dirs: string[] = [];
const stateDir = () => {
  const d = mkdtempSync(`${tmpdir()}/vigil-lvs-needed-`);
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const VRRP_ONLY = `vrrp_instance A {
  interface eth0
  virtual_router_id 1
  priority 100
  virtual_ipaddress { 198.18.0.1 }
}
`;
const WITH_VS = `${VRRP_ONLY}virtual_server 198.18.0.1 80 {
  real_server 198.18.0.10 80 {
    TCP_CHECK {
    }
  }
}
`;
const WITH_SYNC = `global_defs {
  lvs_sync_daemon eth0 A
}
${VRRP_ONLY}`;

describe("lvsNeeded", () => {
  test("a VRRP-only config with no IPVS record: not needed", () => {
    expect(lvsNeeded(readKeepalivedText(VRRP_ONLY), stateDir())).toBe(false);
  });

  test("virtual servers: needed", () => {
    expect(lvsNeeded(readKeepalivedText(WITH_VS), stateDir())).toBe(true);
  });

  test("lvs_sync_daemon alone: needed (it follows a VRRP instance)", () => {
    expect(lvsNeeded(readKeepalivedText(WITH_SYNC), stateDir())).toBe(true);
  });

  test("a VRRP-only config where a killed run recorded IPVS services: needed, so they are removed", () => {
    const d = stateDir();
    writeFileSync(`${d}/${OWNED_STATE_FILE}`, encodeOwnedState(["tcp:198.18.0.1:80"]));
    expect(lvsNeeded(readKeepalivedText(VRRP_ONLY), d)).toBe(true);
  });

  test("the empty record a clean stop leaves: not needed", () => {
    const d = stateDir();
    writeFileSync(`${d}/${OWNED_STATE_FILE}`, encodeOwnedState([]));
    expect(lvsNeeded(readKeepalivedText(VRRP_ONLY), d)).toBe(false);
  });

  test("an unreadable record: not needed, and the warning says so", () => {
    const d = stateDir();
    writeFileSync(`${d}/${OWNED_STATE_FILE}`, "not json");
    const warned: string[] = [];
    expect(lvsNeeded(readKeepalivedText(VRRP_ONLY), d, (m) => warned.push(m))).toBe(false);
    expect(warned.join("\n")).toContain("assuming vigil owns no IPVS service");
  });
});
