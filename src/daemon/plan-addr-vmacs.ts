// keepalived's vrrp_instance `use_vmac_addr` (2.2.7 vrrp.c vrrp_complete_instance):
// a VIP or eVIP on another interface than the instance's (`dev`), or of the other
// address family (or any VIP with its own `use_vmac` flag), gets a vmac of its own: a private macvlan on that interface
// with the virtual router MAC of the VIP's family (RFC 5798 §7.3), one per
// interface and family, so that address too keeps one MAC across failovers.
// keepalived names them as create_vmac_name does: vrrp.VRID, else (IPv6 first
// tries vrrp6.VRID) vrrp1.VRID, vrrp2.VRID, ... Pure: which VIPs go where, and the names.
import type { VrrpInstance } from "../config/model.ts";
import { vrrpMac } from "../vrrp/virtual-mac.ts";
import type { VipPlan, VmacPlan } from "./plan.ts";

/** IFNAMSIZ - 1: the longest interface name */
const IFNAME_MAX = 15;

/**
 * The base interface of the address vmac a VIP goes on, or undefined when it stays
 * where it is. use_vmac_addr moves a VIP whose interface (`dev`) or family is not
 * the instance's; the address's own `use_vmac` moves it in any case, except onto
 * the instance's own vmac's ground (its interface and family under use_vmac: that
 * vmac carries it; keepalived: "use_vmac specified for VIP/eVIP and vrrp instance").
 */
export function addrVmacBase(inst: VrrpInstance, family: 4 | 6, dev: string, vfam: 4 | 6, useVmac = false): string | undefined {
  const elsewhere = dev !== inst.interface || vfam !== family;
  if (useVmac) return elsewhere || inst.useVmac === undefined ? dev : undefined;
  return inst.useVmacAddr && elsewhere ? dev : undefined;
}

/** keepalived create_vmac_name: the first of vrrp.VRID, [vrrp6.VRID for IPv6,] vrrp1.VRID, vrrp2.VRID, ... not taken. */
export function addrVmacName(vrid: number, family: 4 | 6, taken: ReadonlySet<string>): string {
  const candidates = [`vrrp.${vrid}`, ...(family === 6 ? [`vrrp6.${vrid}`] : [])];
  for (let n = 1; n < 100; n++) if (n !== 6 || family === 4) candidates.push(`vrrp${n}.${vrid}`);
  const name = candidates.find((c) => !taken.has(c) && c.length <= IFNAME_MAX);
  if (!name) throw new Error(`use_vmac_addr: no free vmac name for VRID ${vrid}`);
  return name;
}

/**
 * The address vmacs of one instance: VIPs marked with their base (`vmacOf` holding
 * "BASE/FAMILY" as addVip left it) get the vmac's name as `vmacOf` and `dev`, one
 * vmac per base interface and family. `taken` holds every vmac name already given
 * (other instances', this one's use_vmac) and receives these.
 */
export function assignAddrVmacs(vrid: number, vips: VipPlan[], taken: Set<string>): VmacPlan[] {
  const byKey = new Map<string, VmacPlan>();
  for (const v of vips) {
    if (v.vmacOf === undefined) continue;
    let plan = byKey.get(v.vmacOf);
    if (!plan) {
      const name = addrVmacName(vrid, v.family, taken);
      taken.add(name);
      plan = {
        name, mac: vrrpMac(vrid, v.family), parent: 0, parentName: v.dev, family: v.family,
        // no adverts leave from it; an IPv4 one keeps IPv6 off unless it carries IPv6 VIPs (never: one family each)
        xmitBase: true, ipv6Vips: v.family === 6,
      };
      byKey.set(v.vmacOf, plan);
    }
    v.vmacOf = plan.name;
    v.dev = plan.name;
  }
  return [...byKey.values()];
}
