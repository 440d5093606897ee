// global_defs keywords for the IPVS table as a whole (keepalived.conf(5),
// global_parser.c): lvs_timeouts [tcp SECS] [tcpfin SECS] [udp SECS], lvs_flush,
// lvs_flush_on_stop [VS] (lvs_flush_onstop, its older spelling). Reader and writer
// side by side.
import type { GlobalDefs, LvsTimeouts } from "./model.ts";
import type { Stmt } from "./syntax-tree.ts";
import { type Ctx, type Handler, hFlag, type Raw } from "./kc-context.ts";
import type { Out } from "./keepalived-writer.ts";

/** keyword -> model field, in keepalived's order */
const TIMEOUTS: ReadonlyArray<[string, keyof LvsTimeouts]> = [["tcp", "tcpMs"], ["tcpfin", "tcpFinMs"], ["udp", "udpMs"]];
/** keepalived LVS_MAX_TIMEOUT (31 days) */
const MAX_TIMEOUT_S = 86_400 * 31;

/** `lvs_timeouts [tcp SECS] [tcpfin SECS] [udp SECS]`: 0 leaves that one unchanged, as the kernel reads it */
function lvsTimeouts(c: Ctx): Handler {
  return (s: Stmt, o: Raw) => {
    if (!c.noBlock(s)) return;
    if (s.args.length === 0 || s.args.length % 2) return c.error(s, "'lvs_timeouts' takes [tcp SECS] [tcpfin SECS] [udp SECS], at least one");
    const t: Raw = {};
    for (let i = 0; i < s.args.length; i += 2) {
      const k = s.args[i]!, v = s.args[i + 1]!;
      const field = TIMEOUTS.find(([kw]) => kw === k.text)?.[1];
      if (!field) return c.error(s, `'lvs_timeouts': unknown timeout '${k.text}' (tcp, tcpfin or udp)`, k);
      if (!/^\d+$/.test(v.text) || Number(v.text) > MAX_TIMEOUT_S) return c.error(s, `'lvs_timeouts' ${k.text} expects 0-${MAX_TIMEOUT_S} seconds, got '${v.text}'`, v);
      const secs = Number(v.text);
      if (secs === 0) continue;
      t[field] = secs * 1000;
      c.mark(t, field, s, v);
    }
    if (Object.keys(t).length) c.put(o, "lvsTimeouts", t, s);
  };
}

export function globalLvsHandlers(c: Ctx): Record<string, Handler> {
  const flushOnStop: Handler = (s, o) => {
    if (!c.noBlock(s)) return;
    const [opt, ...extra] = s.args;
    if (extra.length || (opt && opt.text !== "VS")) return c.error(s, `'${s.kw.text}' takes nothing or VS, got '${s.args.map((a) => a.text).join(" ")}'`, opt);
    c.put(o, "lvsFlushOnStop", opt ? "vs" : "all", s, opt);
  };
  return {
    lvs_timeouts: lvsTimeouts(c),
    lvs_flush: hFlag(c, "lvsFlush"),
    lvs_flush_on_stop: flushOnStop,
    lvs_flush_onstop: flushOnStop,
  };
}

/** The same keywords back into global_defs. */
export function writeGlobalLvs(o: Out, g: GlobalDefs): void {
  const t = g.lvsTimeouts;
  const given = t ? TIMEOUTS.filter(([, f]) => t[f] !== undefined) : [];
  if (t && given.length) o.line("lvs_timeouts", ...given.flatMap(([kw, f]) => [kw, String(t[f]! / 1000)]));
  o.flag("lvs_flush", g.lvsFlush);
  if (g.lvsFlushOnStop !== "off") o.line(...(g.lvsFlushOnStop === "all" ? ["lvs_flush_on_stop"] : ["lvs_flush_on_stop", "VS"]));
}
