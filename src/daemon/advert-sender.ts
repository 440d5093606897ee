// An instance's outgoing VRRP adverts: the send-only raw socket (adverts come in
// through the interface's shared AdvertReceiver) and one send per destination of
// the core's preallocated encoding. Allocation-free per advert.
import { VrrpSocket } from "../sys/vrrp-socket.ts";
import type { AdvertEncoder } from "../vrrp/packet-encode.ts";
import { advertGroup } from "./advert-receivers.ts";
import type { InstancePlan } from "./plan.ts";

export class AdvertSender {
  readonly sock: VrrpSocket;
  sendErrors = 0;
  /** auth_type AH: the IPv4 id of the last advert (the ICV covers it, so it is ours, never 0: the kernel would fill in 0) */
  private ipId = 0;
  private readonly hdrIncluded: boolean;

  /** Adverts leave from `ifname` (the vmac with use_vmac, unless vmac_xmit_base). */
  constructor(plan: InstancePlan, ifname: string, private readonly encoder: AdvertEncoder) {
    this.sock = new VrrpSocket({
      family: plan.params.family,
      ifname,
      // pin the source to the primary address: the v3 checksum's pseudo-header uses it
      source: String(plan.params.primary),
      unicastPeers: plan.source.unicastPeer,
      // vrrp_mcast_group4/6 (the encoder's v3 checksum covers the same destination)
      group: advertGroup(plan),
      // adverts come in through the interface's shared AdvertReceiver
      receive: false,
      // auth_type AH: the encoder builds the IPv4 header its ICV covers (keepalived sends the same way)
      headerIncluded: encoder.ah !== null,
      ...(plan.params.unicastTtl !== undefined ? { unicastTtl: plan.params.unicastTtl } : {}),
    });
    this.hdrIncluded = encoder.ah !== null;
  }

  /** One advert with `priority` to every destination (the group, or each unicast peer). */
  send(priority: number): void {
    // RFC 5798 §5.2.8: the v3 checksum covers the destination address, so each
    // unicast peer needs its own encoding (encoder and socket list peers in config order).
    const enc = this.encoder;
    const sock = this.sock;
    if (this.hdrIncluded && ++this.ipId > 0xffff) this.ipId = 1;
    for (let d = 0; d < sock.destinations.length; d++) {
      const len = enc.encode(priority, d, this.ipId);
      if (sock.sendTo(d, enc.buf, len) < 0) this.sendErrors++;
    }
  }

  close(): void {
    this.sock.close();
  }
}
