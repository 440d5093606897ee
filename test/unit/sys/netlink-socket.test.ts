// NetlinkSocket against the running kernel's generic netlink controller.
import { afterAll, describe, expect, test } from "bun:test";
import { CTRL_ATTR_FAMILY_NAME, CTRL_CMD_GETFAMILY, GENL_ID_CTRL } from "../../../src/sys/abi.ts";
import { SysError } from "../../../src/sys/errno.ts";
import { beginGenl, openGenetlink, resolveFamily } from "../../../src/sys/netlink/genetlink.ts";
import { MessageBuilder } from "../../../src/sys/netlink/message.ts";

const sock = openGenetlink();
afterAll(() => sock.close());

describe("generic netlink family resolution (CTRL_CMD_GETFAMILY)", () => {
  test("nlctrl resolves to GENL_ID_CTRL with its notify group", () => {
    const f = resolveFamily(sock, "nlctrl");
    expect(f.id).toBe(GENL_ID_CTRL);
    expect(f.version).toBeGreaterThan(0);
    expect(f.groups.has("notify")).toBe(true);
  });
  test("a family the kernel lacks is SysError ENOENT naming the family", () => {
    let err: unknown;
    try {
      resolveFamily(sock, "vt-nofamily");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SysError);
    expect((err as SysError).code).toBe("ENOENT");
    expect((err as SysError).message).toContain("vt-nofamily");
  });
  test("the socket stays usable after an error reply (sequence numbers keep replies apart)", () => {
    for (let i = 0; i < 3; i++) {
      expect(() => resolveFamily(sock, "vt-nofamily")).toThrow(SysError);
      expect(resolveFamily(sock, "nlctrl").id).toBe(GENL_ID_CTRL);
    }
  });
  test("a reply to an earlier request nobody read is skipped by sequence number", () => {
    const b = new MessageBuilder();
    beginGenl(b, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1);
    b.string(CTRL_ATTR_FAMILY_NAME, "vt-nofamily");
    sock.send(b.finish(), "unanswered"); // its ENOENT error stays queued
    expect(resolveFamily(sock, "nlctrl").id).toBe(GENL_ID_CTRL);
  });
  test("a request with an unknown message type is rejected by the kernel with a named SysError", () => {
    const b = new MessageBuilder();
    b.begin(0x3ff0, 1);
    b.struct(4);
    expect(() => sock.request(b.finish(), "bogus genl request")).toThrow(/bogus genl request.*E[A-Z]+ \(\d+\)/);
  });
  test("sending on a closed socket fails with EBADF, close is idempotent", () => {
    const s = openGenetlink();
    s.close();
    s.close();
    const b = new MessageBuilder();
    expect(() => s.request(b.begin(GENL_ID_CTRL, 1).finish(), "after close")).toThrow(/EBADF/);
  });
});
