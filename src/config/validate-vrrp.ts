// Semantic rules of VRRP tracking (vrrp_track_process, track_file/track_process
// references) and of static/virtual routes and rules. Pure: config in, findings
// out (validate.ts merges them).
import { ipFamily } from "../net/ip-address.ts";
import type { FieldPath } from "./diagnostics.ts";
import type { Config, IpRoute, IpRule } from "./model.ts";
import type { Finding } from "./validate.ts";
import { PRIORITY_OWNER } from "../vrrp/params.ts";

const familyOf = (prefix: string): number => ipFamily(prefix.split("/")[0] ?? "");

export function validateVrrpExtras(cfg: Config): Finding[] {
  const out: Finding[] = [];
  const err = (path: FieldPath, message: string) => out.push({ severity: "error", path, message });
  const warn = (path: FieldPath, message: string) => out.push({ severity: "warning", path, message });

  const procs = new Set<string>();
  cfg.trackProcesses.forEach((p, i) => {
    const P = (...f: FieldPath): FieldPath => ["trackProcesses", i, ...f];
    if (procs.has(p.name)) err(P("name"), `vrrp_track_process '${p.name}' is defined twice`);
    procs.add(p.name);
    // keepalived: "Quorum is greater than quorum_max"; quorum 0 only means "none may run" with quorum_max 0
    if (p.quorum > p.quorumMax) err(P("quorum"), `quorum ${p.quorum} is above quorum_max ${p.quorumMax}`);
    if (p.quorum === 0 && p.quorumMax !== 0) err(P("quorum"), "quorum 0 needs quorum_max 0 (up while no such process runs)");
    if (p.parameters.length && p.paramMatch === "none") err(P("paramMatch"), "parameters need a paramMatch (exact, partial or initial)");
    if (p.paramMatch !== "none" && !p.fullCommand) err(P("fullCommand"), "matching parameters reads the full command line: fullCommand must be true");
    // the kernel's comm is 15 bytes (TASK_COMM_LEN 16): a longer name never matches
    if (!p.fullCommand && new TextEncoder().encode(p.process).length > 15) {
      warn(P("process"), `'${p.process}' is longer than the 15 bytes of a process name (comm): it never matches; use full_command`);
    }
  });
  const files = new Set(cfg.trackFiles.map((f) => f.name));

  // per instance: no closure, list or set unless the instance has something to check
  // (a cold `vigil config check` runs this in the interpreter; test/bench/config-check-phases.ts)
  for (let i = 0; i < cfg.instances.length; i++) {
    const inst = cfg.instances[i]!;
    const P = (...f: FieldPath): FieldPath => ["instances", i, ...f];
    const owner = inst.priority === PRIORITY_OWNER;
    if (inst.trackFile.length) inst.trackFile.forEach((t, k) => {
      if (!files.has(t.name)) err(P("trackFile", k, "name"), `track_file refers to track_file '${t.name}', which does not exist`);
      const w = t.weight ?? cfg.trackFiles.find((f) => f.name === t.name)?.weight ?? 0;
      if (owner && w !== 0) warn(P("trackFile", k), "the address owner (priority 255) ignores weights: only a fault counts (as keepalived)");
    });
    if (inst.trackProcess.length) inst.trackProcess.forEach((t, k) => {
      if (!procs.has(t.name)) err(P("trackProcess", k, "name"), `track_process refers to vrrp_track_process '${t.name}', which does not exist`);
      const w = t.weight ?? cfg.trackProcesses.find((p) => p.name === t.name)?.weight ?? 0;
      if (owner && w !== 0) warn(P("trackProcess", k), "the address owner (priority 255) ignores weights: only a fault counts (as keepalived)");
    });
    if (inst.trackFile.length > 1) dupes(inst.trackFile.map((t) => t.name), (k, n) => err(P("trackFile", k), `track_file ${n} listed twice (keepalived ignores the second)`));
    if (inst.trackProcess.length > 1) dupes(inst.trackProcess.map((t) => t.name), (k, n) => err(P("trackProcess", k), `track_process ${n} listed twice (keepalived ignores the second)`));
    if (inst.notifyDeletedScript !== undefined && !inst.notifyDeleted) err(P("notifyDeletedScript"), "notifyDeletedScript needs notifyDeleted: true (keepalived: notify_deleted SCRIPT)");
    if (inst.virtualRoutes.length) inst.virtualRoutes.forEach((r, k) => route(r, P("virtualRoutes", k)));
    if (inst.virtualRules.length) inst.virtualRules.forEach((r, k) => rule(r, P("virtualRules", k)));
  }
  cfg.staticIpaddress.forEach((v, k) => {
    const f = ipFamily(v.address);
    if (f === 0) err(["staticIpaddress", k, "address"], `'${v.address}' is not an IPv4 or IPv6 address`);
    if (f === 4 && v.prefix > 32) err(["staticIpaddress", k, "prefix"], `/${v.prefix} is not an IPv4 prefix length`);
    // keepalived: default_interface, else eth0
    if (v.dev === undefined && cfg.global.defaultInterface === undefined) warn(["staticIpaddress", k], "static_ipaddress without 'dev' goes on eth0 (keepalived's default_interface default)");
    if (f === 6 && v.brd !== undefined) err(["staticIpaddress", k, "brd"], "IPv6 addresses have no broadcast");
  });
  cfg.staticRoutes.forEach((r, k) => route(r, ["staticRoutes", k]));
  cfg.staticRules.forEach((r, k) => rule(r, ["staticRules", k]));
  return out;

  function route(r: IpRoute, p: FieldPath) {
    const fam = familyOf(r.to);
    const plen = Number(r.to.split("/")[1]);
    if (fam === 0) return err([...p, "to"], `'${r.to}' is not ADDRESS/PREFIX`);
    if (plen > (fam === 4 ? 32 : 128)) err([...p, "to"], `/${plen} is not an IPv${fam} prefix length`);
    for (const k of ["via", "src"] as const) {
      const v = r[k];
      if (v === undefined) continue;
      const f = ipFamily(v);
      if (f === 0) err([...p, k], `'${v}' is not an IPv4 or IPv6 address`);
      else if (f !== fam) err([...p, k], `'${v}' is IPv${f} but the route to ${r.to} is IPv${fam}`);
    }
    if (r.type === "unicast" && r.via === undefined && r.dev === undefined) {
      err([...p], `route to ${r.to} needs 'via' or 'dev'`);
    }
    if (r.type !== "unicast" && (r.via !== undefined || r.dev !== undefined)) err([...p, "type"], `a ${r.type} route takes no via or dev`);
    if (r.protocol !== undefined && r.protocol !== 18) {
      warn([...p, "protocol"], "the route is installed with protocol 18 (keepalived), as keepalived 2.2.7 does (\"Route cannot be tracked if protocol is not RTPROT_KEEPALIVED(18), resetting protocol\")");
    }
  }

  function rule(r: IpRule, p: FieldPath) {
    for (const k of ["from", "to"] as const) {
      const v = r[k];
      if (v === undefined) continue;
      const f = familyOf(v);
      if (f === 0) err([...p, k], `'${v}' is not ADDRESS/PREFIX`);
      else if (f !== r.family) err([...p, k], `'${v}' is IPv${f} but the rule is IPv${r.family}`);
    }
    if (r.table === undefined && r.action === undefined) err([...p], "a rule needs a table or an action (blackhole, unreachable, prohibit)");
    if (r.table !== undefined && r.action !== undefined) err([...p, "action"], `a rule either looks up a table or is ${r.action}, not both`);
    if (r.fwmask !== undefined && r.fwmark === undefined) err([...p, "fwmask"], "fwmask needs fwmark");
  }
}

function dupes(items: string[], dup: (index: number, item: string) => void) {
  const seen = new Set<string>();
  items.forEach((x, i) => (seen.has(x) ? dup(i, x) : seen.add(x)));
}
