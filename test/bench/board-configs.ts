// The configurations board.bench.ts runs, as keepalived.conf text (vigil and
// keepalived read the same file): one VRRPv3 instance; the address owner used
// for the start-up timing; and a gateway's fuller load, 50 instances plus a
// vigil_fleet block and 100 HTTP_GET checkers.
import { keepalivedConf, type InstanceSpec, type RouterSpec } from "../helpers/keepalived.ts";

/** advert_int 1 s, the keepalived default: what a board runs when nobody tunes it. */
const ADVERT_INT_S = 1;

export function instances(n: number, priority: number): InstanceSpec[] {
  if (!(n >= 1 && n <= 200)) throw new Error(`instances: n must be 1..200, got ${n}`);
  return Array.from({ length: n }, (_, k) => ({
    vrid: k + 1, priority, advertInt: ADVERT_INT_S, version: 3, vips: [`198.18.1.${k + 1}`], garpMasterDelay: 0,
  }));
}

/** n VRRPv3 instances at priority 150: alone in the lab, each becomes MASTER after Master_Down_Interval. */
export function vrrpSpec(n: number): RouterSpec {
  return { routerId: "r1", instances: instances(n, 150) };
}

/**
 * One instance at priority 255: the address owner, which RFC 5798 §6.4.1 sends an
 * advert at once on start-up instead of waiting Master_Down_Interval as a backup does.
 * `state MASTER` is how keepalived is told so: keepalived 2.2.7 given `state BACKUP`
 * with priority 255 waits Master_Down_Interval first (vigil starts an owner as MASTER
 * either way).
 */
export function ownerConf(state: "MASTER" | "BACKUP"): string {
  const text = keepalivedConf({ routerId: "r1", instances: instances(1, 255) });
  if (!text.includes("  state BACKUP\n")) throw new Error("ownerConf: keepalivedConf no longer writes 'state BACKUP'");
  return text.replace("  state BACKUP\n", `  state ${state}\n`);
}

export interface FleetCheckersOptions {
  instances: number;
  /** mqtt://host:port of the broker */
  broker: string;
  fleet: string;
  node: string;
  /** Ed25519 public key file (signed config push enabled, as on a managed board) */
  trustKey: string;
  stateDir: string;
  /** address and ports of the HTTP real servers; one HTTP_GET checker per port */
  realServer: string;
  ports: number[];
  /** real servers per virtual_server */
  perVirtualServer: number;
  delayLoopS: number;
}

/**
 * `instances` VRRP instances, a vigil_fleet block, and one HTTP_GET checker per
 * port spread over virtual servers on the instances' VIPs.
 */
export function fleetCheckersConf(o: FleetCheckersOptions): string {
  if (o.ports.length === 0 || o.perVirtualServer < 1) throw new Error("fleetCheckersConf: needs ports and perVirtualServer ≥ 1");
  const L = [keepalivedConf(vrrpSpec(o.instances)).trimEnd(), ""];
  L.push("vigil_fleet {", `  broker ${o.broker}`, `  fleet ${o.fleet}`, `  node ${o.node}`, `  trust_key ${o.trustKey}`, `  state_dir ${o.stateDir}`, "}", "");
  for (let v = 0; v * o.perVirtualServer < o.ports.length; v++) {
    L.push(`virtual_server 198.18.1.${(v % o.instances) + 1} ${80 + Math.floor(v / o.instances)} {`,
      `  delay_loop ${o.delayLoopS}`, "  lb_algo rr", "  lb_kind NAT", "  protocol TCP");
    for (const port of o.ports.slice(v * o.perVirtualServer, (v + 1) * o.perVirtualServer)) {
      L.push(`  real_server ${o.realServer} ${port} {`, "    weight 1", "    HTTP_GET {",
        "      url {", "        path /", "        status_code 200", "      }", "      connect_timeout 2", "    }", "  }");
    }
    L.push("}", "");
  }
  return L.join("\n");
}
