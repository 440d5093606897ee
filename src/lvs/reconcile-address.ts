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

/** Parses dotted-quad IPv4 into `out` at `at` (a char loop: this runs for every dest of a big table). */
export function parseIPv4Into(s: string, out: Uint8Array, at = 0): void {
  let part = 0, value = 0, digits = 0;
  for (let i = 0; i <= s.length; i++) {
    const c = i < s.length ? s.charCodeAt(i) : 46; // a virtual '.' closes the last part
    if (c >= 48 && c <= 57 && digits < 3) {
      value = value * 10 + (c - 48);
      digits++;
    } else if (c === 46 && digits > 0 && value <= 255 && part < 4) {
      out[at + part++] = value;
      value = 0;
      digits = 0;
    } else {
      throw new AddressError(s, part >= 4 ? "IPv4 needs 4 dotted parts" : `part ${part + 1} is not 0-255`);
    }
  }
  if (part !== 4) throw new AddressError(s, "IPv4 needs 4 dotted parts");
}

export function parseIPv4(s: string): Uint8Array {
  const out = new Uint8Array(4);
  parseIPv4Into(s, out);
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
