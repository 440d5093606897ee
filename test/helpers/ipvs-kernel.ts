// Whether this kernel has IPVS: the host's usually does not (no ip_vs module), so
// the lab tests that need it are skipped and those about its absence run; the VM
// tier (test/vm) boots a kernel that has it.
import { IpvsClient } from "../../src/sys/ipvs/client.ts";

/** True when the IPVS generic netlink family resolves (ip_vs loaded or built in). */
export function kernelHasIpvs(): boolean {
  try {
    IpvsClient.open().close();
    return true;
  } catch {
    return false;
  }
}
