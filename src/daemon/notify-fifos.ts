// The notify FIFOs of a config and which lines go to each, keepalived 2.2.7's
// rules: notify_fifo gets every line, vrrp_notify_fifo the INSTANCE/GROUP lines,
// lvs_notify_fifo the VS/RS lines; a vrrp or lvs FIFO with the same path as
// notify_fifo is ignored, and vrrp and lvs FIFOs with one path are one FIFO (the
// vrrp script wins when both have one). A FIFO that cannot be made or opened is
// logged and left out, as keepalived does; nothing else stops.
//
// RS lines are written when a real server's liveness changes (a weight change is
// no line, as in keepalived), measured against a baseline taken when the checkers
// start or reload; VS lines when quorum changes; with `omega`, a stop writes the
// RS DOWN lines of live servers and a VS DOWN line (ipwrapper.c clear_service_vs).
import { errorText } from "../error-text.ts";
import { type GlobalDefs, type NotifyFifo as NotifyFifoConfig, realServerName, type VirtualServer, virtualServerName } from "../config/model.ts";
import { resolveIds } from "../lvs/checkers/user-ids.ts";
import type { VirtualServerStatus } from "./lvs-manager.ts";
import { type FifoStats, NotifyFifo } from "./notify-fifo.ts";
import { groupLine, instanceLine, LvsNames, rsLine, type VrrpFifoEvent, type VrrpFifoState, vsLine } from "./notify-fifo-lines.ts";
import type { ScriptIds } from "./script-user.ts";

type Kind = "vrrp" | "lvs";
type Log = (level: "info" | "warn" | "error", msg: string) => void;

interface Sink {
  config: NotifyFifoConfig;
  kinds: Set<Kind>;
}

/** The FIFOs a config asks for, each with the kinds of line it gets. */
export function fifoSinks(g: GlobalDefs): Sink[] {
  const sinks: Sink[] = [];
  if (g.notifyFifo) sinks.push({ config: g.notifyFifo, kinds: new Set(["vrrp", "lvs"]) });
  const same = (f: NotifyFifoConfig | undefined) => f && g.notifyFifo?.path === f.path;
  if (g.vrrpNotifyFifo && !same(g.vrrpNotifyFifo)) sinks.push({ config: g.vrrpNotifyFifo, kinds: new Set(["vrrp"]) });
  if (g.lvsNotifyFifo && !same(g.lvsNotifyFifo)) {
    const shared = sinks.find((s) => s.kinds.has("vrrp") && !s.kinds.has("lvs") && s.config.path === g.lvsNotifyFifo!.path);
    if (shared) {
      shared.kinds.add("lvs");
      if (!shared.config.script && g.lvsNotifyFifo.script) shared.config = { ...shared.config, script: g.lvsNotifyFifo.script, scriptUser: g.lvsNotifyFifo.scriptUser, scriptGroup: g.lvsNotifyFifo.scriptGroup };
    } else sinks.push({ config: g.lvsNotifyFifo, kinds: new Set(["lvs"]) });
  }
  return sinks;
}

export class NotifyFifos {
  private fifos: Array<{ fifo: NotifyFifo; kinds: Set<Kind> }> = [];
  private names = new LvsNames([]);
  /** real server liveness last written (or taken as the baseline), by vs then rs name */
  private alive = new Map<string, Map<string, boolean>>();
  /** the FIFO part of the config now open, to tell whether a reload changes it */
  private configured = "";

  constructor(private readonly log: Log) {}

  get active(): boolean {
    return this.fifos.length > 0;
  }

  /** Opens the config's FIFOs, or keeps the open ones if the FIFO settings did not change. */
  async configure(g: GlobalDefs, defaultScriptIds: ScriptIds): Promise<void> {
    const key = JSON.stringify([g.notifyFifo, g.vrrpNotifyFifo, g.lvsNotifyFifo]);
    if (key === this.configured) return;
    await this.close();
    this.configured = key;
    for (const s of fifoSinks(g)) {
      const c = s.config;
      const what = `${[...s.kinds].join("+")} notify fifo ${c.path}`;
      try {
        const owner = c.user !== undefined ? await this.ids(c.user, c.group, `${what} owner`) : undefined;
        const scriptIds = c.scriptUser !== undefined ? await this.ids(c.scriptUser, c.scriptGroup, `${what} script user`) : defaultScriptIds;
        const fifo = new NotifyFifo({ path: c.path, ...(owner ? { owner } : {}), ...(c.script ? { script: c.script, scriptIds: scriptIds ?? {} } : {}) }, this.log);
        this.fifos.push({ fifo, kinds: s.kinds });
        this.log("info", `${what} open${c.script ? ` (read by ${c.script})` : ""}`);
      } catch (e) {
        this.log("error", `cannot open ${what}: ${errorText(e)}; its lines are not written`);
      }
    }
  }

  /** keepalived: "Invalid user/group for fifo - ignoring": the FIFO stays root's, the script runs as root */
  private async ids(user: string, group: string | undefined, what: string): Promise<ScriptIds | undefined> {
    try {
      return await resolveIds(user, group);
    } catch (e) {
      this.log("warn", `${what} ${user}${group ? `:${group}` : ""}: ${errorText(e)}; using root`);
      return undefined;
    }
  }

  private emit(kind: Kind, line: string): void {
    for (const f of this.fifos) if (f.kinds.has(kind)) f.fifo.write(line);
  }

  instance(name: string, state: VrrpFifoState, priority: number): void {
    this.emit("vrrp", instanceLine(name, state, priority));
  }

  /** keepalived's INSTANCE lines that are events, not states: priority changes, a lower advert heard as master */
  instanceEvent(name: string, event: VrrpFifoEvent, priority: number): void {
    this.emit("vrrp", instanceLine(name, event, priority));
  }

  group(name: string, state: VrrpFifoState): void {
    this.emit("vrrp", groupLine(name, state));
  }

  /** The checkers (re)started: what they judge now is the baseline, no line. */
  lvsBaseline(vss: readonly VirtualServer[], states: readonly VirtualServerStatus[]): void {
    this.names = new LvsNames(vss);
    const alive = new Map<string, Map<string, boolean>>();
    for (const v of states) alive.set(v.virtualServer, new Map(v.realServers.map((r) => [r.realServer, this.alive.get(v.virtualServer)?.get(r.realServer) ?? r.alive])));
    this.alive = alive;
  }

  realServer(vs: string, rs: string, alive: boolean): void {
    const known = this.alive.get(vs);
    if (known?.get(rs) === alive) return; // a weight change only
    known?.set(rs, alive);
    const c = this.names.rs(vs, rs);
    if (c) this.emit("lvs", rsLine(c.rs, c.vs, alive));
  }

  quorum(vs: string, up: boolean): void {
    const v = this.names.vs(vs);
    if (v) this.emit("lvs", vsLine(v, up));
  }

  /** keepalived with omega: every live real server goes DOWN, then its virtual server. */
  lvsStopping(vss: readonly VirtualServer[]): void {
    for (const vs of vss) {
      if (!vs.omega) continue;
      const alive = this.alive.get(virtualServerName(vs));
      for (const rs of vs.realServers) if (alive?.get(realServerName(rs))) this.emit("lvs", rsLine(rs, vs, false));
      this.emit("lvs", vsLine(vs, false));
    }
  }

  stats(): FifoStats[] {
    return this.fifos.map((f) => f.fifo.stats());
  }

  async close(): Promise<void> {
    const open = this.fifos;
    this.fifos = [];
    this.configured = "";
    await Promise.all(open.map((f) => f.fifo.close()));
  }
}
