// Desired IPVS table from the virtual-server states: pure, recomputed whole on
// every change (a few hundred dests at most per service), and diffed against
// the kernel by the reconcile core. A virtual_server group NAME becomes one
// service per member of the group (every address of a range, every fwmark),
// each with the same dests (keepalived ipvswrapper.c ipvs_group_range_cmd), so
// a member added or removed is a service added or removed and nothing else.
import { LvsConfigError } from "./errors.ts";
import type { LbKind, VirtualServer, VirtualServerGroup } from "../config/model.ts";
import { rangeAddresses } from "../config/vsg-range.ts";
import type { IpvsDest, IpvsForward, IpvsProtocol, IpvsService } from "./ipvs-model.ts";
import type { VirtualServerView } from "./rs-state.ts";

const FORWARD: Record<LbKind, IpvsForward> = { NAT: "masq", DR: "route", TUN: "tunnel" };
const PROTOCOL: Record<VirtualServer["protocol"], IpvsProtocol> = { TCP: "tcp", UDP: "udp", SCTP: "sctp" };

export function forwardOf(kind: LbKind): IpvsForward {
  const f = FORWARD[kind];
  if (!f) throw new LvsConfigError(`unknown lb_kind '${kind}' (expected NAT, DR or TUN)`);
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
  if (vs.group !== undefined) throw new LvsConfigError(`virtual_server group ${vs.group} is several services: use desiredServices`);
  const family = familyOf(vs);
  return service(vs, state, { family, address: vs.fwmark ? "" : vs.ip ?? "", port: vs.fwmark ? 0 : vs.port ?? 0, fwmark: vs.fwmark ?? 0 }, false);
}

interface Member {
  family: 4 | 6;
  address: string;
  port: number;
  fwmark: number;
}

/** The service of one member (the whole virtual server unless it is a group). */
function service(vs: VirtualServer, state: VirtualServerView, m: Member, groupMember: boolean): IpvsService {
  const sorry = vs.sorryServer;
  const sorryServing = sorry !== undefined && !state.quorumUp;
  const forward = forwardOf(vs.lbKind);
  // a group may hold both families; IPVS forwards between families only through tunnels
  const fits = (ip: string) => !groupMember || forward === "tunnel" || (ip.includes(":") ? 6 : 4) === m.family;
  const dests: IpvsDest[] = [];
  const seen = new Set<string>();
  vs.realServers.forEach((rs, i) => {
    if (!fits(rs.ip)) return;
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
  const sorryPort = sorry ? sorry.port ?? (m.fwmark ? 0 : m.port) : 0;
  if (sorry && fits(sorry.ip) && (sorryServing || vs.sorryServerInhibit) && !seen.has(`${sorry.ip}|${sorryPort}`)) {
    dests.push({ address: sorry.ip, port: sorryPort, forward, weight: sorryServing ? 1 : 0, upperThreshold: 0, lowerThreshold: 0 });
  }
  const protocol = PROTOCOL[vs.protocol];
  if (!protocol) throw new LvsConfigError(`unknown protocol '${vs.protocol}' (expected TCP, UDP or SCTP)`);
  return {
    family: m.family,
    protocol,
    address: m.address,
    port: m.port,
    fwmark: m.fwmark,
    scheduler: vs.lbAlgo,
    // IPVS keeps persistence in whole seconds; round up so a configured value never shrinks
    persistenceTimeout: vs.persistenceTimeoutMs ? Math.ceil(vs.persistenceTimeoutMs / 1000) : 0,
    persistenceNetmask: netmask(vs.persistenceGranularity, m.family, groupMember),
    flags: [],
    dests,
  };
}

/**
 * persistence_granularity is an IPv4 netmask or an IPv6 prefix length; a group
 * member of the other family gets the host mask (a mixed group cannot use one
 * granularity for both).
 */
function netmask(g: string | undefined, family: 4 | 6, groupMember: boolean): string {
  const host = family === 6 ? "128" : "255.255.255.255";
  if (g === undefined) return host;
  if (!groupMember) return g;
  return (family === 6) === !g.includes(".") ? g : host;
}

/** Every IPVS service of a virtual server: one, or one per member of its group (none when the group is unknown). */
export function desiredServices(vs: VirtualServer, state: VirtualServerView, groups: ReadonlyMap<string, VirtualServerGroup>): IpvsService[] {
  if (vs.group === undefined) return [desiredService(vs, state)];
  const g = groups.get(vs.group);
  if (!g) return [];
  const out: IpvsService[] = [];
  for (const a of g.addresses) {
    for (const address of rangeAddresses(a)) {
      out.push(service(vs, state, { family: address.includes(":") ? 6 : 4, address, port: a.port ?? 0, fwmark: 0 }, true));
    }
  }
  for (const f of g.fwmarks) {
    const family = f.family === "inet6" ? 6 : f.family === "inet" ? 4 : familyOf(vs);
    out.push(service(vs, state, { family, address: "", port: 0, fwmark: f.fwmark }, true));
  }
  return out;
}

export function desiredTable(
  items: { vs: VirtualServer; state: VirtualServerView }[],
  groups: ReadonlyMap<string, VirtualServerGroup> = new Map(),
): IpvsService[] {
  return items.flatMap(({ vs, state }) => desiredServices(vs, state, groups));
}
