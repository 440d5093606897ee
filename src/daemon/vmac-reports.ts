// IGMP/MLD membership reports must not leave a vmac. A backup's vmac joins the VRRP
// group (and an IPv6 vmac its solicited-node groups) like the master's, and the
// kernel reports those memberships from the vmac's MAC, the virtual MAC: on joining
// and on every querier's query. Each such frame pulls the switch's MAC table entry
// for the virtual MAC to the backup until the master's next advert (measured in the
// lab: two reports from a starting backup's vmac). keepalived installs nftables rules
// that send a copy out of the parent instead and drop the original; this does the
// same over nf_tables netlink (no nft binary needed):
//
//   table ip vigil_vmac  { map vmacs { ifindex : ifindex }
//     chain out { type filter hook output priority 0
//       ip protocol igmp dup to ip daddr device oif map @vmacs drop } }
//   table ip6 vigil_vmac { same map; chain out:
//       icmpv6 type { mld-listener-report, mld-listener-done, mld2-listener-report }
//       dup to ip6 daddr device oif map @vmacs drop }
import { NLM_F_ACK, NLM_F_CREATE, NLM_F_REQUEST, NLMSG_ERROR } from "../sys/abi.ts";
import { inNetns } from "../sys/netlink/netns.ts";
import { MessageBuilder, parseError } from "../sys/netlink/message.ts";
import { NetlinkSocket } from "../sys/netlink/socket.ts";
import { Errno, SysError } from "../sys/errno.ts";

// linux/netlink.h, linux/netfilter/nfnetlink.h, linux/netfilter/nf_tables.h
const NETLINK_NETFILTER = 12;
const NFNL_SUBSYS_NFTABLES = 10;
const NFNL_MSG_BATCH_BEGIN = 16;
const NFNL_MSG_BATCH_END = 17;
const NFT_MSG_NEWTABLE = 0;
const NFT_MSG_DELTABLE = 2;
const NFT_MSG_NEWCHAIN = 3;
const NFT_MSG_NEWRULE = 6;
const NFT_MSG_NEWSET = 9;
const NFT_MSG_NEWSETELEM = 12;
const NFT_MSG_DELSETELEM = 14;
const NFPROTO_IPV4 = 2;
const NFPROTO_IPV6 = 10;
const NF_INET_LOCAL_OUT = 3;
const NF_ACCEPT = 1;
const NF_DROP = 0;
const NFT_SET_MAP = 0x8;
/** nft's TYPE_IFINDEX: only shown by `nft list`, the kernel checks lengths */
const NFT_TYPE_IFINDEX = 20;
const NFT_REG_VERDICT = 0;
const NFT_REG_1 = 1;
const NFT_REG_2 = 2;
const NFT_PAYLOAD_NETWORK_HEADER = 1;
const NFT_PAYLOAD_TRANSPORT_HEADER = 2;
const NFT_META_OIF = 5;
const NFT_META_L4PROTO = 16;
const NFT_CMP_EQ = 0;
const NFTA_LIST_ELEM = 1;
const NFTA_TABLE_NAME = 1;
const NFTA_CHAIN_TABLE = 1, NFTA_CHAIN_NAME = 3, NFTA_CHAIN_HOOK = 4, NFTA_CHAIN_POLICY = 5, NFTA_CHAIN_TYPE = 7;
const NFTA_HOOK_HOOKNUM = 1, NFTA_HOOK_PRIORITY = 2;
const NFTA_SET_TABLE = 1, NFTA_SET_NAME = 2, NFTA_SET_FLAGS = 3, NFTA_SET_KEY_TYPE = 4, NFTA_SET_KEY_LEN = 5, NFTA_SET_DATA_TYPE = 6, NFTA_SET_DATA_LEN = 7;
/** the kernel insists on a transaction-local set id even when nothing refers to it by id */
const NFTA_SET_ID = 10;
const NFTA_SET_ELEM_LIST_TABLE = 1, NFTA_SET_ELEM_LIST_SET = 2, NFTA_SET_ELEM_LIST_ELEMENTS = 3;
const NFTA_SET_ELEM_KEY = 1, NFTA_SET_ELEM_DATA = 2;
const NFTA_DATA_VALUE = 1, NFTA_DATA_VERDICT = 2, NFTA_VERDICT_CODE = 1;
const NFTA_RULE_TABLE = 1, NFTA_RULE_CHAIN = 2, NFTA_RULE_EXPRESSIONS = 4;
const NFTA_EXPR_NAME = 1, NFTA_EXPR_DATA = 2;
const NFTA_PAYLOAD_DREG = 1, NFTA_PAYLOAD_BASE = 2, NFTA_PAYLOAD_OFFSET = 3, NFTA_PAYLOAD_LEN = 4;
const NFTA_CMP_SREG = 1, NFTA_CMP_OP = 2, NFTA_CMP_DATA = 3;
const NFTA_META_DREG = 1, NFTA_META_KEY = 2;
const NFTA_LOOKUP_SET = 1, NFTA_LOOKUP_SREG = 2, NFTA_LOOKUP_DREG = 3;
const NFTA_DUP_SREG_ADDR = 1, NFTA_DUP_SREG_DEV = 2;
const NFTA_IMMEDIATE_DREG = 1, NFTA_IMMEDIATE_DATA = 2;
const IPPROTO_IGMP = 2;
const IPPROTO_ICMPV6 = 58;
/** RFC 2710 MLDv1 report and done, RFC 3810 MLDv2 report */
const MLD_TYPES = [131, 132, 143];

