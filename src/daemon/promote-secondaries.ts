// keepalived's vrrp_instance `promote_secondaries` (vrrp_if_config.c
// set_promote_secondaries / reset_promote_secondaries): the kernel deletes every
// secondary IPv4 address of a subnet with its primary one unless
// net.ipv4.conf.<if>.promote_secondaries is 1, when one of them takes its place.
// A VIP that is the first address of its subnet on the interface is that primary:
// removing it (BACKUP, FAULT, stop) would take other addresses of the subnet along.
// While an instance asking for it runs, the interface's knob is 1; the instances are
// counted per interface, a knob that was already 1 is left alone, and the last one
// to stop puts back the value the first one found (counted-sysctl.ts has the rules).
import type { Sysctl } from "../sys/sysctl.ts";
import { CountedSysctl } from "./counted-sysctl.ts";

const knobs = new CountedSysctl("promote_secondaries");
const knob = (ifname: string) => `net/ipv4/conf/${ifname}/promote_secondaries`;

/** One more instance on `ifname` needs promote_secondaries; sets it if it is not on yet. */
export function holdPromoteSecondaries(ifname: string, warn: (msg: string) => void, sys?: Sysctl): void {
  // keepalived logs a knob it cannot set and runs on: a primary VIP's removal may then take secondaries along
  knobs.hold(knob(ifname), "1", warn, sys);
}

/** An instance on `ifname` that needed it stopped; the last one puts back what the first one found. */
export function releasePromoteSecondaries(ifname: string, warn: (msg: string) => void, sys?: Sysctl): void {
  knobs.release(knob(ifname), warn, sys);
}

/** Interfaces whose knob instances hold now, with their user counts (status and tests). */
export function promoteSecondariesHeld(): Map<string, number> {
  return new Map([...knobs.held()].map(([path, users]) => [path.split("/")[3]!, users]));
}
