// Who sent each VRID's adverts on one link, by Ethernet source: the previous
// master when an instance takes over (vrrp/vip-conflict.ts, the handover rule).
// Without use_vmac that is the sender's own MAC, the one its ARP replies and NAs
// carry; with it, the virtual router MAC. The raw VRRP socket cannot tell (it
// starts at the IP header), so one AF_PACKET socket per advert interface and
// family, beside the AdvertReceiver, gets the adverts' headers: its kernel filter
// passes VRRP only, cut before the advert body. Allocation-free per advert.
import { PACKET_OUTGOING, PacketSocket } from "../sys/packet-socket.ts";
import { vrrpAdvertHeaders } from "../sys/frame-filters.ts";
import { ETH_HEADER_LEN, ETHERTYPE_IPV4, ETHERTYPE_IPV6 } from "../net/ethernet.ts";
import { AH_LEN, IPPROTO_AH } from "../vrrp/packet-ah.ts";
import { IPPROTO_VRRP } from "../vrrp/packet-layout.ts";
import { macNumber, NO_MAC } from "../vrrp/vip-conflict.ts";

const MAX_RX_PER_WAKE = 256;

export class AdvertSources {
  readonly sock: PacketSocket;
  /** Ethernet source of the last advert heard per VRID, as a MAC number (NO_MAC: none yet) */
  private readonly macByVrid = new Float64Array(256).fill(NO_MAC);

  /** where the VRID is after the IP header: past the AH with auth_type AH (RFC 2402 header, then VRRP) */
  private readonly vridAfterIp: number;

  /** `protocol`: the adverts' IP protocol, IPPROTO_VRRP, or IPPROTO_AH for VRRPv2 auth_type AH */
  constructor(ifname: string, private readonly family: 4 | 6, protocol = IPPROTO_VRRP) {
    this.vridAfterIp = (protocol === IPPROTO_AH ? AH_LEN : 0) + 1;
    this.sock = new PacketSocket(ifname, family === 4 ? ETHERTYPE_IPV4 : ETHERTYPE_IPV6, vrrpAdvertHeaders(family, protocol, this.vridAfterIp + 1));
  }

  /** The MAC the last advert for `vrid` came from, or NO_MAC. */
  lastMac(vrid: number): number {
    return this.macByVrid[vrid];
  }

  drain(): void {
    const s = this.sock;
    const b = s.rxBuffer;
    for (let k = 0; k < MAX_RX_PER_WAKE; k++) {
      const n = s.recv();
      if (n < 0) return;
      if (s.rxPacketType === PACKET_OUTGOING) continue;
      // RFC 5798 §5.2.3: the VRID is the advert's second octet, after the IP header
      const at = ETH_HEADER_LEN + (this.family === 4 ? (b[ETH_HEADER_LEN] & 0xf) * 4 : 40) + this.vridAfterIp;
      if (at < n) this.macByVrid[b[at]] = macNumber(b, 6);
    }
  }

  close(): void {
    this.sock.close();
  }
}
