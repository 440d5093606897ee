// The VRRP worker's shared advert receivers: one AdvertReceiver per (advert
// interface, family, IP protocol) in use, kept across reloads and closed when no
// instance uses it any more.
import { errorText } from "../error-text.ts";
import { IPPROTO_AH } from "../vrrp/packet-ah.ts";
import { IPPROTO_VRRP, MCAST_V4, MCAST_V6 } from "../vrrp/packet-layout.ts";
import { formatAddress, toAddressBytes } from "../vrrp/addr.ts";
import { AdvertReceiver, receiverKey } from "./advert-receiver.ts";
import type { InstancePlan } from "./plan.ts";
import type { InstanceRuntime } from "./vrrp-runtime.ts";

/** The IP protocol an instance's adverts arrive with: 51 with auth_type AH (the AH comes first), else 112. */
export function advertProtocol(plan: InstancePlan): number {
  return plan.params.authType === "AH" && plan.params.authPass !== undefined ? IPPROTO_AH : IPPROTO_VRRP;
}

/** The multicast group an instance's adverts go to and arrive on (vrrp_mcast_group4/6), canonical text. */
export function advertGroup(plan: InstancePlan): string {
  const p = plan.params;
  return formatAddress(p.mcastGroup === undefined ? (p.family === 4 ? MCAST_V4 : MCAST_V6) : toAddressBytes(p.mcastGroup, p.family));
}

export class AdvertReceivers {
  private readonly receivers = new Map<string, AdvertReceiver>();

  constructor(private readonly warn: (msg: string) => void, private readonly info: (msg: string) => void = warn) {}

  /**
   * Gives each receiver its instances, opening and closing receivers as needed.
   * Returns the runtimes whose receiver cannot be opened, with why.
   */
  sync(runtimes: InstanceRuntime[]): Array<[InstanceRuntime, string]> {
    const failed: Array<[InstanceRuntime, string]> = [];
    const groups = new Map<string, InstanceRuntime[]>();
    for (const rt of runtimes) {
      const k = receiverKey(rt.sock.ifindex, rt.plan.params.family, advertProtocol(rt.plan), advertGroup(rt.plan));
      (groups.get(k) ?? groups.set(k, []).get(k)!).push(rt);
    }
    for (const [k, r] of this.receivers) {
      if (!groups.has(k)) {
        r.close();
        this.receivers.delete(k);
      }
    }
    for (const [k, members] of groups) {
      let r = this.receivers.get(k);
      if (!r) {
        try {
          const p = members[0].plan.params;
          r = new AdvertReceiver(members[0].sock.ifname, p.family, this.warn, advertProtocol(members[0].plan), advertGroup(members[0].plan), this.info);
        } catch (e) {
          for (const m of members) failed.push([m, `cannot receive adverts on ${m.sock.ifname}: ${errorText(e)}`]);
          continue;
        }
        this.receivers.set(k, r);
      }
      r.setMembers(members);
    }
    return failed;
  }

  /** The receivers' fds and handlers, for the worker's poll set. */
  pollEntries(): Array<[number, (now: number) => void]> {
    return [...this.receivers.values()].flatMap((r) => r.pollEntries());
  }

  close(): void {
    for (const r of this.receivers.values()) r.close();
  }
}
