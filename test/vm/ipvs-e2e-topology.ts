// Addresses and IPVS tables of the end-to-end test (198.18.0.0/15 only).
//   segment 198.18.10.0/24: director (VM) .1, client .100, rs1 .11, rs2 .12, sorry .13
//   segment 198.18.20.0/24 on the same bridge: director .1, client .100
// NAT VIP 198.18.20.200: real servers route back through the director, whose
// address on their segment is their default gateway, while the client reaches the
// VIP from the other subnet, so replies must be de-NATed on the director.
// DR VIP 198.18.10.201: on the director's eth0 and on each real server's lo
// (arp_ignore=1, arp_announce=2), replies go straight to the client.
import type { IpvsService } from "../../src/lvs/ipvs-model.ts";

export const DIRECTOR = "198.18.10.1";
export const DIRECTOR2 = "198.18.20.1";
export const CLIENT = "198.18.10.100";
export const CLIENT2 = "198.18.20.100";
export const RS1 = "198.18.10.11";
export const RS2 = "198.18.10.12";
export const SORRY = "198.18.10.13";
export const VIP_NAT = "198.18.20.200";
export const VIP_DR = "198.18.10.201";

const nat = (dests: string[]): IpvsService => ({
  family: 4, protocol: "tcp", address: VIP_NAT, port: 80, fwmark: 0, scheduler: "rr", persistenceTimeout: 0, persistenceNetmask: "", flags: [],
  dests: dests.map((address) => ({ address, port: 8080, forward: "masq", weight: 1, upperThreshold: 0, lowerThreshold: 0 })),
});
const dr = (dests: string[]): IpvsService => ({
  family: 4, protocol: "tcp", address: VIP_DR, port: 80, fwmark: 0, scheduler: "rr", persistenceTimeout: 0, persistenceNetmask: "", flags: [],
  dests: dests.map((address) => ({ address, port: 80, forward: "route", weight: 1, upperThreshold: 0, lowerThreshold: 0 })),
});

/** Applied in this order; the host triggers each after the first. */
export const E2E_PHASES: Record<string, IpvsService[]> = {
  initial: [nat([RS1, RS2]), dr([RS1, RS2])],
  "rs1-down": [nat([RS2]), dr([RS2])],
  // every real server down: the sorry server takes the NAT service (keepalived's sorry_server)
  "all-down": [nat([SORRY]), dr([])],
  recovered: [nat([RS1, RS2]), dr([RS1, RS2])],
};
