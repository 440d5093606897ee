// keepalived's free-form hex strings (lib/parser.c read_hex_str), as UDP_CHECK's
// `payload` and `require_reply` take them: groups separated by blanks, two
// digits a byte, a lone last digit of a group is a byte of its own, and in a
// reply pattern x/X stands for a nibble that is not compared:
//   Ab12f 3 456  ->  ab 12 0f 03 45 06
// The model keeps the bytes as lowercase hex, two characters a byte ('x' kept
// for an ignored nibble), which keepalived reads back as the same bytes.

export type HexResult = { ok: true; hex: string } | { ok: false; error: string };

const HEX = /^[0-9a-fA-F]$/;

export function readHex(groups: readonly string[], nibbleWildcard: boolean): HexResult {
  let out = "";
  const digit = (ch: string): string | undefined => {
    if (HEX.test(ch)) return ch.toLowerCase();
    if (nibbleWildcard && (ch === "x" || ch === "X")) return "x";
    return undefined;
  };
  for (const g of groups) {
    for (let i = 0; i < g.length; i += 2) {
      const hi = digit(g[i]!);
      if (hi === undefined) return { ok: false, error: `'${g[i]}' in '${g}' is not a hex digit${nibbleWildcard ? " or x" : ""}` };
      if (i + 1 >= g.length) {
        out += `0${hi}`;
        break;
      }
      const lo = digit(g[i + 1]!);
      if (lo === undefined) return { ok: false, error: `'${g[i + 1]}' in '${g}' is not a hex digit${nibbleWildcard ? " or x" : ""}` };
      out += hi + lo;
    }
  }
  if (!out) return { ok: false, error: "no hex bytes" };
  return { ok: true, hex: out };
}

/** Bytes and compare mask of a model hex string ('x' nibbles have mask 0). */
export function hexBytes(hex: string): { bytes: Uint8Array; mask: Uint8Array } {
  const n = hex.length >> 1;
  const bytes = new Uint8Array(n);
  const mask = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    let b = 0;
    let m = 0;
    for (const ch of hex.slice(2 * i, 2 * i + 2)) {
      b <<= 4;
      m <<= 4;
      if (ch !== "x") {
        b |= Number.parseInt(ch, 16);
        m |= 0xf;
      }
    }
    bytes[i] = b;
    mask[i] = m;
  }
  return { bytes, mask };
}
