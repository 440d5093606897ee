// Text <-> bytes for IPv4/IPv6 addresses and MACs. Parsing happens at setup time
// (config, tests), so it may allocate; the hot path only copies the resulting bytes.

export class AddressError extends Error {
  constructor(readonly input: string, reason: string) {
    super(`invalid address "${input}": ${reason}`);
    this.name = "AddressError";
  }
}

/** Parses dotted-quad IPv4 ("198.18.0.1") into 4 bytes; rejects leading zeros (ambiguous octal). */
export function parseIPv4(s: string): Uint8Array {
  const parts = s.split(".");
  if (parts.length !== 4) throw new AddressError(s, "IPv4 needs 4 dot-separated octets");
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i];
    if (!/^\d{1,3}$/.test(p)) throw new AddressError(s, `octet ${i + 1} "${p}" is not a decimal number`);
    if (p.length > 1 && p[0] === "0") throw new AddressError(s, `octet ${i + 1} "${p}" has a leading zero`);
    const v = Number(p);
    if (v > 255) throw new AddressError(s, `octet ${i + 1} ${v} exceeds 255`);
    out[i] = v;
  }
  return out;
}

/** Parses RFC 4291 §2.2 text (with "::" and an optional trailing dotted IPv4) into 16 bytes. A "%zone" suffix is rejected: pass the interface separately. */
export function parseIPv6(s: string): Uint8Array {
  if (s.includes("%")) throw new AddressError(s, "zone index (%…) not allowed here; give the interface separately");
  const halves = s.split("::");
  if (halves.length > 2) throw new AddressError(s, '"::" may appear only once');
  const groups = (h: string): number[] => {
    if (h === "") return [];
    const words: number[] = [];
    const items = h.split(":");
    for (let i = 0; i < items.length; i++) {
      const it = items[i];
      if (i === items.length - 1 && it.includes(".")) {
        const v4 = parseIPv4(it);
        words.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(it)) throw new AddressError(s, `group "${it}" is not 1-4 hex digits`);
        words.push(parseInt(it, 16));
      }
    }
    return words;
  };
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  const total = head.length + tail.length;
  if (halves.length === 1 && total !== 8) throw new AddressError(s, `IPv6 needs 8 groups, got ${total}`);
  if (halves.length === 2 && total > 7) throw new AddressError(s, `too many groups (${total}) around "::"`);
  const words = [...head, ...new Array(8 - total).fill(0), ...tail];
  const out = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    out[2 * i] = words[i] >>> 8;
    out[2 * i + 1] = words[i] & 0xff;
  }
  return out;
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
  return s.includes(":") ? { family: 6, bytes: parseIPv6(s) } : { family: 4, bytes: parseIPv4(s) };
}

/** Text of a 4- or 16-byte address (RFC 5952 for IPv6); other lengths as hex, for diagnostics. */
export function formatIP(b: Uint8Array, off = 0, len = b.length - off): string {
  if (len === 4) return formatIPv4(b, off);
  if (len === 16) return formatIPv6(b, off);
  return Buffer.from(b.subarray(off, off + len)).toString("hex");
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

export function isIPv6LinkLocal(b: Uint8Array, off = 0): boolean {
  return b[off] === 0xfe && (b[off + 1] & 0xc0) === 0x80;
}

export function bytesEqual(a: Uint8Array, aOff: number, b: Uint8Array, bOff: number, len: number): boolean {
  for (let i = 0; i < len; i++) if (a[aOff + i] !== b[bOff + i]) return false;
  return true;
}
