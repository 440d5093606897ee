// Semantic rules of the vrrp_instance keywords read by kc-instance-extras.ts
// (old_unicast_checksum, track_src_ip, promote_secondaries, use_vmac_addr). Pure: config in, findings out (validate.ts merges them).
import type { FieldPath } from "./diagnostics.ts";
import { ipFamily } from "../net/ip-address.ts";
import { instanceFamily, instanceVersion, type Config } from "./model.ts";
import type { Finding } from "./validate.ts";

export function validateInstanceExtras(cfg: Config): Finding[] {
  const out: Finding[] = [];
  const warn = (path: FieldPath, message: string) => out.push({ severity: "warning", path, message });
  // the kernel keeps one ipvlan mode and type per parent interface (its ipvlan port):
  // an ipvlan of another type on the same interface changes the earlier ones' too
  const ipvlanType = new Map<string, string>();
  cfg.instances.forEach((inst, i) => {
    if (inst.useIpvlan === undefined || inst.useVmac !== undefined) return;
    const type = inst.useIpvlan.type ?? "bridge";
    const first = ipvlanType.get(inst.interface);
    if (first === undefined) ipvlanType.set(inst.interface, type);
    else if (first !== type) warn(["instances", i, "useIpvlan"], `use_ipvlan ${type} on ${inst.interface}, where another instance's ipvlan is ${first}: the kernel keeps one type per interface, so the ipvlan created last sets it for all of them`);
  });
  for (let i = 0; i < cfg.instances.length; i++) {
    const inst = cfg.instances[i]!;
    const P = (...f: FieldPath): FieldPath => ["instances", i, ...f];
    // keepalived vrrp_complete_instance: "promote_secondaries is automatically set for vmacs - ignoring"
    // one interface carries the instance's VIPs: a vmac and an ipvlan cannot both
    if (inst.useIpvlan !== undefined && inst.useVmac !== undefined) warn(P("useIpvlan"), "use_ipvlan and use_vmac both set: the VIPs go on use_vmac's macvlan and no ipvlan is made");
    // keepalived vrrp_ipvlan_handler: "ipvlan address[...] MUST match vrrp instance family !!! Skipping..."
    const ipvAddr = inst.useIpvlan?.address;
    if (ipvAddr !== undefined && ipFamily(ipvAddr.split("/")[0]!) !== instanceFamily(inst)) {
      out.push({ severity: "error", path: P("useIpvlan"), message: `use_ipvlan address ${ipvAddr} is not of the instance's family (IPv${instanceFamily(inst)})` });
    }
    // keepalived 2.2.7 vrrp_complete_instance: "IPv4 ipvlan requires a source ip address to be configured. setting instance to fault state"
    if (inst.useIpvlan !== undefined && inst.useVmac === undefined && instanceFamily(inst) === 4 && inst.useIpvlan.address === undefined) {
      warn(P("useIpvlan"), "IPv4 use_ipvlan without an address: keepalived 2.2.7 holds such an instance in FAULT (mcast_src_ip does not help); vigil runs it");
    }
    if (inst.promoteSecondaries && inst.useVmac !== undefined) warn(P("promoteSecondaries"), "promote_secondaries is set on every vmac anyway (as keepalived says: ignored with use_vmac)");
    // use_vmac_addr places VIPs on other interfaces or of the other family; without one it does nothing
    if (inst.useVmacAddr) {
      const fam = instanceFamily(inst);
      const moved = [...inst.virtualIpaddress, ...inst.virtualIpaddressExcluded]
        .some((v) => (v.dev !== undefined && v.dev !== inst.interface) || (v.address.includes(":") ? 6 : 4) !== fam);
      if (!moved) warn(P("useVmacAddr"), "use_vmac_addr gives a vmac to VIPs on another interface (dev) or of the other address family; this instance has none, so it has no effect");
    }
    // keepalived vrrp_complete_instance on an address's own use_vmac
    const fam = instanceFamily(inst);
    for (const list of ["virtualIpaddress", "virtualIpaddressExcluded"] as const) {
      const vips = inst[list];
      for (let k = 0; k < vips.length; k++) {
        const v = vips[k]!;
        if (!v.useVmac) continue;
        const elsewhere = (v.dev !== undefined && v.dev !== inst.interface) || (v.address.includes(":") ? 6 : 4) !== fam;
        if (!elsewhere && inst.useVmac !== undefined) warn(P(list, k, "useVmac"), `use_vmac on ${v.address} and on the instance: the instance's vmac carries it (as keepalived)`);
        else if (elsewhere && inst.useVmacAddr) warn(P(list, k, "useVmac"), `use_vmac on ${v.address} repeats use_vmac_addr, which already gives it a vmac`);
      }
    }
    // keepalived vrrp_complete_instance: "Clear track_saddr if no saddr specified"
    if (inst.trackSrcIp && inst.srcIp === undefined) warn(P("trackSrcIp"), "track_src_ip follows the configured unicast_src_ip/mcast_src_ip; this instance has none, so it has no effect (as keepalived)");
    // keepalived computes the two checksums differently only for a VRRPv3 IPv4 unicast advert
    // (RFC 3768 §5.3.8: v2 has no pseudo-header; IPv6 checksums are the kernel's; multicast goes to the group)
    if (inst.oldUnicastChecksum !== undefined) {
      const why = inst.unicastPeer.length === 0 ? "it has no unicast_peer"
        : instanceFamily(inst) === 6 ? "it is IPv6 (the kernel computes IPv6 checksums)"
        : instanceVersion(cfg, inst) === 2 ? "VRRPv2's checksum has no pseudo-header (RFC 3768 §5.3.8)" : "";
      if (why) warn(P("oldUnicastChecksum"), `old_unicast_checksum changes only VRRPv3 IPv4 unicast adverts; ${why}, so it has no effect`);
    }
  }
  // keepalived 2.2.7: "Unknown configuration entry 'use_vmac' for ip address" on a static one
  cfg.staticIpaddress.forEach((v, k) => {
    if (v.useVmac) out.push({ severity: "error", path: ["staticIpaddress", k, "useVmac"], message: "use_vmac is for virtual addresses; a static_ipaddress entry cannot have it" });
  });
  return out;
}
