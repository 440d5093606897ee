// Link and address change notifications (RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR,
// RTNLGRP_IPV6_IFADDR) for the daemon's poll loop: `fd` goes into poll(), and
// read() drains whatever is queued without blocking. Nothing here throws on a bad
// message or a lost burst: those become events so the daemon can resynchronise.
import {
  IFA_ADDRESS, IFA_LOCAL, NETLINK_ROUTE, NLA_TYPE_MASK, OFFSETOF, RTM_DELADDR, RTM_DELLINK, RTM_NEWADDR, RTM_NEWLINK,
  RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR, RTNLGRP_LINK, SIZEOF,
} from "../abi.ts";
import { Errno, SysError } from "../errno.ts";
import { align4, NetlinkDecodeError, NLA_HDRLEN } from "../netlink/attr.ts";
import { inNetns } from "../netlink/netns.ts";
import { NLMSG_HDRLEN, type NlMessage, parseMessages } from "../netlink/message.ts";
import { NetlinkSocket } from "../netlink/socket.ts";
import { type Address, decodeAddress } from "./address.ts";
import { decodeLink, type Link } from "./link.ts";
import { decodeRoute, type Route } from "./route.ts";
import { decodeRule, RTM_DELRULE, RTM_NEWRULE } from "./rule.ts";
import type { RuleSpec } from "../../daemon/plan-routes.ts";
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

/**
 * What a reader can tell from a notification's raw bytes: that decoding it would
 * give an event it does nothing with. RtMonitor.drain() then drops it undecoded,
 * so a loop that must not allocate in its steady state does not pay for the echo
 * of its own requests (every VIP lease renewal is an RTM_NEWADDR to all listeners).
 */
export interface RtNoopFilter {
  /**
   * An RTM_NEWADDR on interface `index` with `prefixlen` whose address (IFA_LOCAL,
   * else IFA_ADDRESS, as decodeAddress takes it; 4 or 16 bytes) is bytes[off, off + len).
   * Must not allocate.
   */
  newAddressIsNoop(index: number, prefixlen: number, bytes: Uint8Array, off: number, len: number): boolean;
  /** RTM_NEWROUTE and RTM_NEWRULE events are all no-ops for this reader */
  readonly newRoutesAreNoops: boolean;
}

const IFA = OFFSETOF.ifaddrmsg;
const NLH = OFFSETOF.nlmsghdr;

/** Whether `filter` calls the RTM_NEWADDR at [off, end) of the datagram a no-op; false for anything it cannot read. */
function newAddressIsNoop(b: Uint8Array, dv: DataView, off: number, end: number, filter: RtNoopFilter): boolean {
  const p = off + NLMSG_HDRLEN;
  if (end - p < SIZEOF.ifaddrmsg) return false;
  const family = b[p + IFA.ifa_family];
  const alen = family === AF_INET ? 4 : family === AF_INET6 ? 16 : 0;
  if (alen === 0) return false;
  // the first IFA_LOCAL, else the first IFA_ADDRESS (Attrs.get takes the first of a type)
  let local = -1;
  let addr = -1;
  for (let a = p + SIZEOF.ifaddrmsg; a < end;) {
    if (end - a < NLA_HDRLEN) return false;
    const len = dv.getUint16(a, true);
    const type = dv.getUint16(a + 2, true) & NLA_TYPE_MASK;
    if (len < NLA_HDRLEN || len > end - a) return false;
    if (type === IFA_LOCAL && local < 0) local = len - NLA_HDRLEN === alen ? a + NLA_HDRLEN : -2;
    else if (type === IFA_ADDRESS && addr < 0) addr = len - NLA_HDRLEN === alen ? a + NLA_HDRLEN : -2;
    a = Math.min(end, a + align4(len));
  }
  const at = local !== -1 ? local : addr;
  if (at < 0) return false; // absent or of the wrong length: decoded (and found malformed) the usual way
  return filter.newAddressIsNoop(dv.getUint32(p + IFA.ifa_index, true), b[p + IFA.ifa_prefixlen], b, at, alen);
}

/** Whether every message of the datagram in b[0, n) is a no-op for `filter`; false for anything parseMessages would refuse. */
function datagramIsNoop(b: Uint8Array, dv: DataView, n: number, filter: RtNoopFilter): boolean {
  if (n < NLMSG_HDRLEN) return false;
  for (let off = 0; off < n;) {
    if (n - off < NLMSG_HDRLEN) return false;
    const len = dv.getUint32(off + NLH.nlmsg_len, true);
    if (len < NLMSG_HDRLEN || len > n - off) return false;
    const type = dv.getUint16(off + NLH.nlmsg_type, true);
    if (type === RTM_NEWADDR) {
      if (!newAddressIsNoop(b, dv, off, off + len, filter)) return false;
    } else if ((type !== RTM_NEWROUTE && type !== RTM_NEWRULE) || !filter.newRoutesAreNoops) {
      return false;
    }
    off = Math.min(n, off + align4(len));
  }
  return true;
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

  /**
   * read() for a loop that must not allocate in its steady state. Events go into
   * `into` from index 0 and the count is returned (entries past it are stale).
   * While nothing has been decoded in this call, a datagram whose every message
   * `filter` calls a no-op is dropped undecoded: the reader would have done nothing
   * with those events, and as they come first it would have seen them in the state
   * it is in now. Errors become events exactly as in read().
   */
  drain(into: RtEvent[], filter: RtNoopFilter, maxDatagrams = 64): number {
    let count = 0;
    for (let i = 0; i < maxDatagrams; i++) {
      let ms: NlMessage[];
      try {
        const n = this.sock.tryReceiveRaw("rtnetlink monitor");
        if (n < 0) break;
        if (count === 0 && datagramIsNoop(this.sock.rxBytes, this.sock.rxDataView, n, filter)) continue;
        ms = parseMessages(this.sock.rxBytes.subarray(0, n), "rtnetlink monitor");
      } catch (e) {
        if (e instanceof SysError && e.errno === Errno.ENOBUFS) {
          into[count++] = { kind: "overrun" };
          continue;
        }
        if (e instanceof NetlinkDecodeError) {
          into[count++] = { kind: "malformed", reason: e.message };
          continue;
        }
        throw e;
      }
      for (const m of ms) {
        const ev = decodeRtEvent(m);
        if (ev) into[count++] = ev;
      }
    }
    return count;
  }

  close(): void {
    this.sock.close();
  }
}
