// Policy routing rules (RTM_NEWRULE/RTM_DELRULE, struct fib_rule_hdr + FRA_*,
// linux/fib_rules.h): add/delete one rule, list them, and decode notifications so
// the VRRP worker can put back a rule it owns that someone deleted. Rules have no
// lifetime in the kernel and no replace: an add of an existing rule duplicates it
// unless NLM_F_EXCL, so vigil adds with EXCL and takes EEXIST as "already there".
import { AF_INET, AF_INET6, NLM_F_CREATE, NLM_F_DUMP, NLM_F_EXCL, NLM_F_REQUEST } from "../abi.ts";
import { Errno, SysError } from "../errno.ts";
import { Attrs, NetlinkDecodeError } from "../netlink/attr.ts";
import { MessageBuilder, type NlMessage } from "../netlink/message.ts";
import type { NetlinkSocket } from "../netlink/socket.ts";
import { formatIP, parseIP } from "./inet.ts";
// the plan (src/daemon/plan-routes.ts, pure) owns the rule it asks for; this adapter encodes and decodes it
import type { RuleSpec } from "../../daemon/plan-routes.ts";

export const RTM_NEWRULE = 32;
export const RTM_DELRULE = 33;
export const RTM_GETRULE = 34;
/** sizeof(struct fib_rule_hdr) and its fields' offsets */
export const FIB_RULE_HDR_SIZE = 12;
const H = { family: 0, dst_len: 1, src_len: 2, tos: 3, table: 4, action: 7, flags: 8 } as const;
export const FRA_DST = 1;
export const FRA_SRC = 2;
export const FRA_IIFNAME = 3;
export const FRA_PRIORITY = 6;
export const FRA_FWMARK = 10;
export const FRA_TABLE = 15;
export const FRA_FWMASK = 16;
export const FRA_OIFNAME = 17;
export const FRA_PROTOCOL = 21;
export const FR_ACT_TO_TBL = 1;
export const FR_ACT_BLACKHOLE = 6;
export const FR_ACT_UNREACHABLE = 7;
export const FR_ACT_PROHIBIT = 8;
export const FIB_RULE_INVERT = 2;
export const RULE_ACTIONS: Record<string, number> = { blackhole: FR_ACT_BLACKHOLE, unreachable: FR_ACT_UNREACHABLE, prohibit: FR_ACT_PROHIBIT };

export function describeRule(verb: string, r: RuleSpec): string {
  const sel = [r.invert ? "not" : "", r.src ? `from ${r.src}` : "", r.dst ? `to ${r.dst}` : "", r.iif ? `iif ${r.iif}` : "", r.fwmark !== undefined ? `fwmark ${r.fwmark}` : ""]
    .filter(Boolean).join(" ") || "from all";
  return `${verb} rule ${sel} priority ${r.priority} ${r.action === FR_ACT_TO_TBL ? `table ${r.table}` : `action ${r.action}`}`;
}

function prefix(text: string, family: 4 | 6): { bytes: Uint8Array; len: number } {
  const [a, l] = text.split("/");
  const p = parseIP(a ?? "");
  if (p.family !== family) throw new RangeError(`rule prefix ${text} is IPv${p.family}, the rule is IPv${family}`);
  const len = l === undefined ? (family === 4 ? 32 : 128) : Number(l);
  if (!Number.isInteger(len) || len < 0 || len > (family === 4 ? 32 : 128)) throw new RangeError(`rule prefix ${text}: bad length`);
  return { bytes: p.bytes, len };
}

export function buildRule(b: MessageBuilder, type: number, nlFlags: number, r: RuleSpec): void {
  b.begin(type, NLM_F_REQUEST | nlFlags);
  const off = b.struct(FIB_RULE_HDR_SIZE);
  b.view.setUint8(off + H.family, r.family === 4 ? AF_INET : AF_INET6);
  const table = r.action === FR_ACT_TO_TBL ? r.table ?? 0 : 0;
  b.view.setUint8(off + H.table, table < 256 ? table : 0);
  b.view.setUint8(off + H.action, r.action);
  b.view.setUint32(off + H.flags, r.invert ? FIB_RULE_INVERT : 0, true);
  if (r.src !== undefined) {
    const p = prefix(r.src, r.family);
    b.view.setUint8(off + H.src_len, p.len);
    b.bytes(FRA_SRC, p.bytes);
  }
  if (r.dst !== undefined) {
    const p = prefix(r.dst, r.family);
    b.view.setUint8(off + H.dst_len, p.len);
    b.bytes(FRA_DST, p.bytes);
  }
  if (table) b.u32(FRA_TABLE, table);
  b.u32(FRA_PRIORITY, r.priority);
  if (r.iif !== undefined) b.string(FRA_IIFNAME, r.iif);
  if (r.oif !== undefined) b.string(FRA_OIFNAME, r.oif);
  if (r.fwmark !== undefined) b.u32(FRA_FWMARK, r.fwmark);
  if (r.fwmask !== undefined) b.u32(FRA_FWMASK, r.fwmask);
  if (r.protocol !== undefined) b.u8(FRA_PROTOCOL, r.protocol);
}

