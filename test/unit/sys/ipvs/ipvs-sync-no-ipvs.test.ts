// On a kernel without IPVS (this development kernel) the sync reports a fault and
// never throws: the daemon keeps VRRP running and LVS shows the error.
import { describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { IpvsSync } from "../../../../src/sys/ipvs/ipvs-sync.ts";

describe.skipIf(existsSync("/proc/net/ip_vs"))("IpvsSync without kernel IPVS", () => {
  test("sync returns the 'no IPVS' fault instead of throwing, and retries on the next call", () => {
    const sync = new IpvsSync();
    const desired = [{
      family: 4 as const, protocol: "tcp" as const, address: "198.18.0.1", port: 80, fwmark: 0, scheduler: "rr" as const,
      persistenceTimeout: 0, persistenceNetmask: "", flags: [], dests: [],
    }];
    for (let i = 0; i < 2; i++) {
      const r = sync.sync(desired);
      expect(r.ops).toEqual([]);
      expect(r.error?.message).toBe("IPVS resolve generic netlink family IPVS: the kernel has no IPVS (module ip_vs not loaded or not built) (ENOENT)");
    }
    sync.close();
  });

  test("nothing desired and nothing owned: IPVS is never opened (a VRRP-only router's shutdown logs no IPVS error)", () => {
    let opens = 0;
    const sync = new IpvsSync(() => {
      opens++;
      throw new Error("must not open");
    });
    expect(sync.sync([])).toEqual({ ops: [] });
    expect(sync.removeOwned()).toEqual({ ops: [] });
    expect(opens).toBe(0);
    sync.close();
  });
});
