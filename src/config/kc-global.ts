// global_defs keywords for what keepalived users read from outside the daemon:
// the notify FIFOs (keepalived.conf(5): notify_fifo, vrrp_notify_fifo,
// lvs_notify_fifo, each with its _script, and fifo_write_vrrp_states_on_reload)
// and the FIFOs' priority lines (vrrp_notify_priority_changes), dynamic_interfaces
// (vigil always runs that way), and vigil's Prometheus endpoint (metrics_listen).
// Reader and writer side by side, so the keywords are spelled once.
import { ipFamily } from "../net/ip-address.ts";
import type { GlobalDefs, NotifyFifo } from "./model.ts";
import type { Stmt } from "./syntax-tree.ts";
import { type Ctx, type Handler, hFlag, type Raw } from "./kc-context.ts";
import { type Out, quoted, word } from "./keepalived-writer.ts";

type FifoKey = "notifyFifo" | "vrrpNotifyFifo" | "lvsNotifyFifo";

/** where each FIFO's _script was written, for the finding on one without its FIFO */
const scriptAt = new WeakMap<Raw, Stmt>();

/** keyword prefix -> model field, in keepalived's order */
const FIFOS: ReadonlyArray<[string, FifoKey]> = [["", "notifyFifo"], ["vrrp_", "vrrpNotifyFifo"], ["lvs_", "lvsNotifyFifo"]];

function fifoOf(c: Ctx, o: Raw, key: FifoKey, s: Stmt): Raw {
  let f = o[key] as Raw | undefined;
  if (!f) {
    f = {};
    o[key] = f;
    c.mark(o, key, s);
  }
  return f;
}

/**
 * `PREFIXnotify_fifo PATH [user [group]]` and `PREFIXnotify_fifo_script CMD [user [group]]`.
 * keepalived keeps the first of a repeated one ("already specified - ignoring").
 */
function fifoHandlers(c: Ctx, prefix: string, key: FifoKey): Record<string, Handler> {
  const take = (s: Stmt, o: Raw, field: "path" | "script", userKey: string, groupKey: string) => {
    if (!c.noBlock(s)) return;
    if (s.args.length < 1 || s.args.length > 3) return c.error(s, `'${s.kw.text}' takes ${field === "path" ? "FIFO_NAME" : "SCRIPT"} [username [groupname]]`);
    const f = fifoOf(c, o, key, s);
    if (f[field] !== undefined) return c.warn(s, `'${s.kw.text}' already specified, this one is ignored (keepalived keeps the first)`);
    const [value, user, group] = s.args;
    f[field] = value!.text;
    c.mark(f, field, s, value);
    if (field === "script") scriptAt.set(f, s);
    if (user) {
      f[userKey] = user.text;
      c.mark(f, userKey, s, user);
    }
    if (group) {
      f[groupKey] = group.text;
      c.mark(f, groupKey, s, group);
    }
  };
  return {
    [`${prefix}notify_fifo`]: (s, o) => take(s, o, "path", "user", "group"),
    [`${prefix}notify_fifo_script`]: (s, o) => take(s, o, "script", "scriptUser", "scriptGroup"),
  };
}

/** `metrics_listen ADDRESS:PORT` ([IPv6]:PORT) */
function metricsListen(c: Ctx): Handler {
  return (s, o) => {
    const t = c.one(s);
    if (!t) return;
    const m = /^\[([0-9A-Fa-f:.]+)\]:(\d{1,5})$/.exec(t.text) ?? /^([0-9.]+):(\d{1,5})$/.exec(t.text);
    if (!m || ipFamily(m[1]!) === 0) {
      c.error(s, `'metrics_listen' expects ADDRESS:PORT (IPv6 as [ADDRESS]:PORT), got '${t.text}'`, t);
      c.locs.refuse(o, "metricsListen");
      return;
    }
    const v: Raw = { address: m[1], port: Number(m[2]) };
    c.mark(v, "address", s, t);
    c.mark(v, "port", s, t);
    c.put(o, "metricsListen", v, s, t);
  };
}

export function globalExtraHandlers(c: Ctx): Record<string, Handler> {
  return {
    ...Object.assign({}, ...FIFOS.map(([p, k]) => fifoHandlers(c, p, k))),
    fifo_write_vrrp_states_on_reload: hFlag(c, "fifoWriteVrrpStatesOnReload"),
    vrrp_notify_priority_changes: hFlag(c, "vrrpNotifyPriorityChanges"),
    dynamic_interfaces: (s, o) => {
      if (!c.noBlock(s)) return;
      const [opt, ...extra] = s.args;
      // keepalived 2.2.7: "Unknown dynamic_interfaces option '%s'" for anything but allow_if_changes
      if (extra.length || (opt && opt.text !== "allow_if_changes")) return c.error(s, `'dynamic_interfaces' takes nothing or allow_if_changes, got '${s.args.map((a) => a.text).join(" ")}'`, opt);
      c.put(o, "dynamicInterfaces", opt ? "allow_if_changes" : "on", s, opt);
    },
    metrics_listen: metricsListen(c),
  };
}

/**
 * After global_defs is read: a _script without its FIFO never runs in keepalived
 * (it opens only named FIFOs); said here and left out.
 */
export function finishGlobalExtras(c: Ctx, s: Stmt, o: Raw): void {
  for (const [p, k] of FIFOS) {
    const f = o[k] as Raw | undefined;
    if (f && f.path === undefined) {
      c.warn(scriptAt.get(f) ?? s, `'${p}notify_fifo_script' without '${p}notify_fifo' is never run (keepalived starts it only with its FIFO), ignored`);
      delete o[k];
    }
  }
}

function writeFifo(o: Out, prefix: string, f: NotifyFifo): void {
  const owner = (u?: string, g?: string) => (u === undefined ? [] : [word(u), ...(g === undefined ? [] : [word(g)])]);
  o.line(`${prefix}notify_fifo`, word(f.path), ...owner(f.user, f.group));
  if (f.script !== undefined) o.line(`${prefix}notify_fifo_script`, quoted(f.script), ...owner(f.scriptUser, f.scriptGroup));
}

/** The same keywords back into global_defs. */
export function writeGlobalExtras(o: Out, g: GlobalDefs): void {
  for (const [p, k] of FIFOS) {
    const f = g[k];
    if (f) writeFifo(o, p, f);
  }
  o.flag("fifo_write_vrrp_states_on_reload", g.fifoWriteVrrpStatesOnReload);
  o.flag("vrrp_notify_priority_changes", g.vrrpNotifyPriorityChanges);
  if (g.dynamicInterfaces !== "off") o.line(...(g.dynamicInterfaces === "on" ? ["dynamic_interfaces"] : ["dynamic_interfaces", "allow_if_changes"]));
  const m = g.metricsListen;
  if (m) o.line("metrics_listen", `${m.address.includes(":") ? `[${m.address}]` : m.address}:${m.port}`);
}
