// Link and address change notifications (RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR,
// RTNLGRP_IPV6_IFADDR) for the daemon's poll loop: `fd` goes into poll(), and
// read() drains whatever is queued without blocking. Nothing here throws on a bad
// message or a lost burst: those become events so the daemon can resynchronise.
import {
  NETLINK_ROUTE, RTM_DELADDR, RTM_DELLINK, RTM_NEWADDR, RTM_NEWLINK, RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR, RTNLGRP_LINK,
} from "../abi.ts";
import { Errno, SysError } from "../errno.ts";
import { NetlinkDecodeError } from "../netlink/attr.ts";
import { inNetns } from "../netlink/netns.ts";
import type { NlMessage } from "../netlink/message.ts";
import { NetlinkSocket } from "../netlink/socket.ts";
import { type Address, decodeAddress } from "./address.ts";
import { decodeLink, type Link } from "./link.ts";
import { decodeRoute, type Route } from "./route.ts";
import { decodeRule, RTM_DELRULE, RTM_NEWRULE, type RuleSpec } from "./rule.ts";
import { AF_INET, AF_INET6, RTM_DELROUTE, RTM_NEWROUTE } from "../abi.ts";

// rtnetlink multicast groups (linux/rtnetlink.h enum rtnetlink_groups)
const RTNLGRP_IPV4_ROUTE = 7;
const RTNLGRP_IPV4_RULE = 8;
const RTNLGRP_IPV6_ROUTE = 11;
const RTNLGRP_IPV6_RULE = 19;

export type RtEvent =
  | { kind: "link"; op: "new" | "del"; link: Link }
  | { kind: "address"; op: "new" | "del"; address: Address }
  | { kind: "route"; op: "new" | "del"; route: Route }
  | { kind: "rule"; op: "new" | "del"; rule: RuleSpec }
  /** the kernel dropped notifications (ENOBUFS): re-read links and addresses */
  | { kind: "overrun" }
  | { kind: "malformed"; reason: string };

/** rtmsg and fib_rule_hdr both start with the family byte */
function ipFamily(m: NlMessage): boolean {
  const af = m.payload[0];
  return m.payload.length > 0 && (af === AF_INET || af === AF_INET6);
}

export function decodeRtEvent(m: NlMessage): RtEvent | null {
  try {
    switch (m.type) {
      case RTM_NEWLINK:
      case RTM_DELLINK:
        return { kind: "link", op: m.type === RTM_NEWLINK ? "new" : "del", link: decodeLink(m) };
      case RTM_NEWADDR:
      case RTM_DELADDR:
        return { kind: "address", op: m.type === RTM_NEWADDR ? "new" : "del", address: decodeAddress(m) };
      // Routes and rules of other families (multicast tables, bridge FDB-like
      // notifications) are not ours to track: ignored, not malformed.
      case RTM_NEWROUTE:
      case RTM_DELROUTE:
        if (!ipFamily(m)) return null;
        return { kind: "route", op: m.type === RTM_NEWROUTE ? "new" : "del", route: decodeRoute(m) };
      case RTM_NEWRULE:
      case RTM_DELRULE:
        if (!ipFamily(m)) return null;
        return { kind: "rule", op: m.type === RTM_NEWRULE ? "new" : "del", rule: decodeRule(m) };
      default:
        return null;
    }
  } catch (e) {
    if (e instanceof NetlinkDecodeError) return { kind: "malformed", reason: e.message };
    throw e;
  }
}

export class RtMonitor {
  private readonly sock: NetlinkSocket;

  /** `routes`: also route and rule notifications (only when routes or rules are owned: a router's table churns) */
  constructor(opts: { netns?: string; rcvbuf?: number; routes?: boolean } = {}) {
    const open = () => new NetlinkSocket(NETLINK_ROUTE, {
      nonblocking: true,
      groups: [
        RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR,
        ...(opts.routes ? [RTNLGRP_IPV4_ROUTE, RTNLGRP_IPV6_ROUTE, RTNLGRP_IPV4_RULE, RTNLGRP_IPV6_RULE] : []),
      ],
      rcvbuf: opts.rcvbuf ?? 1 << 20,
    });
    this.sock = opts.netns ? inNetns(opts.netns, open) : open();
  }

  get fd(): number {
    return this.sock.fd;
  }

  /** Drains queued notifications (at most `maxDatagrams` reads per call, so one call never starves the loop). */
  read(maxDatagrams = 64): RtEvent[] {
    const out: RtEvent[] = [];
    for (let i = 0; i < maxDatagrams; i++) {
      let ms: NlMessage[] | null;
      try {
        ms = this.sock.tryReceive("rtnetlink monitor");
      } catch (e) {
        if (e instanceof SysError && e.errno === Errno.ENOBUFS) {
          out.push({ kind: "overrun" });
          continue;
        }
        if (e instanceof NetlinkDecodeError) {
          out.push({ kind: "malformed", reason: e.message });
          continue;
        }
        throw e;
      }
      if (ms === null) break;
      for (const m of ms) {
        const ev = decodeRtEvent(m);
        if (ev) out.push(ev);
      }
    }
    return out;
  }

  close(): void {
    this.sock.close();
  }
}
