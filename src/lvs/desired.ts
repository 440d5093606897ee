// Desired IPVS table from the virtual-server states: pure, recomputed whole on
// every change (a few hundred dests at most per service), and diffed against
// the kernel by the reconcile core.
import type { IpvsDest, IpvsForward, IpvsService } from "./ipvs-model.ts";
import type { LbKind, VirtualServerConfig } from "./desired-config.ts";
import type { VirtualServerView } from "./rs-state.ts";

const FORWARD: Record<LbKind, IpvsForward> = { NAT: "masq", DR: "route", TUN: "tunnel" };

export function forwardOf(kind: LbKind): IpvsForward {
  const f = FORWARD[kind];
  if (!f) throw new Error(`unknown lb_kind '${kind}' (expected NAT, DR or TUN)`);
  return f;
}

function familyOf(vs: VirtualServerConfig): 4 | 6 {
  if (vs.family) return vs.family;
  return vs.address.includes(":") ? 6 : 4;
}

/**
 * Builds the service with its dests:
 *  - live real server, quorum held (or no sorry server): present at its weight;
 *  - failed real server: absent, or weight 0 with inhibit_on_failure;
 *  - live real server while the sorry server serves: treated as failed
 *    (keepalived perform_quorum_state removes it);
 *  - sorry server: present while quorum is lost; at weight 0 while quorum
 *    holds if sorry_server_inhibit, else absent.
 */
export function desiredService(vs: VirtualServerConfig, state: VirtualServerView): IpvsService {
  const family = familyOf(vs);
  const sorry = vs.sorryServer;
  const sorryServing = sorry !== undefined && !state.quorumUp;
  const dests: IpvsDest[] = [];
  const seen = new Set<string>();
  vs.realServers.forEach((rs, i) => {
    const active = state.alive(i) && !sorryServing;
    const inhibit = rs.inhibitOnFailure ?? vs.inhibitOnFailure ?? false;
    if (!active && !inhibit) return;
    seen.add(`${rs.address}|${rs.port}`);
    dests.push({
      address: rs.address,
      port: rs.port,
      forward: forwardOf(rs.lbKind ?? vs.lbKind),
      weight: active ? state.weight(i) : 0,
      upperThreshold: rs.upperThreshold ?? 0,
      lowerThreshold: rs.lowerThreshold ?? 0,
    });
  });
  if (sorry && (sorryServing || vs.sorryServerInhibit) && !seen.has(`${sorry.address}|${sorry.port}`)) {
    dests.push({
      address: sorry.address,
      port: sorry.port,
      forward: forwardOf(sorry.lbKind ?? vs.lbKind),
      weight: sorryServing ? (sorry.weight ?? 1) : 0,
      upperThreshold: 0,
      lowerThreshold: 0,
    });
  }
  const fwmark = vs.fwmark ?? 0;
  return {
    family,
    protocol: vs.protocol,
    address: fwmark ? "" : vs.address,
    port: fwmark ? 0 : vs.port,
    fwmark,
    scheduler: vs.lbAlgo,
    // IPVS keeps persistence in whole seconds; round up so a configured value never shrinks
    persistenceTimeout: vs.persistenceTimeoutMs ? Math.ceil(vs.persistenceTimeoutMs / 1000) : 0,
    persistenceNetmask: vs.persistenceGranularity ?? (family === 6 ? "128" : "255.255.255.255"),
    flags: vs.schedulerFlags ? [...vs.schedulerFlags] : [],
    dests,
  };
}

export function desiredTable(items: { vs: VirtualServerConfig; state: VirtualServerView }[]): IpvsService[] {
  return items.map(({ vs, state }) => desiredService(vs, state));
}
