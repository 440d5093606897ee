// Loads a config file in any of the three formats, chosen by extension and,
// failing that, by content.
import { readCbor } from "../config/config-from-cbor.ts";
import { Diagnostics } from "../config/diagnostics.ts";
import { readJson } from "../config/json.ts";
import { readKeepalived } from "../config/keepalived-reader.ts";
import { toResult, type ConfigFormat, type LoadResult, type ReadOptions } from "../config/result.ts";
import { fsSource } from "./source-fs.ts";
import type { FileSource } from "../config/source.ts";

export function detectFormat(path: string, head: Uint8Array): ConfigFormat {
  if (/\.json$/i.test(path)) return "json";
  if (/\.cbor$/i.test(path)) return "cbor";
  if (/\.conf$/i.test(path)) return "keepalived";
  const first = head[0];
  // A CBOR config is a map: major type 5 (0xa0..0xbb). No text config starts so.
  if (first !== undefined && first >= 0xa0 && first <= 0xbb) return "cbor";
  let i = 0;
  while (i < head.length && (head[i] === 0x20 || head[i] === 0x09 || head[i] === 0x0a || head[i] === 0x0d)) i++;
  if (head[i] === 0x7b /* { */) return "json";
  return "keepalived";
}

export function loadConfigFile(path: string, opts: ReadOptions & { source?: FileSource } = {}): LoadResult {
  const fs = opts.source ?? fsSource;
  const bytes = fs.read(path);
  if (bytes instanceof Error) {
    const d = new Diagnostics();
    d.error(`cannot read ${path}: ${bytes.message}`);
    return toResult(detectFormat(path, new Uint8Array()), d.list, undefined);
  }
  const format = detectFormat(path, bytes.subarray(0, 64));
  if (format === "cbor") return readCbor(bytes, path);
  if (format === "json") return readJson(new TextDecoder().decode(bytes), path);
  return readKeepalived(path, fs, opts);
}
