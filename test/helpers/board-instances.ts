// The three VRRP instances every router of a board lab runs (test/board/lab-x64 and
// lab-arm64): VRRPv2 with auth_type PASS (RFC 3768), VRRPv3 over IPv4 and over IPv6
// (RFC 5798), on three consecutive VRIDs, each with one VIP numbered after its VRID
// so two labs' instances never meet.
import type { InstanceSpec } from "./keepalived.ts";

export interface BoardInstance {
  name: string;
  vrid: number;
  version: 2 | 3;
  authPass?: string;
  vip: string;
}

/** The instances on VRIDs firstVrid..firstVrid+2, VIPs 198.18.0.<100+VRID> and fd00:198:18::<100+VRID>. */
export function boardInstances(firstVrid: number): BoardInstance[] {
  const [v2, v3, v6] = [firstVrid, firstVrid + 1, firstVrid + 2];
  return [
    { name: "V2_PASS", vrid: v2, version: 2, authPass: "s3cr3t", vip: `198.18.0.${100 + v2}` },
    { name: "V3_IPV4", vrid: v3, version: 3, vip: `198.18.0.${100 + v3}` },
    { name: "V3_IPV6", vrid: v6, version: 3, vip: `fd00:198:18::${100 + v6}` },
  ];
}

/** keepalived.conf instances for `list` at priority `prio`: advert_int 1, no GARP delay. */
export function boardInstanceSpecs(list: BoardInstance[], prio: number): InstanceSpec[] {
  return list.map((i) => ({ name: i.name, vrid: i.vrid, priority: prio, advertInt: 1, version: i.version, authPass: i.authPass, vips: [i.vip], garpMasterDelay: 0 }));
}

/** keepalived's last state of each named instance, from its log ("(NAME) Entering X STATE"). */
export function keepalivedStatesIn(log: string, names: string[]): Record<string, string | undefined> {
  return Object.fromEntries(names.map((n) => [n, [...log.matchAll(new RegExp(`\\(${n}\\) Entering (MASTER|BACKUP|FAULT) STATE`, "g"))].at(-1)?.[1]]));
}
