// What the keepalived-grammar unit tests share: a config read from text in memory
// (named /t/k.conf in its diagnostics), a read that must succeed, and a minimal
// vrrp_instance block.
import { formatDiagnostic } from "../../../src/config/diagnostics.ts";
import { readKeepalived } from "../../../src/config/keepalived-reader.ts";
import type { Config } from "../../../src/config/model.ts";
import type { LoadResult } from "../../../src/config/result.ts";
import { memorySource } from "../../../src/config/source.ts";

export const read = (text: string): LoadResult => readKeepalived("/t/k.conf", memorySource({ "/t/k.conf": text }));

/** the config of a read that must succeed; its errors in the exception otherwise */
export function ok(r: LoadResult, what: string): Config {
  if (!r.config) throw new Error(`${what}: ${r.errors.map((d) => formatDiagnostic(d)).join("\n")}`);
  return r.config;
}

/** a vrrp_instance on eth0 at priority 100 with VIP 198.18.5.<vrid> */
export const instance = (name: string, vrid: number, extra = "") =>
  `vrrp_instance ${name} {\n  interface eth0\n  virtual_router_id ${vrid}\n  priority 100\n  virtual_ipaddress {\n    198.18.5.${vrid}\n  }\n${extra}}\n`;

/** VI_1 (VRID 72) with these virtual_ipaddress / _excluded lines, after a static_ipaddress block of `statics` */
export const addressConf = (vips: string[], evips: string[] = [], statics: string[] = []) =>
  (statics.length ? `static_ipaddress {\n${statics.map((v) => `  ${v}\n`).join("")}}\n` : "") +
  `vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 72\n  virtual_ipaddress {\n${vips.map((v) => `    ${v}\n`).join("")}  }\n` +
  (evips.length ? `  virtual_ipaddress_excluded {\n${evips.map((v) => `    ${v}\n`).join("")}  }\n` : "") + "}\n";

/** warnings as `line:col message` */
export const warningLines = (r: LoadResult) => r.warnings.map((d) => `${d.loc?.line}:${d.loc?.col} ${d.message}`);
