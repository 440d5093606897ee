// vigil's one address grammar (src/net/ip-address.ts) is glibc's inet_pton(3):
// keepalived parses VIPs and real servers with inet_pton, iproute2 too, so a
// config vigil accepts is one they accept, byte for byte. glibc itself is the
// oracle here, on the rules' edge cases and on seeded random text.
import { describe, expect, test } from "bun:test";
import { dlopen, FFIType } from "bun:ffi";
import { mulberry32 } from "../../../src/lvs/checkers/prng.ts";
import { AddressError, ipFamily, parseIPv4, parseIPv6 } from "../../../src/net/ip-address.ts";

const libc = dlopen("libc.so.6", { inet_pton: { args: [FFIType.i32, FFIType.ptr, FFIType.ptr], returns: FFIType.i32 } });
const AF_INET = 2, AF_INET6 = 10;

/** glibc's bytes for `s`, or undefined when inet_pton refuses it. */
function inetPton(s: string, family: 4 | 6): number[] | undefined {
  const text = new Uint8Array(new ArrayBuffer(s.length * 3 + 1));
  const n = new TextEncoder().encodeInto(s, text).written;
  if (text.subarray(0, n).includes(0)) return undefined; // C would stop at the NUL
  const out = new Uint8Array(new ArrayBuffer(16));
  return libc.symbols.inet_pton(family === 4 ? AF_INET : AF_INET6, text, out) === 1 ? [...out.subarray(0, family === 4 ? 4 : 16)] : undefined;
}

function ours(s: string, family: 4 | 6): number[] | undefined {
  try {
    return [...(family === 4 ? parseIPv4(s) : parseIPv6(s))];
  } catch (e) {
    if (!(e instanceof AddressError)) throw e;
    return undefined;
  }
}

const EDGES = [
  "198.18.0.1", "0.0.0.0", "255.255.255.255", "198.18.0.01", "010.1.1.1", "00.1.1.1", "198.18.0.256", "198.18.0",
  "198.18.0.1.", ".198.18.0.1", "198.18..1", "198.18.0.1.5", " 198.18.0.1", "198.18.0.1 ", "0x1.2.3.4", "+1.2.3.4", "",
  "::", "::1", "1::", "fd00::1", "FD00:0:0:0:0:0:0:1", "fd00:0000::0001", "fd00:00000::1", "1:2:3:4:5:6:7:8",
  "1:2:3:4:5:6:7::", "::2:3:4:5:6:7:8", "1:2:3:4::5:6:7:8", "1:2:3:4:5:6:7:8:9", "1:::2", ":1::", "1::2:", "1:2",
  "::ffff:198.18.0.1", "::ffff:198.18.0.01", "1:2:3:4:5:6:198.18.0.1", "1:2:3:4:5:6:7:198.18.0.1", "::198.18.0.1",
  "198.18.0.1::", "::198.18.0.1:1", "fe80::1%eth0", "g::1", "::ffff:1234.1.1.1",
];

describe("address grammar = glibc inet_pton", () => {
  test("IPv4: a part with a leading zero is refused, as inet_pton (keepalived, iproute2) refuses it", () => {
    expect(() => parseIPv4("198.18.0.01")).toThrow('invalid address "198.18.0.01": part 4 has a leading zero');
    expect(inetPton("198.18.0.01", 4)).toBeUndefined();
    expect([...parseIPv4("198.18.0.0")]).toEqual([198, 18, 0, 0]); // a lone 0 is not a leading zero
  });

  test("IPv6: a dotted IPv4 tail follows the IPv4 rule, and only in the last 32 bits", () => {
    expect(() => parseIPv6("::ffff:198.18.0.01")).toThrow("leading zero");
    expect(() => parseIPv6("198.18.0.1::")).toThrow(AddressError);
    expect(() => parseIPv6("1:2:3:4:5:6:7:198.18.0.1")).toThrow("no room for an IPv4 tail");
  });

  test("the edge cases: accepted exactly when inet_pton accepts, to the same bytes", () => {
    for (const s of EDGES) for (const f of [4, 6] as const) expect({ s, f, bytes: ours(s, f) }).toEqual({ s, f, bytes: inetPton(s, f) });
  });

  test("seeded random text: accepted exactly when inet_pton accepts, to the same bytes", () => {
    const rnd = mulberry32(0x1e7_9705);
    const alphabet = "0123456789abcdefABCDEF::::....%g ";
    let accepted = 0;
    for (let i = 0; i < 30_000; i++) {
      let s = "";
      const n = Math.floor(rnd() * 24);
      for (let k = 0; k < n; k++) s += alphabet[Math.floor(rnd() * alphabet.length)];
      for (const f of [4, 6] as const) {
        const want = inetPton(s, f);
        if (want) accepted++;
        expect({ s, f, bytes: ours(s, f) }).toEqual({ s, f, bytes: want });
      }
    }
    expect(accepted).toBeGreaterThan(50); // the generator does reach valid addresses
  });

  test("ipFamily (config checks) says 4, 6 or 0 by the same grammar", () => {
    for (const s of EDGES) expect({ s, f: ipFamily(s) }).toEqual({ s, f: inetPton(s, 6) ? 6 : inetPton(s, 4) ? 4 : 0 });
  });
});
