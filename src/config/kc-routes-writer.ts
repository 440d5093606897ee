// Config -> keepalived.conf for vrrp_track_process, track_file/track_process
// references, and route/rule lines, in the forms keepalived 2.2.7 reads back
// (checked with `keepalived -t`).
import type { IpRoute, IpRule, TrackProcess, TrackRef } from "./model.ts";
import { defaultTrackProcess } from "./model.ts";
import { type Out, quoted, seconds, word } from "./keepalived-writer.ts";
import { trackGroupSuffix } from "./kc-track-group.ts";

const TABLE_NAME: Record<number, string> = { 253: "default", 254: "main", 255: "local" };

export function writeTrackProcess(o: Out, p: TrackProcess): void {
  const d = defaultTrackProcess(p.name, p.process);
  o.line("");
  o.block(`vrrp_track_process ${word(p.name)}`, () => {
    o.line("process", quoted(p.process), ...p.parameters.map(quoted));
    // parameters imply an exact match: param_match only for the other modes, or an exact match of none
    if (p.paramMatch === "partial" || p.paramMatch === "initial") o.line("param_match", p.paramMatch);
    else if (p.paramMatch === "exact" && p.parameters.length === 0) o.line("param_match");
    else if (p.paramMatch === "none" && p.parameters.length) throw new Error(`vrrp_track_process ${p.name}: parameters without param_match cannot be written to keepalived.conf`);
    if (p.weight !== d.weight || p.weightReverse) o.line("weight", p.weight, ...(p.weightReverse ? ["reverse"] : []));
    // keepalived reads quorum_max 0 alone as "no process may run": write quorum only when it says more
    if (p.quorumMax !== d.quorumMax) o.line("quorum_max", p.quorumMax);
    if (p.quorum !== d.quorum && !(p.quorumMax === 0 && p.quorum === 0)) o.line("quorum", p.quorum);
    if (p.forkDelayMs === p.terminateDelayMs) o.ifNot("delay", p.forkDelayMs, 0, seconds);
    else {
      o.ifNot("fork_delay", p.forkDelayMs, 0, seconds);
      o.ifNot("terminate_delay", p.terminateDelayMs, 0, seconds);
    }
    if (p.fullCommand && p.parameters.length === 0 && p.paramMatch === "none") o.line("full_command");
  });
}

export function writeTrackRef(t: TrackRef): string {
  const parts = [word(t.name)];
  if (t.weight !== undefined) parts.push("weight", String(t.weight));
  else if (t.reverse !== undefined) throw new Error(`track entry ${t.name}: reverse without weight cannot be written to keepalived.conf`);
  if (t.reverse !== undefined) parts.push(t.reverse ? "reverse" : "noreverse");
  return parts.join(" ");
}

const table = (n: number) => TABLE_NAME[n] ?? String(n);

export function writeRoute(r: IpRoute): string {
  const parts: string[] = [];
  if (r.type !== "unicast") parts.push(r.type);
  parts.push(r.to);
  if (r.src !== undefined) parts.push("src", r.src);
  if (r.via !== undefined) parts.push("via", r.via);
  if (r.dev !== undefined) parts.push("dev", word(r.dev));
  if (r.metric !== undefined) parts.push("metric", String(r.metric));
  if (r.table !== undefined) parts.push("table", table(r.table));
  if (r.scope !== undefined) parts.push("scope", r.scope);
  if (r.onlink) parts.push("onlink");
  if (r.protocol !== undefined) parts.push("protocol", String(r.protocol));
  if (r.noTrack) parts.push("no_track");
  parts.push(...trackGroupSuffix(r.trackGroup));
  return parts.join(" ");
}

export function writeRule(r: IpRule): string {
  const parts: string[] = [];
  if (r.invert) parts.push("not");
  if (r.from !== undefined) parts.push("from", r.from);
  if (r.to !== undefined) parts.push("to", r.to);
  if (r.from === undefined && r.to === undefined) parts.push("from", "all");
  if (r.iif !== undefined) parts.push("iif", word(r.iif));
  if (r.oif !== undefined) parts.push("oif", word(r.oif));
  if (r.fwmark !== undefined) parts.push("fwmark", r.fwmask !== undefined ? `${r.fwmark}/0x${r.fwmask.toString(16)}` : String(r.fwmark));
  else if (r.fwmask !== undefined) throw new Error("rule fwmask without fwmark cannot be written to keepalived.conf");
  if (r.priority !== undefined) parts.push("priority", String(r.priority));
  if (r.table !== undefined) parts.push("table", table(r.table));
  if (r.action !== undefined) parts.push(r.action);
  // the family shows in the addresses; without any, keepalived takes IPv4 unless told
  if (r.family === 6 && !(r.from ?? r.to ?? "").includes(":")) parts.push("inet6");
  parts.push(...trackGroupSuffix(r.trackGroup));
  return parts.join(" ");
}
