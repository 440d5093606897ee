// keepalived's vrrp_instance `promote_secondaries` (vrrp_if_config.c
// set_promote_secondaries / reset_promote_secondaries): the kernel deletes every
// secondary IPv4 address of a subnet with its primary one unless
// net.ipv4.conf.<if>.promote_secondaries is 1, when one of them takes its place.
// A VIP that is the first address of its subnet on the interface is that primary:
// removing it (BACKUP, FAULT, stop) would take other addresses of the subnet along.
// While an instance asking for it runs, the interface's knob is 1; keepalived
// counts the instances per interface, leaves a knob that was already 1 alone, and
// puts 0 back when the last one stops only if it was the one that set it.
import { errorText } from "../error-text.ts";
import { procSysctl, type Sysctl } from "../sys/sysctl.ts";

interface Use {
  users: number;
  /** we wrote the 1, so the last user writes 0 back */
  restore: boolean;
}

const uses = new Map<string, Use>();
const knob = (ifname: string) => `net/ipv4/conf/${ifname}/promote_secondaries`;

/** One more instance on `ifname` needs promote_secondaries; sets it if it is not on yet. */
export function holdPromoteSecondaries(ifname: string, warn: (msg: string) => void, sys: Sysctl = procSysctl): void {
  const u = uses.get(ifname);
  if (u) {
    u.users++;
    return;
  }
  const was = sys.read(knob(ifname));
  let restore = false;
  if (was !== "1") {
    try {
      sys.write(knob(ifname), "1");
      restore = true;
    } catch (e) {
      // keepalived logs and runs on: the instance still works, a primary VIP's removal may take secondaries along
      warn(`promote_secondaries: cannot set net.ipv4.conf.${ifname}.promote_secondaries = 1: ${errorText(e)}`);
    }
  }
  uses.set(ifname, { users: 1, restore });
}

/** An instance on `ifname` that needed it stopped; the last one puts back the 0 it found. */
export function releasePromoteSecondaries(ifname: string, warn: (msg: string) => void, sys: Sysctl = procSysctl): void {
  const u = uses.get(ifname);
  if (!u || --u.users > 0) return;
  uses.delete(ifname);
  if (!u.restore) return;
  try {
    sys.write(knob(ifname), "0");
  } catch (e) {
    // the interface may be gone already: nothing left to restore
    warn(`promote_secondaries: cannot put net.ipv4.conf.${ifname}.promote_secondaries back to 0: ${errorText(e)}`);
  }
}

/** Interfaces whose knob instances hold now, with their user counts (status and tests). */
export function promoteSecondariesHeld(): Map<string, number> {
  return new Map([...uses].map(([k, v]) => [k, v.users]));
}
