// The development kernel has no IP_VS: that is the "module missing" case, and the
// client must say so plainly instead of failing somewhere deep in netlink.
import { describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { IpvsClient } from "../../../../src/sys/ipvs/client.ts";
import { IpvsError } from "../../../../src/sys/ipvs/errors.ts";

const hostHasIpvs = existsSync("/proc/net/ip_vs");

describe("IPVS client on a kernel without IPVS", () => {
  test.skipIf(hostHasIpvs)("open() fails with a clear 'no IPVS' error naming the family", () => {
    let err: unknown;
    try {
      IpvsClient.open().close();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(IpvsError);
    expect((err as IpvsError).message).toBe(
      "IPVS resolve generic netlink family IPVS: the kernel has no IPVS (module ip_vs not loaded or not built) (ENOENT)",
    );
  });
});