/** Adds the rule; false when an identical rule is already there (EEXIST). */
export function addRule(sock: NetlinkSocket, r: RuleSpec): boolean {
  const b = new MessageBuilder(256);
  buildRule(b, RTM_NEWRULE, NLM_F_CREATE | NLM_F_EXCL, r);
  try {
    sock.request(b.finish(), describeRule("add", r));
    return true;
  } catch (e) {
    if (e instanceof SysError && e.errno === Errno.EEXIST) return false;
    throw e;
  }
}

/** Deletes the rule; false when there was none (ENOENT). */
export function deleteRule(sock: NetlinkSocket, r: RuleSpec): boolean {
  const b = new MessageBuilder(256);
  buildRule(b, RTM_DELRULE, 0, r);
  try {
    sock.request(b.finish(), describeRule("delete", r));
    return true;
  } catch (e) {
    if (e instanceof SysError && e.errno === Errno.ENOENT) return false;
    throw e;
  }
}

/** Decodes one RTM_NEWRULE/RTM_DELRULE message (IPv4 and IPv6 only). */
export function decodeRule(m: NlMessage): RuleSpec {
  const p = m.payload;
  if (p.length < FIB_RULE_HDR_SIZE) throw new NetlinkDecodeError("rule message", `payload ${p.length} bytes, need ${FIB_RULE_HDR_SIZE} for fib_rule_hdr`);
  const dv = new DataView(p.buffer, p.byteOffset, p.byteLength);
  const af = p[H.family];
  if (af !== AF_INET && af !== AF_INET6) throw new NetlinkDecodeError("rule message", `family ${af} is neither AF_INET nor AF_INET6`);
  const family: 4 | 6 = af === AF_INET ? 4 : 6;
  const alen = family === 4 ? 4 : 16;
  const a = new Attrs(p.subarray(FIB_RULE_HDR_SIZE), "rule attributes");
  const pfx = (t: number, len: number): string | undefined => {
    const d = a.get(t);
    if (d === undefined) return undefined;
    if (d.length !== alen) throw new NetlinkDecodeError("rule attributes", `attribute type ${t}: ${d.length} bytes, IPv${family} needs ${alen}`);
    if (len > alen * 8) throw new NetlinkDecodeError("rule message", `prefix length ${len} is longer than an IPv${family} address`);
    return `${formatIP(d)}/${len}`;
  };
  const action = p[H.action];
  const r: RuleSpec = { family, action, priority: a.u32(FRA_PRIORITY) ?? 0 };
  const src = pfx(FRA_SRC, p[H.src_len]);
  if (src !== undefined) r.src = src;
  const dst = pfx(FRA_DST, p[H.dst_len]);
  if (dst !== undefined) r.dst = dst;
  const table = a.u32(FRA_TABLE) ?? p[H.table];
  if (action === FR_ACT_TO_TBL) r.table = table;
  const iif = a.string(FRA_IIFNAME);
  if (iif !== undefined) r.iif = iif;
  const oif = a.string(FRA_OIFNAME);
  if (oif !== undefined) r.oif = oif;
  const mark = a.u32(FRA_FWMARK);
  if (mark !== undefined) r.fwmark = mark;
  const mask = a.u32(FRA_FWMASK);
  if (mask !== undefined) r.fwmask = mask;
  if (dv.getUint32(H.flags, true) & FIB_RULE_INVERT) r.invert = true;
  return r;
}

/** Rules of one family (or both), as the kernel lists them. */
export function listRules(sock: NetlinkSocket, family?: 4 | 6): RuleSpec[] {
  const b = new MessageBuilder(64);
  b.begin(RTM_GETRULE, NLM_F_REQUEST | NLM_F_DUMP);
  const off = b.struct(FIB_RULE_HDR_SIZE);
  b.view.setUint8(off + H.family, family === 4 ? AF_INET : family === 6 ? AF_INET6 : 0);
  return sock.query(b.finish(), "list rules (RTM_GETRULE dump)").filter((m) => m.type === RTM_NEWRULE).flatMap((m) => {
    try {
      return [decodeRule(m)];
    } catch {
      return []; // another family's rule (e.g. DECnet, MPLS): not ours
    }
  });
}

/** What identifies a rule for vigil: everything it sets. */
export function ruleKey(r: RuleSpec): string {
  // the kernel reports a fwmark's mask as 0xffffffff when none was given
  const mask = r.fwmark === undefined ? "" : (r.fwmask ?? 0xffff_ffff) >>> 0;
  return [r.family, r.invert ? "!" : "", r.src ?? "", r.dst ?? "", r.iif ?? "", r.oif ?? "", r.fwmark ?? "", mask, r.priority, r.action, r.table ?? ""].join(" ");
}
