// Reads keepalived.conf text from memory through the real reader (no files).
import type { Config } from "../../../src/config/model.ts";
import { readKeepalived } from "../../../src/config/keepalived-reader.ts";
import { memorySource } from "../../../src/config/source.ts";

export function readKeepalivedText(text: string): Config {
  const r = readKeepalived("/mem/keepalived.conf", memorySource({ "/mem/keepalived.conf": text }), {});
  if (!r.config) throw new Error(r.errors.map((e) => e.message).join("; "));
  return r.config;
}