export const VMAC_TABLE = "vigil_vmac";
const CHAIN = "out";
const MAP = "vmacs";
const FAMILIES = [NFPROTO_IPV4, NFPROTO_IPV6] as const;

type Expr = [name: string, fill: (b: MessageBuilder) => void];

/** an ifindex as nft stores it in a register: host byte order (meta oif writes it so) */
const hostU32 = (v: number) => new Uint8Array(new Uint32Array([v]).buffer);

const payload = (base: number, offset: number, len: number): Expr => ["payload", (b) =>
  b.be32(NFTA_PAYLOAD_DREG, NFT_REG_1).be32(NFTA_PAYLOAD_BASE, base).be32(NFTA_PAYLOAD_OFFSET, offset).be32(NFTA_PAYLOAD_LEN, len)];
const cmpEq = (value: Uint8Array): Expr => ["cmp", (b) =>
  b.be32(NFTA_CMP_SREG, NFT_REG_1).be32(NFTA_CMP_OP, NFT_CMP_EQ).nest(NFTA_CMP_DATA, (d) => d.bytes(NFTA_DATA_VALUE, value))];
const meta = (key: number, reg: number): Expr => ["meta", (b) => b.be32(NFTA_META_DREG, reg).be32(NFTA_META_KEY, key)];

/** `... dup to <daddr in reg 1> device oif map @vmacs drop`: the tail every rule shares */
function dupToParentAndDrop(): Expr[] {
  return [
    meta(NFT_META_OIF, NFT_REG_2),
    ["lookup", (b) => b.string(NFTA_LOOKUP_SET, MAP).be32(NFTA_LOOKUP_SREG, NFT_REG_2).be32(NFTA_LOOKUP_DREG, NFT_REG_2)],
    ["dup", (b) => b.be32(NFTA_DUP_SREG_ADDR, NFT_REG_1).be32(NFTA_DUP_SREG_DEV, NFT_REG_2)],
    ["immediate", (b) => b.be32(NFTA_IMMEDIATE_DREG, NFT_REG_VERDICT)
      .nest(NFTA_IMMEDIATE_DATA, (d) => d.nest(NFTA_DATA_VERDICT, (v) => v.be32(NFTA_VERDICT_CODE, NF_DROP)))],
  ];
}

function rules(family: number): Expr[][] {
  if (family === NFPROTO_IPV4) {
    // IPv4 header: protocol at 9, destination at 16
    return [[payload(NFT_PAYLOAD_NETWORK_HEADER, 9, 1), cmpEq(new Uint8Array([IPPROTO_IGMP])), payload(NFT_PAYLOAD_NETWORK_HEADER, 16, 4), ...dupToParentAndDrop()]];
  }
  // meta l4proto sees past the hop-by-hop header MLD carries; IPv6 destination at 24
  return MLD_TYPES.map((t) => [
    meta(NFT_META_L4PROTO, NFT_REG_1), cmpEq(new Uint8Array([IPPROTO_ICMPV6])),
    payload(NFT_PAYLOAD_TRANSPORT_HEADER, 0, 1), cmpEq(new Uint8Array([t])),
    payload(NFT_PAYLOAD_NETWORK_HEADER, 24, 16), ...dupToParentAndDrop(),
  ]);
}

