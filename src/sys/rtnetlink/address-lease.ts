// A VIP held on a lease: the master re-adds it with NLM_F_REPLACE and a finite
// valid_lft every few adverts, and the kernel deletes it when renewals stop
// (process killed, frozen, worker stalled). The request is built once; renew()
// patches the two lifetime words in place, so the steady state allocates nothing.
import { NLM_F_CREATE, NLM_F_REPLACE, OFFSETOF } from "../abi.ts";
import { MessageBuilder } from "../netlink/message.ts";
import type { NetlinkSocket } from "../netlink/socket.ts";
import { type AddressSpec, buildNewAddress, describeAddress, removeAddressIfPresent } from "./address.ts";

const CI = OFFSETOF.ifa_cacheinfo;

export class AddressLease {
  private readonly msg: Uint8Array;
  private readonly view: DataView;
  private readonly ci: number;
  private readonly op: string;

  constructor(readonly spec: AddressSpec & { validLft: number }) {
    const b = new MessageBuilder(128);
    this.ci = buildNewAddress(b, spec, NLM_F_CREATE | NLM_F_REPLACE);
    this.msg = b.finish().slice();
    this.view = new DataView(this.msg.buffer);
    this.op = describeAddress("renew lease of", spec);
  }

  /** Adds the address or extends its lifetime to `validSec` (preferred defaults to the same). */
  renew(sock: NetlinkSocket, validSec = this.spec.validLft, preferredSec = validSec): void {
    // the kernel (inet_rtm_newaddr / inet6_rtm_newaddr) answers these with a bare EINVAL
    if (validSec < 1 || preferredSec > validSec) throw new RangeError(`${this.op}: lifetimes valid ${validSec} s / preferred ${preferredSec} s`);
    this.view.setUint32(this.ci + CI.ifa_valid, validSec, true);
    this.view.setUint32(this.ci + CI.ifa_prefered, preferredSec, true);
    sock.request(this.msg, this.op);
  }

  /** Removes the address now (stepping down to BACKUP, shutdown); false if it had already expired. */
  release(sock: NetlinkSocket): boolean {
    return removeAddressIfPresent(sock, this.spec);
  }
}
