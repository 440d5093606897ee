// Minimal DNS message codec for DNS_CHECK (RFC 1035 §4.1): one question out,
// the header of the answer in. keepalived's check_dns.c accepts a reply whose
// ID matches, with QR set and RCODE NOERROR.

export const DNS_TYPES: Record<string, number> = { A: 1, NS: 2, CNAME: 5, SOA: 6, MX: 15, TXT: 16, AAAA: 28 };

export function encodeQuery(id: number, name: string, type: string): Uint8Array {
  const qtype = DNS_TYPES[type.toUpperCase()];
  if (qtype === undefined) throw new Error(`unknown DNS_CHECK type '${type}' (expected ${Object.keys(DNS_TYPES).join(", ")})`);
  const labels = name === "." || name === "" ? [] : name.replace(/\.$/, "").split(".");
  const parts: number[] = [];
  for (const l of labels) {
    const b = new TextEncoder().encode(l);
    // RFC 1035 §2.3.4: labels are 1..63 octets
    if (b.length === 0 || b.length > 63) throw new Error(`DNS_CHECK name '${name}': label '${l}' must be 1-63 bytes`);
    parts.push(b.length, ...b);
  }
  parts.push(0);
  if (parts.length > 255) throw new Error(`DNS_CHECK name '${name}' is longer than 255 bytes`);
  const msg = new Uint8Array(12 + parts.length + 4);
  const v = new DataView(msg.buffer);
  v.setUint16(0, id);
  v.setUint16(2, 0x0100); // RD
  v.setUint16(4, 1); // QDCOUNT
  msg.set(parts, 12);
  v.setUint16(12 + parts.length, qtype);
  v.setUint16(14 + parts.length, 1); // IN
  return msg;
}

export type DnsVerdict = { ok: true } | { ok: false; reason: string } | { ok: "ignore" };

/** Judges a datagram against the query id; foreign or truncated datagrams are ignored, not fatal. */
export function judgeReply(id: number, msg: Uint8Array): DnsVerdict {
  if (msg.length < 12) return { ok: "ignore" };
  const v = new DataView(msg.buffer, msg.byteOffset, msg.byteLength);
  if (v.getUint16(0) !== id) return { ok: "ignore" };
  const flags = v.getUint16(2);
  if ((flags & 0x8000) === 0) return { ok: "ignore" };
  const rcode = flags & 0x000f;
  if (rcode !== 0) return { ok: false, reason: `DNS RCODE ${rcode}` };
  return { ok: true };
}
