// What a config would change on a node that runs another: `vigil fleet rollout
// --dry-run`. Pure, over the config model. VRRP instances by name (and their
// VIPs by address/prefix), virtual servers by their stable name (and their real
// servers by address:port), field by field; the other sections (global_defs,
// scripts, sync groups, ...) as a whole. A pushed config without vigil_fleet
// keeps the node's own block, so its absence is no change.
import { realServerName, virtualServerName, type Config, type VirtualIpAddress } from "../../config/model.ts";

export interface Change {
  what: "instance" | "vip" | "virtual-server" | "real-server" | "section";
  op: "added" | "removed" | "changed";
  name: string;
  /** the instance of a VIP, the virtual server of a real server */
  within?: string;
  /** changed fields, "name old → new" for plain values, "name" otherwise */
  fields?: string[];
}

/** JSON with object keys sorted: equal models give equal text. */
function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x) =>
    x && typeof x === "object" && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : x);
}

const plain = (x: unknown) => x === undefined || x === null || typeof x !== "object";
const show = (x: unknown) => (x === undefined ? "unset" : typeof x === "string" ? x : String(x));

/** Fields of two records that differ, `skip` left out. */
function fieldChanges(a: object, b: object, skip: ReadonlySet<string>): string[] {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => !skip.has(k)).sort();
  const out: string[] = [];
  for (const k of keys) {
    const x = (a as Record<string, unknown>)[k], y = (b as Record<string, unknown>)[k];
    if (canonical(x) === canonical(y)) continue;
    out.push(plain(x) && plain(y) ? `${k} ${show(x)} → ${show(y)}` : k);
  }
  return out;
}

/** Keyed lists: added, removed, and for the common keys the caller's comparison. */
function byKey<T>(a: T[], b: T[], key: (x: T) => string, same: (k: string, x: T, y: T) => void, add: (k: string, op: "added" | "removed") => void) {
  const left = new Map(a.map((x) => [key(x), x]));
  const right = new Map(b.map((x) => [key(x), x]));
  for (const [k, x] of left) {
    const y = right.get(k);
    if (y === undefined) add(k, "removed");
    else same(k, x, y);
  }
  for (const k of right.keys()) if (!left.has(k)) add(k, "added");
}

const vipKey = (v: VirtualIpAddress) => `${v.address}/${v.prefix}`;
const SECTIONS = ["global", "scripts", "syncGroups", "trackFiles", "trackProcesses", "virtualServerGroups", "staticIpaddress", "staticRoutes", "staticRules"] as const;

export function diffConfigs(running: Config, next: Config): Change[] {
  const out: Change[] = [];
  byKey(running.instances, next.instances, (i) => i.name, (name, x, y) => {
    const fields = fieldChanges(x, y, new Set(["name", "virtualIpaddress", "virtualIpaddressExcluded"]));
    if (fields.length) out.push({ what: "instance", op: "changed", name, fields });
    for (const [list, label] of [["virtualIpaddress", ""], ["virtualIpaddressExcluded", " (excluded)"]] as const) {
      byKey(x[list], y[list], vipKey, (k, va, vb) => {
        const f = fieldChanges(va, vb, new Set());
        if (f.length) out.push({ what: "vip", op: "changed", name: `${k}${label}`, within: name, fields: f });
      }, (k, op) => out.push({ what: "vip", op, name: `${k}${label}`, within: name }));
    }
  }, (name, op) => out.push({ what: "instance", op, name }));

  byKey(running.virtualServers, next.virtualServers, virtualServerName, (name, x, y) => {
    const fields = fieldChanges(x, y, new Set(["realServers"]));
    if (fields.length) out.push({ what: "virtual-server", op: "changed", name, fields });
    byKey(x.realServers, y.realServers, realServerName, (k, ra, rb) => {
      const f = fieldChanges(ra, rb, new Set());
      if (f.length) out.push({ what: "real-server", op: "changed", name: k, within: name, fields: f });
    }, (k, op) => out.push({ what: "real-server", op, name: k, within: name }));
  }, (name, op) => out.push({ what: "virtual-server", op, name }));

  for (const s of SECTIONS) {
    if (canonical(running[s]) !== canonical(next[s])) out.push({ what: "section", op: "changed", name: s });
  }
  if (next.fleet && canonical(running.fleet) !== canonical(next.fleet)) out.push({ what: "section", op: running.fleet ? "changed" : "added", name: "fleet" });
  return out;
}

const NAMES: Record<Change["what"], string> = {
  instance: "vrrp_instance", vip: "VIP", "virtual-server": "virtual_server", "real-server": "real_server", section: "section",
};

/** One line per change, e.g. "vrrp_instance VI_1 changed: priority 100 → 150". */
export function describeChange(c: Change): string {
  const where = c.within ? ` of ${c.what === "vip" ? "vrrp_instance" : "virtual_server"} ${c.within}` : "";
  return `${NAMES[c.what]} ${c.name}${where} ${c.op}${c.fields?.length ? `: ${c.fields.join(", ")}` : ""}`;
}
