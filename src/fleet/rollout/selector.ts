// `--where` selectors over what nodes report. Grammar (one term per --where;
// several --where must all hold):
//
//   term    = key ("=" | "!=") pattern *("|" pattern)
//   key     = node | site | version | status | serial
//           | vrrp.instance | vrrp.vrid | vrrp.state | vrrp.interface | vrrp.lan | vrrp.master
//           | lvs.vs | lvs.rs
//   pattern = text, where "*" matches any run of characters
//
// A key may have several values for one node (one per VRRP instance, one per
// real server): `key=p` holds when some value matches some pattern, `key!=p`
// when none does (so a node without instances satisfies vrrp.instance!=VI_1).
// Examples: --where vrrp.instance=VI_1   --where site=berlin-*   --where vrrp.state!=FAULT
import type { FleetState, NodeState } from "./fleet-state.ts";

export interface Term {
  key: string;
  negate: boolean;
  patterns: RegExp[];
  /** as written, for messages */
  text: string;
}

const KEYS: Record<string, (name: string, n: NodeState) => string[]> = {
  node: (name) => [name],
  site: (_, n) => (n.site ? [n.site] : []),
  version: (_, n) => (n.version ? [n.version] : []),
  status: (_, n) => [n.online === undefined ? "unknown" : n.online ? "online" : "offline"],
  serial: (_, n) => (n.configSerial !== undefined ? [String(n.configSerial)] : []),
  "vrrp.instance": (_, n) => [...n.vrrp.keys()],
  "vrrp.vrid": (_, n) => [...n.vrrp.values()].map((v) => String(v.vrid)),
  "vrrp.state": (_, n) => [...n.vrrp.values()].map((v) => v.state),
  "vrrp.interface": (_, n) => [...n.vrrp.values()].flatMap((v) => (v.interface ? [v.interface] : [])),
  "vrrp.lan": (_, n) => [...n.vrrp.values()].flatMap((v) => (v.lan ? [v.lan] : [])),
  "vrrp.master": (_, n) => [...n.vrrp.values()].flatMap((v) => (v.masterAddress ? [v.masterAddress] : [])),
  "lvs.vs": (_, n) => [...n.lvs.keys()].map((k) => k.slice(0, k.lastIndexOf("/"))),
  "lvs.rs": (_, n) => [...n.lvs.keys()].map((k) => k.slice(k.lastIndexOf("/") + 1)),
};

export const SELECTOR_KEYS = Object.keys(KEYS);

function glob(p: string): RegExp {
  return new RegExp(`^${p.split("*").map((s) => s.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`);
}

/** Parses one --where term; throws with what is wrong and what would be right. */
export function parseTerm(text: string): Term {
  const m = /^([a-z.]+)\s*(!=|=)\s*(.*)$/.exec(text.trim());
  if (!m) throw new Error(`--where '${text}': expected KEY=VALUE or KEY!=VALUE (keys: ${SELECTOR_KEYS.join(", ")})`);
  const [, key, op, rest] = m as unknown as [string, string, string, string];
  if (!KEYS[key]) throw new Error(`--where '${text}': unknown key '${key}' (keys: ${SELECTOR_KEYS.join(", ")})`);
  const values = rest.split("|");
  if (values.some((v) => v === "")) throw new Error(`--where '${text}': empty value`);
  return { key, negate: op === "!=", patterns: values.map(glob), text };
}

export function matches(term: Term, name: string, n: NodeState): boolean {
  const values = KEYS[term.key]!(name, n);
  const hit = values.some((v) => term.patterns.some((p) => p.test(v)));
  return term.negate ? !hit : hit;
}

/**
 * The target nodes: `explicit` names as given, or every node the fleet knows;
 * then every term must hold. Without an explicit list and without a `status`
 * term, nodes whose retained status says offline are left out (they cannot take
 * a config; a node with no status at all is kept: its status may just be late).
 */
export function selectTargets(fleet: FleetState, terms: Term[], explicit?: string[]): { targets: string[]; skippedOffline: string[] } {
  const skippedOffline: string[] = [];
  const empty: NodeState = { vrrp: new Map(), lvs: new Map() };
  const names = explicit ?? [...fleet.nodes.keys()].sort();
  const statusTerm = terms.some((t) => t.key === "status");
  const targets: string[] = [];
  for (const name of names) {
    const n = fleet.nodes.get(name) ?? empty;
    if (!terms.every((t) => matches(t, name, n))) continue;
    if (!explicit && !statusTerm && n.online === false) {
      skippedOffline.push(name);
      continue;
    }
    targets.push(name);
  }
  return { targets, skippedOffline };
}
