// One receive socket per (interface, family) for all VRRP instances on it,
// demultiplexed by VRID. A raw socket gets a copy of every VRRP packet on its
// link, so a socket per instance meant N wake-ups and N validations for each
// advert (measured: a 25-instance backup spent 4.7× keepalived's CPU per advert).
// Instance sockets only send (they carry a drop-all filter).
import { Errno, SysError } from "../sys/errno.ts";
import { VrrpSocket } from "../sys/vrrp-socket.ts";
import { AH_LEN, IPPROTO_AH } from "../vrrp/packet-ah.ts";
import { IPPROTO_VRRP } from "../vrrp/packet-layout.ts";
import type { InstanceRuntime } from "./vrrp-runtime.ts";
import { AdvertSources } from "./advert-sources.ts";

const MAX_RX_PER_WAKE = 256;

/**
 * `protocol`: 112, or 51 for auth_type AH adverts (another raw socket: the kernel delivers by IP protocol);
 * `group`: the multicast group it joins (vrrp_mcast_group4/6: a reload that changes it opens a new receiver)
 */
export function receiverKey(ifindex: number, family: 4 | 6, protocol = IPPROTO_VRRP, group = ""): string {
  return `${ifindex}/${family}/${protocol}/${group}`;
}

export class AdvertReceiver {
  readonly sock: VrrpSocket;
  /** the adverts' Ethernet sources, for the instances' conflict policy */
  readonly sources: AdvertSources;
  private readonly byVrid: (InstanceRuntime | undefined)[] = new Array(256);
  private members: InstanceRuntime[] = [];
  /** keepalived log_unknown_vrids, on when an instance here was planned with it */
  private logUnknown = false;

  /** where the VRID is, after the payload offset: past the AH with auth_type AH */
  private readonly vridAt: number;

  constructor(
    ifname: string,
    readonly family: 4 | 6,
    private readonly warn: (msg: string) => void,
    protocol = IPPROTO_VRRP,
    group?: string,
    private readonly info: (msg: string) => void = warn,
  ) {
    this.sock = new VrrpSocket({ family, ifname, protocol, ...(group !== undefined ? { group } : {}) });
    this.vridAt = (protocol === IPPROTO_AH ? AH_LEN : 0) + 1;
    try {
      this.sources = new AdvertSources(ifname, family, protocol);
    } catch (e) {
      this.sock.close();
      throw e;
    }
  }

  /** fds the worker polls for this interface, with their handlers (built once). */
  pollEntries(): Array<[number, (now: number) => void]> {
    return [[this.sock.fd, (now) => this.drain(now)], [this.sources.sock.fd, () => this.sources.drain()]];
  }

  setMembers(members: InstanceRuntime[]): void {
    this.members = members;
    this.byVrid.fill(undefined);
    this.logUnknown = members.some((m) => m.plan.logUnknownVrids);
    for (const m of members) {
      this.byVrid[m.plan.params.vrid] = m;
      m.announcer.advertSources = this.sources;
    }
  }

  /**
   * Drains the socket. An advert goes to the instance with its VRID; one with a
   * VRID nobody here runs (or too short to carry one) goes to every instance, whose
   * validator counts why it was dropped (RFC 5798 §7.1), as a socket per instance did.
   */
  drain(now: number): void {
    const s = this.sock;
    for (let i = 0; i < MAX_RX_PER_WAKE; i++) {
      const n = s.recv();
      if (n < 0) {
        if (n !== -Errno.EAGAIN) this.warn(`recvmsg on ${s.ifname}: ${new SysError("recvmsg", -n).message}`);
        return;
      }
      const rt = n > this.vridAt ? this.byVrid[s.rxBuffer[s.rxPayloadOffset + this.vridAt]] : undefined;
      if (rt) rt.receivePacket(now, s, n);
      else {
        // keepalived 2.2.7 vrrp_scheduler.c words it so (LOG_INFO), one line per advert
        if (this.logUnknown && n > this.vridAt) this.info(`Unknown VRID(${s.rxBuffer[s.rxPayloadOffset + this.vridAt]}) received on interface(${s.ifname}). ignoring...`);
        for (let k = 0; k < this.members.length; k++) this.members[k].receivePacket(now, s, n);
      }
    }
  }

  close(): void {
    this.sock.close();
    this.sources.close();
  }
}
