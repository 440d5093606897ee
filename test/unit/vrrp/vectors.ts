// keepalived 2.2.7 wire captures from test/fixtures/keepalived-2.2.7-wire.md
// (Ethernet frames). Shared by the codec tests and the fuzzer.
export function hex(s: string): Uint8Array {
  const clean = s.replace(/\s+/g, "");
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(i * 2, i * 2 + 2), 16);
  return out;
}

export const ETH_LEN = 14;
export const IP_LEN = 20;

export const KA_V2_PASS = hex(`
  01 00 5e 00 00 12 46 2f ea 98 d2 3e 08 00 45 c0
  00 28 00 04 00 00 ff 70 14 7c c6 12 00 01 e0 00
  00 12 21 33 96 01 01 01 1e f1 c6 12 00 64 31 31
  31 31 00 00 00 00`);

export const KA_V3_1S = hex(`
  01 00 5e 00 00 12 46 2f ea 98 d2 3e 08 00 45 c0
  00 20 00 04 00 00 ff 70 14 84 c6 12 00 01 e0 00
  00 12 31 33 96 01 00 64 cb 4d c6 12 00 64`);

export const KA_V3_10MS = hex(`
  01 00 5e 00 00 12 46 2f ea 98 d2 3e 08 00 45 c0
  00 20 00 cf 00 00 ff 70 13 b9 c6 12 00 01 e0 00
  00 12 31 33 96 01 00 01 cb b0 c6 12 00 64`);

/** The instance keepalived ran: VRID 51, priority 150, source 198.18.0.1, VIP 198.18.0.100. */
export const KA_SENDER = "198.18.0.1";
export const KA_VIP = "198.18.0.100";

/**
 * keepalived 2.2.7 with `auth_type AH`, `auth_pass 1111` (the instance above, VRRPv2),
 * its first two adverts as captured on the lab bridge (test/lab/interop-keepalived-ah.test.ts
 * captures the same way): IPv4 id 1 and 2, AH sequence numbers 1 and 2.
 */
export const KA_V2_AH_1 = hex(`
  01 00 5e 00 00 12 02 00 00 00 00 01 08 00 45 c0
  00 40 00 01 00 00 ff 33 14 a4 c6 12 00 01 e0 00
  00 12 70 04 00 00 c6 12 00 01 00 00 00 01 24 ab
  25 f4 26 5a 2e db 98 2b 14 6a 21 33 96 01 02 01
  80 53 c6 12 00 64 00 00 00 00 00 00 00 00`);

export const KA_V2_AH_2 = hex(`
  01 00 5e 00 00 12 02 00 00 00 00 01 08 00 45 c0
  00 40 00 02 00 00 ff 33 14 a3 c6 12 00 01 e0 00
  00 12 70 04 00 00 c6 12 00 01 00 00 00 02 d0 cf
  ec 24 98 b9 15 ee f5 34 66 28 21 33 96 01 02 01
  80 53 c6 12 00 64 00 00 00 00 00 00 00 00`);
