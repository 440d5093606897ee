// keepalived.conf reader for route and rule lines: static_routes/virtual_routes
// (keepalived vrrp_iproute.c) and static_rules/virtual_rules (vrrp_iprule.c). vigil
// runs the common subset of `ip route`/`ip rule`; keepalived's other options are
// refused by name so a config never runs with part of a route silently dropped.
import { ipFamily } from "../net/ip-address.ts";
import type { Token } from "./lexer.ts";
import type { Stmt } from "./syntax-tree.ts";
import type { Ctx, Handler, Raw } from "./kc-context.ts";

/** rtnetlink's named tables (linux/rtnetlink.h RT_TABLE_*); other names need /etc/iproute2/rt_tables. */
export const TABLE_NAMES: Record<string, number> = { default: 253, main: 254, local: 255 };
/** keepalived's RTPROT_KEEPALIVED and the iproute2 names it reads */
export const PROTOCOL_NAMES: Record<string, number> = { redirect: 1, kernel: 2, boot: 3, static: 4, keepalived: 18 };
const SCOPE_NAMES: Record<string, string> = { global: "global", universe: "global", site: "site", link: "link", host: "host", nowhere: "nowhere" };
const ROUTE_TYPES = new Set(["unicast", "blackhole", "unreachable", "prohibit"]);
/** keepalived route keywords vigil does not run (keepalived.conf(5) static_routes) */
const ROUTE_UNSUPPORTED = new Set([
  "or", "nexthop", "tos", "dsfield", "mtu", "advmss", "rtt", "rttvar", "reordering", "window", "cwnd", "ssthresh",
  "realms", "rto_min", "initcwnd", "initrwnd", "features", "quickack", "congctl", "pref", "fastopen_no_cookie",
  "hoplimit", "expires", "encap", "vrf", "append", "ttl-propagate", "weight",
  "local", "broadcast", "throw", "nat", "anycast", "multicast",
]);
const RULE_UNSUPPORTED = new Set([
  "tos", "dsfield", "realms", "goto", "uidrange", "sport", "dport", "ip_proto", "ipproto", "l3mdev",
  "suppress_prefixlength", "suppress_ifgroup", "protocol", "nop", "no_track", "nat", "map-to",
]);

/** ADDRESS[/PREFIX] -> "ADDRESS/PREFIX" (host prefix when none), "default"/"all" -> the family's /0. */
function prefixOf(c: Ctx, st: Stmt, t: Token, inet6: boolean): string | undefined {
  if (t.text === "default" || t.text === "all") return inet6 ? "::/0" : "0.0.0.0/0";
  const m = /^([^/]+)(?:\/(\d{1,3}))?$/.exec(t.text);
  const fam = m ? ipFamily(m[1]!) : 0;
  if (!m || fam === 0) {
    c.error(st, `'${t.text}' is not ADDRESS[/PREFIX]`, t);
    return undefined;
  }
  const max = fam === 4 ? 32 : 128;
  const plen = m[2] === undefined ? max : Number(m[2]);
  if (plen > max) {
    c.error(st, `/${plen} is not an IPv${fam} prefix length`, t);
    return undefined;
  }
  return `${m[1]}/${plen}`;
}

function numberOf(c: Ctx, st: Stmt, t: Token | undefined, what: string, names: Record<string, number> = {}): number | undefined {
  if (!t) {
    c.error(st, `'${what}' needs a value`);
    return undefined;
  }
  if (Object.hasOwn(names, t.text)) return names[t.text];
  if (!/^(0x[0-9a-fA-F]{1,8}|\d{1,10})$/.test(t.text)) {
    const known = Object.keys(names);
    c.error(st, `'${what}' expects a number${known.length ? ` or one of ${known.join(", ")}` : ""}, got '${t.text}'`, t);
    return undefined;
  }
  return Number(t.text);
}

function refuse(c: Ctx, st: Stmt, t: Token, what: string) {
  c.error(st, `${what} option '${t.text}' is not supported by vigil (keepalived runs it); remove it or manage this ${what} outside vigil`, t);
}