function nfMessage(msg: number, family: number, flags: number, fill: (b: MessageBuilder) => void, resId = 0): Uint8Array {
  const b = new MessageBuilder(256);
  b.begin(msg === NFNL_MSG_BATCH_BEGIN || msg === NFNL_MSG_BATCH_END ? msg : (NFNL_SUBSYS_NFTABLES << 8) | msg, NLM_F_REQUEST | flags);
  const off = b.struct(4); // struct nfgenmsg { u8 family; u8 version; be16 res_id; }
  b.view.setUint8(off, family);
  b.view.setUint16(off + 2, resId, false);
  fill(b);
  return b.finish().slice();
}

/**
 * Sends one nf_tables transaction (BATCH_BEGIN, messages, BATCH_END in one datagram)
 * and checks every message's ACK; `tolerate` lists errnos that count as success.
 */
function transaction(sock: NetlinkSocket, op: string, msgs: Uint8Array[], tolerate: number[] = []): void {
  const all = [
    nfMessage(NFNL_MSG_BATCH_BEGIN, 0, 0, () => {}, NFNL_SUBSYS_NFTABLES),
    ...msgs.map((m) => {
      m[6] |= NLM_F_ACK;
      return m;
    }),
    nfMessage(NFNL_MSG_BATCH_END, 0, 0, () => {}, NFNL_SUBSYS_NFTABLES),
  ];
  const first = sock.reserveSeq(all.length);
  const buf = new Uint8Array(all.reduce((n, m) => n + m.length, 0));
  let o = 0;
  all.forEach((m, i) => {
    new DataView(m.buffer).setUint32(8, (first + i) >>> 0, true);
    buf.set(m, o);
    o += m.length;
  });
  // send() re-stamps the first message (BATCH_BEGIN) only; the kernel ACKs just the nf_tables messages
  sock.send(buf, op);
  const want = new Set(msgs.map((_, i) => (first + 1 + i) >>> 0));
  // nfnetlink answers the whole batch inside sendmsg(): the ACKs are queued already
  for (let reads = 0; reads < 64 && want.size > 0; reads++) {
    const got = sock.tryReceive(op);
    if (!got) {
      Bun.sleepSync(1);
      continue;
    }
    for (const m of got) {
      if (m.type !== NLMSG_ERROR || !want.has(m.seq)) continue;
      want.delete(m.seq);
      const e = parseError(m);
      const which = m.seq - first - 1;
      if (e.errno !== 0 && !tolerate.includes(e.errno)) throw new SysError(op, e.errno, `(message ${which + 1} of ${msgs.length}${e.message ? `; kernel: ${e.message}` : ""})`);
    }
  }
  if (want.size > 0) throw new SysError(op, Errno.EPROTO, `${want.size} nf_tables message(s) never acknowledged`);
}

