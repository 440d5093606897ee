// Desired IPVS table from the virtual-server states: pure, recomputed whole on
// every change (a few hundred dests at most per service), and diffed against
// the kernel by the reconcile core.
import type { LbKind, VirtualServer } from "../config/model.ts";
import type { IpvsDest, IpvsForward, IpvsProtocol, IpvsService } from "./ipvs-model.ts";
import type { VirtualServerView } from "./rs-state.ts";

const FORWARD: Record<LbKind, IpvsForward> = { NAT: "masq", DR: "route", TUN: "tunnel" };
const PROTOCOL: Record<VirtualServer["protocol"], IpvsProtocol> = { TCP: "tcp", UDP: "udp", SCTP: "sctp" };

export function forwardOf(kind: LbKind): IpvsForward {
  const f = FORWARD[kind];
  if (!f) throw new Error(`unknown lb_kind '${kind}' (expected NAT, DR or TUN)`);
  return f;
}

function familyOf(vs: VirtualServer): 4 | 6 {
  // a fwmark service takes the family of its real servers
  const probe = vs.ip ?? vs.realServers[0]?.ip ?? vs.sorryServer?.ip ?? "";
  return probe.includes(":") ? 6 : 4;
}

/**
 * Builds the service with its dests:
 *  - live real server, quorum held (or no sorry server): present at its weight;
 *  - failed real server: absent, or weight 0 with inhibit_on_failure;
 *  - live real server while the sorry server serves: treated as failed
 *    (keepalived perform_quorum_state removes it);
 *  - sorry server (weight 1): present while quorum is lost; at weight 0 while
 *    quorum holds if sorry_server_inhibit, else absent.
 * Real servers without a port (fwmark services) get port 0: the client's.
 */
export function desiredService(vs: VirtualServer, state: VirtualServerView): IpvsService {
  const family = familyOf(vs);
  const sorry = vs.sorryServer;
  const sorryServing = sorry !== undefined && !state.quorumUp;
  const forward = forwardOf(vs.lbKind);
  const dests: IpvsDest[] = [];
  const seen = new Set<string>();
  vs.realServers.forEach((rs, i) => {
    const active = state.alive(i) && !sorryServing;
    const inhibit = rs.inhibitOnFailure ?? vs.inhibitOnFailure;
    if (!active && !inhibit) return;
    const port = rs.port ?? 0;
    seen.add(`${rs.ip}|${port}`);
    dests.push({
      address: rs.ip,
      port,
      forward,
      weight: active ? state.weight(i) : 0,
      upperThreshold: rs.uthreshold ?? 0,
      lowerThreshold: rs.lthreshold ?? 0,
    });
  });
  const sorryPort = sorry ? sorry.port ?? vs.port ?? 0 : 0;
  if (sorry && (sorryServing || vs.sorryServerInhibit) && !seen.has(`${sorry.ip}|${sorryPort}`)) {
    dests.push({ address: sorry.ip, port: sorryPort, forward, weight: sorryServing ? 1 : 0, upperThreshold: 0, lowerThreshold: 0 });
  }
  const fwmark = vs.fwmark ?? 0;
  const protocol = PROTOCOL[vs.protocol];
  if (!protocol) throw new Error(`unknown protocol '${vs.protocol}' (expected TCP, UDP or SCTP)`);
  return {
    family,
    protocol,
    address: fwmark ? "" : vs.ip ?? "",
    port: fwmark ? 0 : vs.port ?? 0,
    fwmark,
    scheduler: vs.lbAlgo,
    // IPVS keeps persistence in whole seconds; round up so a configured value never shrinks
    persistenceTimeout: vs.persistenceTimeoutMs ? Math.ceil(vs.persistenceTimeoutMs / 1000) : 0,
    persistenceNetmask: vs.persistenceGranularity ?? (family === 6 ? "128" : "255.255.255.255"),
    flags: [],
    dests,
  };
}

export function desiredTable(items: { vs: VirtualServer; state: VirtualServerView }[]): IpvsService[] {
  return items.map(({ vs, state }) => desiredService(vs, state));
}