/** One route line: [src A [to]] [TYPE] DEST [options]. */
export function readRoute(c: Ctx, st: Stmt): Raw | undefined {
  if (st.block) {
    c.error(st, "unexpected block inside a route list");
    return undefined;
  }
  const w = [st.kw, ...st.args];
  const inet6 = w.some((t) => t.text === "inet6");
  const o: Raw = {};
  c.mark(o, "", st);
  let i = 0;
  let ok = true;
  const put = (key: string, v: unknown, t: Token) => {
    if (v === undefined) {
      ok = false;
      return;
    }
    if (o[key] !== undefined) c.warn(st, `'${t.text}' given more than once in this route, the last one wins`, t);
    o[key] = v;
    c.mark(o, key, st, t);
  };
  // keepalived's own leading form: src ADDRESS [to] DEST
  if (w[0]?.text === "src" && w[1]) {
    put("src", w[1].text, w[1]);
    i = 2;
  }
  if (w[i] && ROUTE_TYPES.has(w[i]!.text)) put("type", w[i]!.text, w[i]!), i++;
  if (w[i]?.text === "to") i++;
  const dest = w[i];
  if (!dest) {
    c.error(st, "route has no destination");
    return undefined;
  }
  if (ROUTE_UNSUPPORTED.has(dest.text)) {
    refuse(c, st, dest, "route");
    return undefined;
  }
  put("to", prefixOf(c, st, dest, inet6), dest);
  for (i++; i < w.length; i++) {
    const k = w[i]!;
    const v = w[i + 1];
    switch (k.text) {
      case "via":
      case "gw":
        if (!v) return c.error(st, `'${k.text}' needs an address`, k), undefined;
        put("via", v.text, v), i++;
        break;
      case "dev":
      case "oif":
        if (!v) return c.error(st, `'${k.text}' needs an interface`, k), undefined;
        put("dev", v.text, v), i++;
        break;
      case "src":
        if (!v) return c.error(st, "'src' needs an address", k), undefined;
        put("src", v.text, v), i++;
        break;
      case "metric":
      case "priority":
      case "preference":
        put("metric", numberOf(c, st, v, k.text), v ?? k), i++;
        break;
      case "table":
        put("table", numberOf(c, st, v, k.text, TABLE_NAMES), v ?? k), i++;
        break;
      case "protocol":
        put("protocol", numberOf(c, st, v, k.text, PROTOCOL_NAMES), v ?? k), i++;
        break;
      case "scope": {
        const s = v && Object.hasOwn(SCOPE_NAMES, v.text) ? SCOPE_NAMES[v.text] : undefined;
        if (!s) return c.error(st, `'scope' expects one of global, site, link, host, nowhere, got '${v?.text ?? ""}'`, v ?? k), undefined;
        put("scope", s, v!), i++;
        break;
      }
      case "onlink":
        put("onlink", true, k);
        break;
      case "track_group":
        // static routes only (validate-vrrp.ts): keepalived vrrp_static_track.c
        if (!v) return c.error(st, "'track_group' needs a name", k), undefined;
        put("trackGroup", v.text, v), i++;
        break;
      case "inet6":
        break;
      case "no_track":
        // keepalived 2.2.7 (measured): the instance does not track dev (plan.ts). It also leaves such a
        // route deleted if someone deletes it; vigil puts every virtual route back (README says so)
        put("noTrack", true, k);
        break;
      default:
        if (ROUTE_UNSUPPORTED.has(k.text)) refuse(c, st, k, "route");
        else c.error(st, `unknown route option '${k.text}'`, k);
        return undefined;
    }
  }
  if (inet6 && typeof o.to === "string" && ipFamily(o.to.split("/")[0]!) === 4) c.error(st, "inet6 given for an IPv4 route", dest);
  return ok ? o : undefined;
}

