// The real and virtual servers that go away while they serve: those a reload
// drops from the config (keepalived 2.2.7 clear_diff_services), and, at stop,
// those of virtual servers with omega (ipwrapper.c clear_services: only omega
// runs the down notifications on the way out). Pure: the daemon tells with it
// (alert mails "=> Removing <=" / "=> Shutting down <=").
import { realServerName, type RealServer, virtualServerName, type VirtualServer } from "../config/model.ts";

export interface GoneServers {
  /** real servers that were alive (in the table) when they went */
  realServers: Array<{ vs: VirtualServer; rs: RealServer }>;
  /** virtual servers that went, with their quorum state then */
  virtualServers: Array<{ vs: VirtualServer; quorumUp: boolean }>;
}

export interface LiveState {
  alive(vs: string, rs: string): boolean;
  quorumUp(vs: string): boolean;
}

/** What a reload from `old` to `next` removes of what serves now: whole virtual servers, and real servers of those that stay. */
export function droppedByReload(old: readonly VirtualServer[], live: LiveState, next: readonly VirtualServer[]): GoneServers {
  const out: GoneServers = { realServers: [], virtualServers: [] };
  const nextByName = new Map(next.map((v) => [virtualServerName(v), v]));
  for (const vs of old) {
    const name = virtualServerName(vs);
    const kept = nextByName.get(name);
    const keptRs = new Set((kept?.realServers ?? []).map(realServerName));
    for (const rs of vs.realServers) {
      if (!keptRs.has(realServerName(rs)) && live.alive(name, realServerName(rs))) out.realServers.push({ vs, rs });
    }
    if (!kept) out.virtualServers.push({ vs, quorumUp: live.quorumUp(name) });
  }
  return out;
}

/** At stop: the virtual servers with omega, and their live real servers. */
export function goneAtStop(vss: readonly VirtualServer[], live: LiveState): GoneServers {
  const out: GoneServers = { realServers: [], virtualServers: [] };
  for (const vs of vss) {
    if (!vs.omega) continue;
    const name = virtualServerName(vs);
    for (const rs of vs.realServers) if (live.alive(name, realServerName(rs))) out.realServers.push({ vs, rs });
    out.virtualServers.push({ vs, quorumUp: live.quorumUp(name) });
  }
  return out;
}
