// Netlink attribute/message codec against hand-assembled bytes (linux/netlink.h layout).
import { describe, expect, test } from "bun:test";
import { NLM_F_ACK_TLVS, NLM_F_CAPPED, NLM_F_DUMP_INTR, NLM_F_REQUEST, NLMSG_DONE, NLMSG_ERROR } from "../../../src/sys/abi.ts";
import { Attrs, AttrWriter, decodeAttrs, NetlinkDecodeError } from "../../../src/sys/netlink/attr.ts";
import { beginGenl, decodeFamily, parseGenl } from "../../../src/sys/netlink/genetlink.ts";
import { MessageBuilder, type NlMessage, parseError, parseMessages, setSeq } from "../../../src/sys/netlink/message.ts";
import { REPLY_FINISHED, REPLY_INTERRUPTED, scanReply } from "../../../src/sys/netlink/reply.ts";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const written = (w: AttrWriter) => w.buf.subarray(0, w.len);

describe("netlink attributes: encoding", () => {
  test("u8 attribute: nla_len counts header+payload, padding to 4 is not counted", () => {
    expect(hex(written(new AttrWriter().u8(1, 0xab)))).toBe("05000100ab");
    // the next attribute starts on the 4-byte boundary
    expect(hex(written(new AttrWriter().u8(1, 0xab).u8(2, 0xcd)))).toBe("05000100ab00000005000200cd");
  });
  test("u16/u32/u64 are host (little-endian) order, be16/be32 network order", () => {
    expect(hex(written(new AttrWriter().u16(3, 0x1234)))).toBe("060003003412");
    expect(hex(written(new AttrWriter().u32(4, 0xdeadbeef)))).toBe("08000400efbeadde");
    expect(hex(written(new AttrWriter().u64(5, 0x0102030405060708n)))).toBe("0c0005000807060504030201");
    expect(hex(written(new AttrWriter().be16(6, 80)))).toBe("060006000050");
    expect(hex(written(new AttrWriter().be32(7, 0xc6120001)))).toBe("08000700c6120001");
  });
  test("string is NUL-terminated; bytes and flag are raw", () => {
    expect(hex(written(new AttrWriter().string(2, "eth0")))).toBe("0900020065746830" + "00");
    expect(hex(written(new AttrWriter().bytes(1, new Uint8Array([0, 0, 0x5e, 0, 1, 7]))))).toBe("0a00010000005e000107");
    expect(hex(written(new AttrWriter().flag(9)))).toBe("04000900");
  });
  test("nested attribute sets NLA_F_NESTED and covers its children", () => {
    const w = new AttrWriter();
    w.nest(18, (n) => n.string(1, "macvlan").nest(2, (d) => d.u32(1, 4)));
    const b = written(w);
    const outer = decodeAttrs(b);
    expect(outer).toHaveLength(1);
    expect(outer[0].type).toBe(18);
    expect(outer[0].nested).toBe(true);
    expect(new DataView(b.buffer).getUint16(0, true)).toBe(b.length);
    const a = new Attrs(outer[0].data);
    expect(a.string(1)).toBe("macvlan");
    expect(a.nested(2)!.u32(1)).toBe(4);
  });
  test("the writer grows past its initial capacity without losing bytes", () => {
    const w = new AttrWriter(8);
    for (let i = 0; i < 100; i++) w.u32(i + 1, i * 7);
    const a = new Attrs(written(w));
    expect(a.list).toHaveLength(100);
    expect(a.u32(100)).toBe(99 * 7);
  });
  test("a payload too large for nla_len is refused", () => {
    expect(() => new AttrWriter().bytes(1, new Uint8Array(70000))).toThrow(RangeError);
  });
});

