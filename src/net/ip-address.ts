// Text <-> bytes for IPv4/IPv6 addresses and MACs. Parsing happens at setup time
// (config, tests), so it may allocate; the hot path only copies the resulting bytes.

export class AddressError extends Error {
  constructor(readonly input: string, readonly reason: string) {
    super(`invalid address "${input}": ${reason}`);
    this.name = "AddressError";
  }
}

// The one address grammar of vigil, for the config, the VRRP core, IPVS and the
// fleet: glibc's inet_pton(3), which keepalived and iproute2 parse with, so an
// address vigil accepts is one the kernel tools accept and vice versa.
//  - IPv4: exactly four decimal parts 0-255, no leading zero (inet_pton4 refuses
//    "010": inet_aton would read it as octal 8), no sign, space or hex.
//  - IPv6 (RFC 4291 §2.2): 1-4 hex digits a group, "::" once, an optional dotted
//    IPv4 tail in the last 32 bits; no "%zone" (the interface is given apart).
// Char loops that write into a caller's buffer: the IPVS codec parses every dest
// of a big table with them and must not allocate.

const DOT = 46;
const COLON = 58;

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** Parses dotted-quad IPv4 into out[at..at+4]; throws AddressError with the reason. */
export function parseIPv4Into(s: string, out: Uint8Array, at = 0): void {
  // one loop over the whole text: a range (from, to) made JSC run it 20-150% slower
  const to = s.length;
  let part = 0, value = 0, digits = 0;
  for (let i = 0; i <= to; i++) {
    const c = i < to ? s.charCodeAt(i) : DOT; // a virtual '.' closes the last part
    if (c >= 48 && c <= 57 && digits < 3) {
      value = value * 10 + (c - 48);
      digits++;
    } else if (c === DOT && digits > 0 && value <= 255 && part < 4) {
      if (digits > 1 && s.charCodeAt(i - digits) === 48) throw new AddressError(s, `part ${part + 1} has a leading zero`);
      out[at + part++] = value;
      value = 0;
      digits = 0;
    } else {
      throw new AddressError(s, part >= 4 ? "IPv4 needs 4 dotted parts" : `part ${part + 1} is not 0-255`);
    }
  }
  if (part !== 4) throw new AddressError(s, "IPv4 needs 4 dotted parts");
}

/** Parses RFC 4291 §2.2 text into out[at..at+16]; throws AddressError with the reason. */
export function parseIPv6Into(s: string, out: Uint8Array, at = 0): void {
  const n = s.length;
  let words = 0; // 16-bit groups written so far
  let gap = -1; // the group index where "::" stands
  let value = 0, digits = 0, groupStart = 0;
  let i = 0;
  if (n > 0 && s.charCodeAt(0) === COLON) {
    if (n < 2 || s.charCodeAt(1) !== COLON) throw new AddressError(s, 'a leading ":" must be "::"');
    i = 1;
    groupStart = 1;
  }
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    const h = hexValue(c);
    if (h >= 0) {
      if (digits === 4) throw new AddressError(s, `group "${groupText(s, groupStart)}" is not 1-4 hex digits`);
      value = (value << 4) | h;
      digits++;
    } else if (c === COLON) {
      if (digits === 0) {
        if (gap >= 0) throw new AddressError(s, '"::" appears more than once');
        gap = words;
      } else {
        if (i + 1 === n) throw new AddressError(s, 'ends in a single ":"');
        if (words === 8) throw new AddressError(s, "more than 8 groups");
        out[at + 2 * words] = value >>> 8;
        out[at + 2 * words + 1] = value & 0xff;
        words++;
        value = 0;
        digits = 0;
      }
      groupStart = i + 1;
    } else if (c === DOT) {
      // the dotted IPv4 tail: the rest of the text, in the last 32 bits
      if (words > 6) throw new AddressError(s, "no room for an IPv4 tail after 6 groups");
      try {
        parseIPv4Into(s.slice(groupStart), out, at + 2 * words);
      } catch (e) {
        throw e instanceof AddressError ? new AddressError(s, `IPv4 tail: ${e.reason}`) : e;
      }
      words += 2;
      digits = 0;
      break;
    } else if (c === 37) {
      throw new AddressError(s, "zone index (%…) not allowed here; give the interface separately");
    } else {
      throw new AddressError(s, `group "${groupText(s, groupStart)}" is not 1-4 hex digits`);
    }
  }
  if (digits > 0) {
    if (words === 8) throw new AddressError(s, "more than 8 groups");
    out[at + 2 * words] = value >>> 8;
    out[at + 2 * words + 1] = value & 0xff;
    words++;
  }
  if (gap < 0) {
    if (words !== 8) throw new AddressError(s, `IPv6 needs 8 groups, got ${words}`);
    return;
  }
  if (words === 8) throw new AddressError(s, '"::" stands for no group: 8 groups are already given');
  // move the groups after "::" to the end and zero the ones it stands for
  const tail = 2 * (words - gap);
  out.copyWithin(at + 16 - tail, at + 2 * gap, at + 2 * words);
  out.fill(0, at + 2 * gap, at + 16 - tail);
}

