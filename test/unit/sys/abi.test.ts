// Proves every number in src/sys/abi.ts against the C headers: builds
// native/abi_probe.c (if build/abi-probe is missing or older) and compares.
import { describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, statSync } from "node:fs";
import * as abi from "../../../src/sys/abi.ts";
import { ROOT, sh } from "../../helpers/netns.ts";

type Probe = { const: Record<string, number>; sizeof: Record<string, number>; offsetof: Record<string, number> };

function probe(): Probe {
  const src = `${ROOT}/native/abi_probe.c`;
  const bin = `${ROOT}/build/abi-probe`;
  if (!existsSync(bin) || statSync(bin).mtimeMs < statSync(src).mtimeMs) {
    mkdirSync(`${ROOT}/build`, { recursive: true });
    sh(["cc", "-O1", "-Wall", "-Wextra", "-Werror", "-o", bin, src]);
  }
  return JSON.parse(sh([bin])) as Probe;
}

const p = probe();
const tsConsts = Object.entries(abi).filter(([k, v]) => /^[A-Z][A-Z0-9_]*$/.test(k) && typeof v === "number") as [string, number][];

describe("ABI: src/sys/abi.ts matches the C headers", () => {
  test("every constant the probe prints has the same value in abi.ts", () => {
    const wrong = Object.entries(p.const).filter(([k, v]) => (abi as Record<string, unknown>)[k] !== v);
    expect(wrong).toEqual([]);
  });
  test("every numeric constant in abi.ts is checked by the probe (or is an IANA/RFC number)", () => {
    const unchecked = tsConsts.map(([k]) => k).filter((k) => !(k in p.const) && !abi.NOT_IN_HEADERS.includes(k));
    expect(unchecked).toEqual([]);
  });
  test("struct sizes", () => {
    expect({ ...abi.SIZEOF }).toEqual(p.sizeof as never);
  });
  test("struct field offsets", () => {
    const ts: Record<string, number> = {};
    for (const [type, fields] of Object.entries(abi.OFFSETOF)) {
      for (const [f, off] of Object.entries(fields)) ts[`${type}.${f}`] = off;
    }
    expect(ts).toEqual(p.offsetof);
  });
  test("the probe covers the structs the brief names", () => {
    for (const s of ["sockaddr_in", "sockaddr_in6", "sockaddr_ll", "sockaddr_nl", "nlmsghdr", "nlattr", "ifaddrmsg",
      "ifinfomsg", "ifa_cacheinfo", "genlmsghdr", "msghdr", "iovec", "cmsghdr", "in_pktinfo", "in6_pktinfo",
      "ip_mreqn", "ipv6_mreq", "timespec", "sched_param", "pollfd"]) {
      expect(p.sizeof[s]).toBeGreaterThan(0);
    }
  });
});