describe("netlink attributes: decoding rejects garbage with NetlinkDecodeError", () => {
  const cases: [string, number[]][] = [
    ["nla_len below the header size", [2, 0, 1, 0]],
    ["nla_len past the end", [12, 0, 1, 0, 1, 2, 3, 4]],
    ["trailing bytes shorter than a header", [5, 0, 1, 0, 9, 0, 0, 0, 1, 2]],
  ];
  for (const [name, bytes] of cases) {
    test(name, () => {
      expect(() => decodeAttrs(new Uint8Array(bytes), "t")).toThrow(NetlinkDecodeError);
    });
  }
  test("the last attribute may omit its trailing padding", () => {
    expect(decodeAttrs(new Uint8Array([5, 0, 1, 0, 7]))[0].data[0]).toBe(7);
  });
  test("a fixed-size accessor on a short attribute names the type", () => {
    const a = new Attrs(new Uint8Array([6, 0, 4, 0, 1, 2]), "ifa");
    expect(() => a.u32(4)).toThrow(/attribute type 4: 2 bytes, need 4/);
    expect(a.u32(5)).toBeUndefined();
  });
  test("a string without NUL is read to the end of the attribute", () => {
    expect(new Attrs(new Uint8Array([7, 0, 3, 0, 0x6c, 0x6f, 0x30])).string(3)).toBe("lo0");
  });
});

describe("netlink messages", () => {
  test("builder writes nlmsghdr, family header and attributes with nlmsg_len", () => {
    const b = new MessageBuilder(16);
    b.begin(20, NLM_F_REQUEST | 0x400);
    const off = b.struct(8);
    b.view.setUint8(off, 2);
    b.u32(2, 0x010012c6);
    const msg = b.finish();
    setSeq(msg, 77);
    expect(msg.length).toBe(16 + 8 + 8);
    const [m] = parseMessages(msg);
    expect(m).toMatchObject({ type: 20, flags: 0x401, seq: 77, pid: 0 });
    expect(m.payload.length).toBe(16);
    expect(new Attrs(m.payload.subarray(8)).u32(2)).toBe(0x010012c6);
  });
  test("several messages in one datagram are split on 4-byte boundaries", () => {
    const b = new MessageBuilder();
    const one = b.begin(1, 0).u8(1, 1).finish().slice();
    const two = b.begin(2, 0).string(1, "ab").finish().slice();
    const ms = parseMessages(new Uint8Array([...one, ...two]));
    expect(ms.map((m) => m.type)).toEqual([1, 2]);
  });
  test("nlmsg_len shorter than the header or past the datagram is rejected", () => {
    const bad = new Uint8Array(16);
    new DataView(bad.buffer).setUint32(0, 8, true);
    expect(() => parseMessages(bad)).toThrow(NetlinkDecodeError);
    new DataView(bad.buffer).setUint32(0, 40, true);
    expect(() => parseMessages(bad)).toThrow(/overruns/);
  });
});

function errorMessage(code: number, flags: number, extack?: { msg?: string; offs?: number }): Uint8Array {
  const b = new MessageBuilder();
  b.begin(NLMSG_ERROR, flags);
  const off = b.struct(4 + 16);
  b.view.setInt32(off, code, true);
  b.view.setUint32(off + 4, 16, true); // echoed request header (capped)
  b.view.setUint16(off + 8, 20, true);
  if (extack?.msg !== undefined) b.string(1, extack.msg);
  if (extack?.offs !== undefined) b.u32(2, extack.offs);
  return b.finish();
}

describe("NLMSG_ERROR", () => {
  test("error 0 is an ACK", () => {
    expect(parseError(parseMessages(errorMessage(0, NLM_F_CAPPED))[0])).toEqual({ errno: 0 });
  });
  test("negative error becomes a positive errno with the extended ack text and offset", () => {
    const m = parseMessages(errorMessage(-17, NLM_F_CAPPED | NLM_F_ACK_TLVS, { msg: "Address already assigned", offs: 28 }))[0];
    expect(parseError(m)).toEqual({ errno: 17, message: "Address already assigned", offset: 28 });
  });
  test("malformed extack TLVs still yield the errno", () => {
    const raw = errorMessage(-22, NLM_F_CAPPED | NLM_F_ACK_TLVS, { msg: "x" });
    new DataView(raw.buffer).setUint16(16 + 20, 200, true); // corrupt nla_len
    expect(parseError(parseMessages(raw)[0])).toEqual({ errno: 22 });
  });
  test("an error payload shorter than the error code is rejected", () => {
    const b = new MessageBuilder();
    b.begin(NLMSG_ERROR, 0);
    expect(() => parseError(parseMessages(b.finish())[0])).toThrow(NetlinkDecodeError);
  });
});