/** The group that starts at `from`, for an error message (only built when one is thrown). */
function groupText(s: string, from: number): string {
  const end = s.indexOf(":", from);
  return s.slice(from, end < 0 ? s.length : end);
}

/** Parses dotted-quad IPv4 ("198.18.0.1") into 4 new bytes. */
export function parseIPv4(s: string): Uint8Array {
  const out = new Uint8Array(4);
  parseIPv4Into(s, out);
  return out;
}

/** Parses IPv6 text ("fd00::1", "::ffff:198.18.0.1") into 16 new bytes. */
export function parseIPv6(s: string): Uint8Array {
  const out = new Uint8Array(16);
  parseIPv6Into(s, out);
  return out;
}

/** The family an address text claims: IPv6 text has a colon, IPv4 text none. */
export function familyOf(s: string): 4 | 6 {
  return s.includes(":") ? 6 : 4;
}

const probe = new Uint8Array(16);

/** 4 or 6 when `s` is a valid address of that family (the grammar above), else 0 — for config checks. */
export function ipFamily(s: string): 0 | 4 | 6 {
  const family = familyOf(s);
  try {
    if (family === 6) parseIPv6Into(s, probe);
    else parseIPv4Into(s, probe);
    return family;
  } catch (e) {
    if (e instanceof AddressError) return 0;
    throw e;
  }
}

export function formatIPv4(b: Uint8Array, off = 0): string {
  return `${b[off]}.${b[off + 1]}.${b[off + 2]}.${b[off + 3]}`;
}

/** RFC 5952 canonical text: lowercase, longest run of ≥2 zero groups compressed. */
export function formatIPv6(b: Uint8Array, off = 0): string {
  const w: number[] = [];
  for (let i = 0; i < 8; i++) w.push((b[off + 2 * i] << 8) | b[off + 2 * i + 1]);
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (w[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && w[j] === 0) j++;
    if (j - i > bestLen) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  const hex = (a: number[]) => a.map((x) => x.toString(16)).join(":");
  if (bestStart < 0) return hex(w);
  return `${hex(w.slice(0, bestStart))}::${hex(w.slice(bestStart + bestLen))}`;
}

/** Address bytes and family (4 or 6) from text. */
export function parseIP(s: string): { family: 4 | 6; bytes: Uint8Array } {
  return familyOf(s) === 6 ? { family: 6, bytes: parseIPv6(s) } : { family: 4, bytes: parseIPv4(s) };
}

/** 4 or 16 bytes from text, the family told by the text. */
export function parseAddress(s: string): Uint8Array {
  return familyOf(s) === 6 ? parseIPv6(s) : parseIPv4(s);
}

/** Text of a 4- or 16-byte address (RFC 5952 for IPv6); other lengths as hex, for diagnostics. */
export function formatIP(b: Uint8Array, off = 0, len = b.length - off): string {
  if (len === 4) return formatIPv4(b, off);
  if (len === 16) return formatIPv6(b, off);
  let hex = "";
  for (let i = 0; i < len; i++) hex += b[off + i].toString(16).padStart(2, "0");
  return hex;
}

/** "00:00:5e:00:01:07" (or dash-separated, as some tools print) into 6 bytes. */
export function parseMac(s: string): Uint8Array {
  const parts = s.split(/[:-]/);
  if (parts.length !== 6 || !parts.every((p) => /^[0-9a-fA-F]{2}$/.test(p))) {
    throw new AddressError(s, "MAC needs six hex octets like 00:00:5e:00:01:07");
  }
  return Uint8Array.from(parts.map((p) => parseInt(p, 16)));
}

/** Hardware address text; `len` defaults to the rest of `b` (links may have non-Ethernet or no address). */
export function formatMac(b: Uint8Array, off = 0, len = b.length - off): string {
  const out: string[] = [];
  for (let i = 0; i < len; i++) out.push(b[off + i].toString(16).padStart(2, "0"));
  return out.join(":");
}

/** A multicast address: IPv4 224.0.0.0/4 (RFC 5771), IPv6 ff00::/8 (RFC 4291 §2.7). */
export function isMulticast(b: Uint8Array): boolean {
  return b.length === 4 ? (b[0] & 0xf0) === 0xe0 : b[0] === 0xff;
}

export function isIPv6LinkLocal(b: Uint8Array, off = 0): boolean {
  return b[off] === 0xfe && (b[off + 1] & 0xc0) === 0x80;
}

export function bytesEqual(a: Uint8Array, aOff: number, b: Uint8Array, bOff: number, len: number): boolean {
  for (let i = 0; i < len; i++) if (a[aOff + i] !== b[bOff + i]) return false;
  return true;
}
