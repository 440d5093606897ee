// IP address text <-> bytes for netlink attributes (IFA_LOCAL etc. carry raw
// network-order bytes). Strict: anything that is not a plain dotted quad or an
// RFC 4291 §2.2 IPv6 text form is rejected with a message naming the input.

export class AddressSyntaxError extends Error {
  constructor(input: string, reason: string) {
    super(`invalid IP address ${JSON.stringify(input)}: ${reason}`);
    this.name = "AddressSyntaxError";
  }
}

export function parseIPv4(s: string): Uint8Array {
  const parts = s.split(".");
  if (parts.length !== 4) throw new AddressSyntaxError(s, "IPv4 needs four dotted decimal parts");
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i];
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p) || Number(p) > 255) throw new AddressSyntaxError(s, `part ${JSON.stringify(p)} is not 0-255`);
    out[i] = Number(p);
  }
  return out;
}

/** RFC 4291 §2.2: eight 16-bit hex groups, one `::` run of zeros, optional trailing dotted quad. */
export function parseIPv6(s: string): Uint8Array {
  const out = new Uint8Array(16);
  const halves = s.split("::");
  if (halves.length > 2) throw new AddressSyntaxError(s, "more than one '::'");
  const groups = (h: string): number[] => {
    if (h === "") return [];
    const words: number[] = [];
    const parts = h.split(":");
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i];
      if (i === parts.length - 1 && p.includes(".")) {
        const v4 = parseIPv4(p);
        words.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
      } else if (/^[0-9a-fA-F]{1,4}$/.test(p)) {
        words.push(parseInt(p, 16));
      } else {
        throw new AddressSyntaxError(s, `group ${JSON.stringify(p)} is not 1-4 hex digits`);
      }
    }
    return words;
  };
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  if (halves.length === 1 && head.length !== 8) throw new AddressSyntaxError(s, `${head.length} groups, need 8`);
  if (halves.length === 2 && head.length + tail.length > 7) throw new AddressSyntaxError(s, "'::' must stand for at least one group");
  const words = [...head, ...new Array(8 - head.length - tail.length).fill(0), ...tail];
  for (let i = 0; i < 8; i++) {
    out[2 * i] = words[i] >> 8;
    out[2 * i + 1] = words[i] & 0xff;
  }
  return out;
}

/** Address bytes and family (4 or 6) from text. */
export function parseIP(s: string): { family: 4 | 6; bytes: Uint8Array } {
  return s.includes(":") ? { family: 6, bytes: parseIPv6(s) } : { family: 4, bytes: parseIPv4(s) };
}

/** Text form: dotted quad, or RFC 5952 §4 canonical IPv6 (lowercase, longest zero run as '::'). */
export function formatIP(b: Uint8Array): string {
  if (b.length === 4) return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
  if (b.length !== 16) return Buffer.from(b).toString("hex");
  const w: number[] = [];
  for (let i = 0; i < 8; i++) w.push((b[2 * i] << 8) | b[2 * i + 1]);
  let best = -1;
  let bestLen = 1; // RFC 5952 §4.2.2: a single zero group is not shortened
  for (let i = 0; i < 8; ) {
    if (w[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && w[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (a: number[]) => a.map((x) => x.toString(16)).join(":");
  if (best < 0) return hex(w);
  return `${hex(w.slice(0, best))}::${hex(w.slice(best + bestLen))}`;
}

export function formatMac(b: Uint8Array): string {
  return [...b].map((x) => x.toString(16).padStart(2, "0")).join(":");
}

export function parseMac(s: string): Uint8Array {
  const parts = s.split(/[:-]/);
  if (parts.length !== 6 || parts.some((p) => !/^[0-9a-fA-F]{2}$/.test(p))) {
    throw new AddressSyntaxError(s, "MAC needs six hex octets like 00:00:5e:00:01:07");
  }
  return new Uint8Array(parts.map((p) => parseInt(p, 16)));
}

/** IPv4 directed broadcast of address/prefixlen (what `ip addr add ... brd +` computes). */
export function ipv4Broadcast(addr: Uint8Array, prefixlen: number): Uint8Array {
  const out = addr.slice();
  for (let bit = prefixlen; bit < 32; bit++) out[bit >> 3] |= 0x80 >> (bit & 7);
  return out;
}