describe("generic netlink codec", () => {
  test("genlmsghdr follows nlmsghdr; CTRL_CMD_NEWFAMILY reply decodes id, version, groups", () => {
    const b = new MessageBuilder();
    beginGenl(b, 16, 1, 2);
    b.u16(1, 0x22).string(2, "IPVS").u32(3, 1).u32(4, 0).u32(5, 9);
    b.nest(7, (g) => g.nest(1, (one) => one.string(1, "mon").u32(2, 9)));
    const [m] = parseMessages(b.finish());
    expect(m.payload[0]).toBe(1);
    expect(m.payload[1]).toBe(2);
    expect(parseGenl(m).cmd).toBe(1);
    const f = decodeFamily(m);
    expect(f).toMatchObject({ name: "IPVS", id: 0x22, version: 1, maxattr: 9 });
    expect([...f.groups]).toEqual([["mon", 9]]);
  });
  test("a family reply without an id is rejected, not half-decoded", () => {
    const b = new MessageBuilder();
    beginGenl(b, 16, 1, 2);
    b.string(2, "IPVS");
    expect(() => decodeFamily(parseMessages(b.finish())[0])).toThrow(/CTRL_ATTR_FAMILY_ID/);
  });
});

describe("reply scanning (scanReply)", () => {
  const seqd = (m: Uint8Array, seq: number) => {
    const c = m.slice();
    setSeq(c, seq);
    return c;
  };
  const data = (type: number, flags = 0) => new MessageBuilder().begin(type, flags).u32(1, type).finish().slice();
  const done = (code: number) => {
    const b = new MessageBuilder();
    b.begin(NLMSG_DONE, 0);
    b.view.setInt32(b.struct(4), code, true);
    return b.finish().slice();
  };
  const scan = (parts: Uint8Array[], collect: NlMessage[] | null = []) => {
    const buf = new Uint8Array(parts.flatMap((p) => [...p]));
    return scanReply(buf, new DataView(buf.buffer), buf.length, 7, "test op", collect);
  };

  test("collects data for our sequence only and finishes on NLMSG_DONE", () => {
    const out: NlMessage[] = [];
    expect(scan([seqd(data(20), 6), seqd(data(20), 7), seqd(data(21), 7), seqd(done(0), 7)], out)).toBe(REPLY_FINISHED);
    expect(out.map((m) => m.type)).toEqual([20, 21]);
  });
  test("a datagram without the terminator asks for more; NLM_F_DUMP_INTR is reported", () => {
    expect(scan([seqd(data(20), 7)])).toBe(0);
    expect(scan([seqd(data(20, NLM_F_DUMP_INTR), 7), seqd(done(0), 7)])).toBe(REPLY_FINISHED | REPLY_INTERRUPTED);
  });
  test("an ACK for another sequence does not finish the request", () => {
    expect(scan([seqd(errorMessage(0, NLM_F_CAPPED), 6)])).toBe(0);
    expect(scan([seqd(errorMessage(0, NLM_F_CAPPED), 7)])).toBe(REPLY_FINISHED);
  });
  test("an error reply throws SysError naming the operation with the kernel's extack text", () => {
    expect(() => scan([seqd(errorMessage(-19, NLM_F_CAPPED | NLM_F_ACK_TLVS, { msg: "Device not found" }), 7)])).toThrow("test op (kernel: Device not found): ENODEV (19)");
    expect(() => scan([seqd(done(-16), 7)])).toThrow(/test op dump failed: EBUSY/);
  });
  test("a positive error code is malformed, not an ACK", () => {
    expect(() => scan([seqd(errorMessage(5, NLM_F_CAPPED), 7)])).toThrow(NetlinkDecodeError);
  });
});