/** One rule line: [not] [from P] [to P] [iif IF] [oif IF] [fwmark N[/M]] [priority N] (table N | ACTION) [inet6]. */
export function readRule(c: Ctx, st: Stmt): Raw | undefined {
  if (st.block) {
    c.error(st, "unexpected block inside a rule list");
    return undefined;
  }
  const w = [st.kw, ...st.args];
  const inet6 = w.some((t) => t.text === "inet6");
  const o: Raw = {};
  c.mark(o, "", st);
  let ok = true;
  const put = (key: string, v: unknown, t: Token) => {
    if (v === undefined) {
      ok = false;
      return;
    }
    if (o[key] !== undefined) c.warn(st, `'${t.text}' given more than once in this rule, the last one wins`, t);
    o[key] = v;
    c.mark(o, key, st, t);
  };
  for (let i = 0; i < w.length; i++) {
    const k = w[i]!;
    const v = w[i + 1];
    switch (k.text) {
      case "not":
        put("invert", true, k);
        break;
      case "from":
      case "to":
        if (!v) return c.error(st, `'${k.text}' needs a prefix`, k), undefined;
        // "all" is no selector at all
        if (v.text !== "all") put(k.text, prefixOf(c, st, v, inet6), v);
        i++;
        break;
      case "table":
      case "lookup":
        put("table", numberOf(c, st, v, k.text, TABLE_NAMES), v ?? k), i++;
        break;
      case "priority":
      case "preference":
      case "order":
        put("priority", numberOf(c, st, v, k.text), v ?? k), i++;
        break;
      case "iif":
      case "dev":
        if (!v) return c.error(st, `'${k.text}' needs an interface`, k), undefined;
        put("iif", v.text, v), i++;
        break;
      case "oif":
        if (!v) return c.error(st, "'oif' needs an interface", k), undefined;
        put("oif", v.text, v), i++;
        break;
      case "fwmark": {
        const m = v && /^(0x[0-9a-fA-F]{1,8}|\d{1,10})(?:\/(0x[0-9a-fA-F]{1,8}|\d{1,10}))?$/.exec(v.text);
        if (!m) return c.error(st, `'fwmark' expects N[/MASK], got '${v?.text ?? ""}'`, v ?? k), undefined;
        put("fwmark", Number(m[1]), v!);
        if (m[2] !== undefined) put("fwmask", Number(m[2]), v!);
        i++;
        break;
      }
      case "blackhole":
      case "unreachable":
      case "prohibit":
        put("action", k.text, k);
        break;
      case "track_group":
        // static rules only (validate-vrrp.ts): keepalived vrrp_static_track.c
        if (!v) return c.error(st, "'track_group' needs a name", k), undefined;
        put("trackGroup", v.text, v), i++;
        break;
      case "inet6":
        break;
      default:
        if (RULE_UNSUPPORTED.has(k.text)) refuse(c, st, k, "rule");
        else c.error(st, `unknown rule option '${k.text}'`, k);
        return undefined;
    }
  }
  const fams = [o.from, o.to].filter((x): x is string => typeof x === "string").map((p) => ipFamily(p.split("/")[0]!));
  const fam = inet6 || fams.includes(6) ? 6 : 4;
  if (fams.some((f) => f !== fam)) c.error(st, `rule mixes IPv4 and IPv6${inet6 ? " (inet6 given)" : ""}`);
  o.family = fam;
  c.mark(o, "family", st);
  if (o.table === undefined && o.action === undefined) c.error(st, "rule needs 'table N' or an action (blackhole, unreachable, prohibit)");
  if (o.priority === undefined) c.warn(st, "rule has no priority: keepalived gives it 16384 (probably not what you want), and so does vigil");
  return ok ? o : undefined;
}

/** A `{ ... }` list of route or rule lines into `o[key]` (keepalived appends repeated blocks). */
export function lineList(c: Ctx, key: string, read: (c: Ctx, st: Stmt) => Raw | undefined): Handler {
  return (st, o) => {
    const block = c.needBlock(st);
    if (!block) return;
    if (st.args.length) c.error(st, `'${st.kw.text}' takes no value before its block`, st.args[0]);
    const list = (o[key] as Raw[] | undefined) ?? [];
    for (const line of block) {
      const v = read(c, line);
      if (v) list.push(v);
    }
    c.putList(o, key, list, st);
  };
}
