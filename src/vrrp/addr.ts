// IP address text <-> bytes for the VRRP core. Parsing happens once, when an
// instance is built; the packet path only compares byte ranges.

export class AddressError extends Error {
  constructor(text: string, why: string) {
    super(`invalid IP address "${text}": ${why}`);
    this.name = "AddressError";
  }
}

/** Parses dotted-quad IPv4 ("198.18.0.1", optional "/prefix" ignored) into 4 bytes. */
export function parseIPv4(text: string): Uint8Array {
  const bare = stripPrefix(text);
  const parts = bare.split(".");
  if (parts.length !== 4) throw new AddressError(text, "IPv4 needs 4 dotted parts");
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i];
    if (!/^\d{1,3}$/.test(p)) throw new AddressError(text, `part "${p}" is not a decimal byte`);
    const v = Number(p);
    if (v > 255) throw new AddressError(text, `part ${v} > 255`);
    out[i] = v;
  }
  return out;
}

/** Parses IPv6 text (RFC 4291 §2.2, incl. "::" and a trailing dotted quad) into 16 bytes. */
export function parseIPv6(text: string): Uint8Array {
  let bare = stripPrefix(text);
  const pct = bare.indexOf("%");
  if (pct >= 0) bare = bare.slice(0, pct); // zone index belongs to the socket, not the address
  const out = new Uint8Array(16);
  const dbl = bare.indexOf("::");
  if (dbl !== bare.lastIndexOf("::") || bare.includes(":::")) throw new AddressError(text, "more than one '::'");
  const head = dbl >= 0 ? bare.slice(0, dbl) : bare;
  const tail = dbl >= 0 ? bare.slice(dbl + 2) : "";
  const hw = groups(head, text);
  const tw = groups(tail, text);
  const total = hw.length + tw.length;
  if (dbl < 0 && total !== 8) throw new AddressError(text, `expected 8 groups, got ${total}`);
  if (dbl >= 0 && total > 7) throw new AddressError(text, "too many groups around '::'");
  const words = dbl >= 0 ? [...hw, ...new Array<number>(8 - total).fill(0), ...tw] : hw;
  for (let i = 0; i < 8; i++) {
    out[i * 2] = words[i] >>> 8;
    out[i * 2 + 1] = words[i] & 0xff;
  }
  return out;
}

function groups(s: string, orig: string): number[] {
  if (s === "") return [];
  const parts = s.split(":");
  const words: number[] = [];
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i];
    if (i === parts.length - 1 && p.includes(".")) {
      const v4 = parseIPv4(p);
      words.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
    } else if (/^[0-9a-fA-F]{1,4}$/.test(p)) {
      words.push(parseInt(p, 16));
    } else {
      throw new AddressError(orig, `group "${p}" is not 1-4 hex digits`);
    }
  }
  return words;
}

function stripPrefix(text: string): string {
  const slash = text.indexOf("/");
  return (slash >= 0 ? text.slice(0, slash) : text).trim();
}

/** Parses an address of the given family, or passes bytes through after a length check. */
export function toAddressBytes(a: string | Uint8Array, family: 4 | 6): Uint8Array {
  const len = family === 4 ? 4 : 16;
  if (typeof a !== "string") {
    if (a.length !== len) throw new AddressError(`<${a.length} bytes>`, `IPv${family} address must be ${len} bytes`);
    return Uint8Array.from(a);
  }
  return family === 4 ? parseIPv4(a) : parseIPv6(a);
}

export function formatAddress(b: Uint8Array, off = 0, len = b.length - off): string {
  if (len === 4) return `${b[off]}.${b[off + 1]}.${b[off + 2]}.${b[off + 3]}`;
  const w: string[] = [];
  for (let i = 0; i < 16; i += 2) w.push(((b[off + i] << 8) | b[off + i + 1]).toString(16));
  // RFC 5952 §4.2.3: compress the longest run of zero groups (first on ties, length ≥ 2)
  let best = -1, bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (w[i] !== "0") { i++; continue; }
    let j = i;
    while (j < 8 && w[j] === "0") j++;
    if (j - i > bestLen && j - i >= 2) { best = i; bestLen = j - i; }
    i = j;
  }
  if (best < 0) return w.join(":");
  return `${w.slice(0, best).join(":")}::${w.slice(best + bestLen).join(":")}`;
}

/** Compares len bytes big-endian: <0, 0, >0 — the RFC 5798 §6.4.3 tie-break order. */
export function compareBytes(a: Uint8Array, aOff: number, b: Uint8Array, bOff: number, len: number): number {
  for (let i = 0; i < len; i++) {
    const d = a[aOff + i] - b[bOff + i];
    if (d !== 0) return d;
  }
  return 0;
}

export function bytesEqual(a: Uint8Array, aOff: number, b: Uint8Array, bOff: number, len: number): boolean {
  for (let i = 0; i < len; i++) if (a[aOff + i] !== b[bOff + i]) return false;
  return true;
}
