// keepalived old_unicast_checksum [never]: keepalived up to 1.3.6 computed the
// VRRPv3 checksum of an IPv4 unicast advert over a pseudo-header whose destination
// was the multicast group (vrrp_mcast_group4, 224.0.0.18 by default), not the peer
// the advert is sent to (RFC 5798 §5.2.8 says the packet's destination). Later
// keepalived (2.2.7 vrrp.c, _WITH_UNICAST_CHKSUM_COMPAT_) can talk to such a peer:
// - old_unicast_checksum: sends the old checksum and accepts only the old one;
// - absent: sends the RFC one and, the first time a unicast advert fails the RFC
//   checksum but passes the old one, switches to the old one for good (sent and
//   expected: "Setting unicast VRRPv3 checksum to old version");
// - old_unicast_checksum never: the RFC checksum only, no switch.
// Only VRRPv3 over IPv4 in unicast mode is concerned: VRRPv2 has no pseudo-header
// (RFC 3768 §5.3.8), IPv6 checksums are the kernel's, multicast adverts go to the group.
// One object per instance, shared by its encoder and validator (the switch changes both).
import type { ResolvedParams } from "./params.ts";

/** keepalived chksum_compatibility_t, as configured */
export type OldUnicastChecksum = "auto" | "always" | "never";

export class UnicastChecksumCompat {
  /** the old checksum is in use: configured (always) or switched to on an old peer's advert (auto) */
  old: boolean;
  /** how many times the validator switched to the old checksum (0 or 1): the daemon logs the switch */
  switched = 0;

  /** @param applies VRRPv3, IPv4, unicast peers: the only case where the two checksums differ */
  constructor(readonly mode: OldUnicastChecksum, readonly applies: boolean) {
    this.old = applies && mode === "always";
  }

  /** A unicast advert failed the RFC checksum: may the old one be tried (and adopted)? */
  get mayDetect(): boolean {
    return this.applies && this.mode === "auto" && !this.old;
  }

  /** keepalived vrrp_check_packet: an advert passed with the old checksum; from now on it is sent and expected. */
  adopt(): void {
    this.old = true;
    this.switched++;
  }
}

/** The instance's compatibility: old_unicast_checksum matters for VRRPv3 over IPv4 in unicast mode only. */
export function checksumCompatFor(p: ResolvedParams): UnicastChecksumCompat {
  return new UnicastChecksumCompat(p.oldUnicastChecksum, p.version === 3 && p.family === 4 && p.unicastPeers.length > 0);
}
