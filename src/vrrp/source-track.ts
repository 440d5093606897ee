// keepalived track_src_ip (vrrp_netlink.c netlink_if_address_filter): an instance
// whose configured unicast_src_ip/mcast_src_ip leaves its interface goes to FAULT,
// and comes back when the address does. This is the decision alone, fed with the
// interface's address changes as rtnetlink reports them; the runtime turns
// `present` into a fault source next to its link state. Pure: no socket, no clock.
import { formatIP, parseIP } from "../net/ip-address.ts";

function canonical(address: string): string | null {
  try {
    return formatIP(parseIP(address).bytes);
  } catch {
    return null;
  }
}

export class SourceAddressTrack {
  private readonly want: string | null;
  /** the configured source is on the interface (it was when the instance started: bindPlan waits until it is) */
  present = true;

  /** @param address the configured source address; @param ifindex the instance's interface */
  constructor(address: string, private readonly ifindex: number) {
    this.want = canonical(address);
  }

  /** After lost notifications: the interface's addresses as a dump lists them; true when `present` changed. */
  resync(addrs: ReadonlyArray<{ index: number; address: string }>): boolean {
    const now = this.want !== null && addrs.some((a) => a.index === this.ifindex && canonical(a.address) === this.want);
    if (now === this.present) return false;
    this.present = now;
    return true;
  }

  /** An address was added to or deleted from interface `index`; true when `present` changed. */
  changed(op: "new" | "del", index: number, address: string): boolean {
    if (index !== this.ifindex || this.want === null || canonical(address) !== this.want) return false;
    const now = op === "new";
    if (now === this.present) return false;
    this.present = now;
    return true;
  }
}
