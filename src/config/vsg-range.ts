// Address ranges of a virtual_server_group, as keepalived 2.2.7 writes them
// (check_data.c alloc_vsg_entry, lib/utils.c inet_stor):
//   198.18.0.1-10              last octet (decimal); IPv6: last hextet, in hex (fd00::a-1f)
//   198.18.0.250-198.18.1.10   any first..last of one family
//   198.18.0.8/29              a prefix whose host bits are zero
// The model keeps a range as first (`ip`) and last (`to`) address: as written,
// or in canonical text when keepalived's short forms imply it. Pure: text in,
// addresses out.
import { formatIPv4, formatIPv6, parseIP } from "../net/ip-address.ts";

export interface VsgRange {
  ip: string;
  /** absent for a single address */
  to?: string;
}

export type RangeResult = { ok: true; range: VsgRange } | { ok: false; error: string };

function parse(s: string): { family: 4 | 6; bytes: Uint8Array } | undefined {
  try {
    return parseIP(s);
  } catch {
    return undefined;
  }
}

/** Address bytes as one integer (IPv6 needs BigInt). */
export function addressValue(b: Uint8Array): bigint {
  let v = 0n;
  for (const x of b) v = (v << 8n) | BigInt(x);
  return v;
}

export function addressText(v: bigint, family: 4 | 6): string {
  const n = family === 4 ? 4 : 16;
  const b = new Uint8Array(n);
  for (let i = n - 1; i >= 0; i--) {
    b[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return family === 4 ? formatIPv4(b) : formatIPv6(b);
}

/** Reads one group entry's address text. */
export function parseVsgRange(text: string): RangeResult {
  const bad = (error: string): RangeResult => ({ ok: false, error });
  const slash = text.indexOf("/");
  const dash = text.indexOf("-");
  if (slash >= 0 && dash >= 0) return bad(`'${text}' is both a range and a prefix`);
  if (slash >= 0) {
    const first = parse(text.slice(0, slash));
    const m = /^\d{1,3}$/.exec(text.slice(slash + 1));
    if (!first) return bad(`'${text.slice(0, slash)}' is not an IPv4 or IPv6 address`);
    const bits = first.family === 4 ? 32 : 128;
    const len = m ? Number(m[0]) : -1;
    // keepalived: "Invalid netmask" for a missing, zero or too long prefix
    if (len < 1 || len > bits) return bad(`'${text}': prefix length must be 1..${bits}`);
    const host = (1n << BigInt(bits - len)) - 1n;
    const v = addressValue(first.bytes);
    if (v & host) return bad(`'${text}': the address has host bits set (keepalived: "Address mask bits not empty")`);
    const ip = text.slice(0, slash);
    return { ok: true, range: host === 0n ? { ip } : { ip, to: addressText(v | host, first.family) } };
  }
  if (dash < 0) {
    if (!parse(text)) return bad(`'${text}' is not an IPv4 or IPv6 address`);
    return { ok: true, range: { ip: text } };
  }
  const ip = text.slice(0, dash);
  const endText = text.slice(dash + 1);
  const first = parse(ip);
  if (!first) return bad(`'${ip}' is not an IPv4 or IPv6 address`);
  const v = addressValue(first.bytes);
  const full = first.family === 4 ? endText.includes(".") : endText.includes(":");
  let last: bigint;
  if (full) {
    const end = parse(endText);
    if (!end) return bad(`range end '${endText}' is not an address`);
    if (end.family !== first.family) return bad(`'${text}': the range mixes IPv4 and IPv6`);
    last = addressValue(end.bytes);
    if (last < v) return bad(`'${text}': the range ends before it starts`);
  } else {
    // the last octet in decimal (IPv4) or the last hextet in hex (IPv6)
    const m = first.family === 4 ? /^\d{1,3}$/.exec(endText) : /^[0-9A-Fa-f]{1,4}$/.exec(endText);
    if (!m) return bad(`'${text}': range end '${endText}' must be the last ${first.family === 4 ? "octet (0-255)" : "hextet (hex, 0-ffff)"} or a full address`);
    const n = BigInt(Number.parseInt(endText, first.family === 4 ? 10 : 16));
    const unit = first.family === 4 ? 0xffn : 0xffffn;
    if (n > unit) return bad(`'${text}': range end ${endText} is too large`);
    // keepalived: "Address range end is not greater than address range start"
    if (n <= (v & unit)) return bad(`'${text}': range end is not greater than the start`);
    last = (v & ~unit) | n;
  }
  // a full end address stays as written (addresses are kept as written); a computed one is canonical text
  if (last === v) return { ok: true, range: { ip } };
  return { ok: true, range: { ip, to: full ? endText : addressText(last, first.family) } };
}

/** Number of addresses in a range (first..last inclusive); 0 when it cannot be read. */
export function rangeSize(r: VsgRange): bigint {
  const first = parse(r.ip);
  if (!first) return 0n;
  if (r.to === undefined) return 1n;
  const last = parse(r.to);
  if (!last || last.family !== first.family) return 0n;
  const d = addressValue(last.bytes) - addressValue(first.bytes);
  return d < 0n ? 0n : d + 1n;
}

/** The addresses of a range in order (canonical text); the caller bounds the size first. */
export function* rangeAddresses(r: VsgRange): Generator<string> {
  const first = parse(r.ip);
  if (!first) return;
  const v = addressValue(first.bytes);
  const n = rangeSize(r);
  for (let i = 0n; i < n; i++) yield addressText(v + i, first.family);
}

/** keepalived's way of writing a range back: the full A-B form keepalived reads for every range. */
export function rangeText(r: VsgRange): string {
  return r.to === undefined ? r.ip : `${r.ip}-${r.to}`;
}
