// Proves every number in src/sys/abi.ts against the C headers of both targets:
// builds native/abi_probe.c natively (x64) and with the arm64 cross compiler
// (run under qemu-user), both installed by `make setup`, and compares.
import { describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, statSync } from "node:fs";
import * as abi from "../../../src/sys/abi.ts";
import { ROOT, sh } from "../../helpers/netns.ts";

type Probe = {
  const: Record<string, number>;
  sizeof: Record<string, number>;
  offsetof: Record<string, number>;
  epoll_event: { size: number; data: number };
};

const SRC = `${ROOT}/native/abi_probe.c`;

function build(cc: string, bin: string): void {
  if (existsSync(bin) && statSync(bin).mtimeMs >= statSync(SRC).mtimeMs) return;
  mkdirSync(`${ROOT}/build`, { recursive: true });
  sh([cc, "-O1", "-Wall", "-Wextra", "-Werror", "-o", bin, SRC]);
}

function probeX64(): Probe {
  const bin = `${ROOT}/build/abi-probe`;
  build("cc", bin);
  return JSON.parse(sh([bin])) as Probe;
}

function probeArm64(): Probe {
  const bin = `${ROOT}/build/abi-probe-arm64`;
  build("aarch64-linux-gnu-gcc", bin);
  return JSON.parse(sh(["qemu-aarch64-static", "-L", "/usr/aarch64-linux-gnu", bin])) as Probe;
}

const tsConsts = Object.entries(abi).filter(([k, v]) => /^[A-Z][A-Z0-9_]*$/.test(k) && typeof v === "number") as [string, number][];

function tsOffsets(): Record<string, number> {
  const ts: Record<string, number> = {};
  for (const [type, fields] of Object.entries(abi.OFFSETOF)) {
    for (const [f, off] of Object.entries(fields)) ts[`${type}.${f}`] = off;
  }
  return ts;
}

for (const [target, probe] of [["x64", probeX64], ["arm64", probeArm64]] as const) {
  describe(`ABI (${target}): src/sys/abi.ts matches the C headers`, () => {
    const p = probe();
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
    test("struct epoll_event layout (packed on x86_64, naturally aligned on arm64)", () => {
      expect(p.epoll_event).toEqual({ ...abi.EPOLL_EVENT[target] });
    });
    test("struct field offsets", () => {
      expect(tsOffsets()).toEqual(p.offsetof);
    });
    test("the probe covers the structs the FFI code uses", () => {
      for (const s of ["sockaddr_in", "sockaddr_in6", "sockaddr_ll", "sockaddr_nl", "nlmsghdr", "nlattr", "ifaddrmsg",
        "ifinfomsg", "ifa_cacheinfo", "genlmsghdr", "msghdr", "iovec", "cmsghdr", "in_pktinfo", "in6_pktinfo",
        "ip_mreqn", "ipv6_mreq", "timespec", "timeval", "sched_param", "pollfd"]) {
        expect(p.sizeof[s]).toBeGreaterThan(0);
      }
    });
  });
}
