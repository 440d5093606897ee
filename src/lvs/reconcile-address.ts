// Canonical text and bytes for IPv4/IPv6 addresses in the IPVS table. The kernel
// reports addresses as 16 raw bytes; the config may spell an IPv6 address many
// ways ("fd00:0::1", "FD00::1"). Comparing tables needs one spelling: RFC 5952
// §4 (lower case, longest zero run compressed, no leading zeros).

export class AddressError extends Error {
  constructor(readonly input: string, reason: string) {
    super(`bad IP address "${input}": ${reason}`);
    this.name = "AddressError";
  }
}

export function parseIPv4(s: string): Uint8Array {
  const parts = s.split(".");
  if (parts.length !== 4) throw new AddressError(s, "IPv4 needs 4 dotted parts");
  const out = new Uint8Array(4);
  parts.forEach((p, i) => {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) throw new AddressError(s, `part "${p}" is not 0-255`);
    out[i] = Number(p);
  });
  return out;
}

export function parseIPv6(s: string): Uint8Array {
  if (s.length > 45) throw new AddressError(s, "too long for IPv6");
  const out = new Uint8Array(16);
  let text = s;
  let tail4: Uint8Array | undefined;
  const lastColon = text.lastIndexOf(":");
  if (text.includes(".")) {
    tail4 = parseIPv4(text.slice(lastColon + 1));
    text = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const halves = text.split("::");
  if (halves.length > 2) throw new AddressError(s, `"::" appears more than once`);
  const groups = (h: string) => (h === "" ? [] : h.split(":"));
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  const total = head.length + tail.length;
  if (halves.length === 1 ? total !== 8 : total > 7) throw new AddressError(s, `${total} groups`);
  const words = [...head, ...new Array<string>(8 - total).fill("0"), ...tail];
  words.forEach((w, i) => {
    if (!/^[0-9a-fA-F]{1,4}$/.test(w)) throw new AddressError(s, `group "${w}" is not 1-4 hex digits`);
    const v = parseInt(w, 16);
    out[i * 2] = v >> 8;
    out[i * 2 + 1] = v & 0xff;
  });
  if (tail4) out.set(tail4, 12);
  return out;
}

export function familyOf(s: string): 4 | 6 {
  return s.includes(":") ? 6 : 4;
}

export function parseAddress(s: string): Uint8Array {
  return familyOf(s) === 6 ? parseIPv6(s) : parseIPv4(s);
}

/** 4 or 16 bytes (the first 4 of a 16-byte nf_inet_addr for IPv4) → canonical text. */
export function formatAddress(b: Uint8Array, family: 4 | 6): string {
  if (family === 4) return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
  const w: number[] = [];
  for (let i = 0; i < 8; i++) w.push((b[i * 2]! << 8) | b[i * 2 + 1]!);
  // RFC 5952 §4.2.2/§4.2.3: compress the longest run of ≥2 zero groups, the first on a tie
  let best = -1, bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (w[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && w[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) { best = i; bestLen = j - i; }
    i = j;
  }
  const hex = (ws: number[]) => ws.map((x) => x.toString(16)).join(":");
  if (best < 0) return hex(w);
  return `${hex(w.slice(0, best))}::${hex(w.slice(best + bestLen))}`;
}

const CANONICAL_V4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export function canonicalAddress(s: string): string {
  // fast path: reconciling thousands of dests must not parse every IPv4 address
  if (CANONICAL_V4.test(s)) return s;
  return formatAddress(parseAddress(s), familyOf(s));
}