/** Creates the two tables afresh (a crashed predecessor's are replaced, never duplicated). */
function setUp(sock: NetlinkSocket): void {
  const del = FAMILIES.map((f) => nfMessage(NFT_MSG_DELTABLE, f, 0, (b) => b.string(NFTA_TABLE_NAME, VMAC_TABLE)));
  transaction(sock, `delete nftables table ${VMAC_TABLE}`, del, [Errno.ENOENT]);
  const create: Uint8Array[] = [];
  for (const f of FAMILIES) {
    create.push(nfMessage(NFT_MSG_NEWTABLE, f, NLM_F_CREATE, (b) => b.string(NFTA_TABLE_NAME, VMAC_TABLE)));
    create.push(nfMessage(NFT_MSG_NEWCHAIN, f, NLM_F_CREATE, (b) => b.string(NFTA_CHAIN_TABLE, VMAC_TABLE).string(NFTA_CHAIN_NAME, CHAIN)
      .nest(NFTA_CHAIN_HOOK, (h) => h.be32(NFTA_HOOK_HOOKNUM, NF_INET_LOCAL_OUT).be32(NFTA_HOOK_PRIORITY, 0))
      .be32(NFTA_CHAIN_POLICY, NF_ACCEPT).string(NFTA_CHAIN_TYPE, "filter")));
    create.push(nfMessage(NFT_MSG_NEWSET, f, NLM_F_CREATE, (b) => b.string(NFTA_SET_TABLE, VMAC_TABLE).string(NFTA_SET_NAME, MAP)
      .be32(NFTA_SET_FLAGS, NFT_SET_MAP).be32(NFTA_SET_KEY_TYPE, NFT_TYPE_IFINDEX).be32(NFTA_SET_KEY_LEN, 4)
      .be32(NFTA_SET_DATA_TYPE, NFT_TYPE_IFINDEX).be32(NFTA_SET_DATA_LEN, 4).be32(NFTA_SET_ID, 1)));
  }
  transaction(sock, `create nftables table ${VMAC_TABLE}`, create);
  const ruleMsgs = FAMILIES.flatMap((f) => rules(f).map((exprs) => nfMessage(NFT_MSG_NEWRULE, f, NLM_F_CREATE | 0x800 /* NLM_F_APPEND */, (b) => {
    b.string(NFTA_RULE_TABLE, VMAC_TABLE).string(NFTA_RULE_CHAIN, CHAIN);
    b.nest(NFTA_RULE_EXPRESSIONS, (l) => {
      for (const [name, fill] of exprs) l.nest(NFTA_LIST_ELEM, (e) => e.string(NFTA_EXPR_NAME, name).nest(NFTA_EXPR_DATA, (d) => fill(d)));
    });
  })));
  transaction(sock, `add nftables rules to ${VMAC_TABLE}`, ruleMsgs);
}

function element(sock: NetlinkSocket, add: boolean, vmac: number, parent: number): void {
  const msgs = FAMILIES.map((f) => nfMessage(add ? NFT_MSG_NEWSETELEM : NFT_MSG_DELSETELEM, f, add ? NLM_F_CREATE : 0, (b) =>
    b.string(NFTA_SET_ELEM_LIST_TABLE, VMAC_TABLE).string(NFTA_SET_ELEM_LIST_SET, MAP)
      .nest(NFTA_SET_ELEM_LIST_ELEMENTS, (l) => l.nest(NFTA_LIST_ELEM, (e) => e
        .nest(NFTA_SET_ELEM_KEY, (k) => k.bytes(NFTA_DATA_VALUE, hostU32(vmac)))
        .nest(NFTA_SET_ELEM_DATA, (d) => d.bytes(NFTA_DATA_VALUE, hostU32(parent)))))));
  transaction(sock, `${add ? "map" : "unmap"} vmac ${vmac} -> ${parent} in ${VMAC_TABLE}`, msgs, add ? [] : [Errno.ENOENT]);
}

/** One per daemon (one netns): the tables exist while at least one vmac is mapped. */
export class VmacReportRedirect {
  private sock: NetlinkSocket | null = null;
  private readonly mapped = new Map<number, number>();

  constructor(private readonly netns?: string) {}

  /** Reports sent on `vmac` leave from `parent` from now on. */
  add(vmac: number, parent: number): void {
    if (!this.sock) {
      const open = () => new NetlinkSocket(NETLINK_NETFILTER);
      const s = this.netns ? inNetns(this.netns, open) : open();
      try {
        setUp(s);
      } catch (e) {
        s.close();
        throw e;
      }
      this.sock = s;
    }
    element(this.sock, true, vmac, parent);
    this.mapped.set(vmac, parent);
  }

  /** Forgets a vmac; the tables go with the last one. */
  remove(vmac: number): void {
    const parent = this.mapped.get(vmac);
    if (parent === undefined || !this.sock) return;
    this.mapped.delete(vmac);
    if (this.mapped.size > 0) {
      element(this.sock, false, vmac, parent);
      return;
    }
    try {
      const del = FAMILIES.map((f) => nfMessage(NFT_MSG_DELTABLE, f, 0, (b) => b.string(NFTA_TABLE_NAME, VMAC_TABLE)));
      transaction(this.sock, `delete nftables table ${VMAC_TABLE}`, del, [Errno.ENOENT]);
    } finally {
      this.sock.close();
      this.sock = null;
    }
  }

  get size(): number {
    return this.mapped.size;
  }
}
