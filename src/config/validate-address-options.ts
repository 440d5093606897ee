// Semantic rules of keepalived 2.2.7's address flags on virtual_ipaddress(_excluded)
// and static_ipaddress entries (home, -nodad, mngtmpaddr, noprefixroute, autojoin,
// preferred_lft, peer). Pure: config in, findings out (validate.ts merges them).
import { ipFamily, isMulticast, parseIP } from "../net/ip-address.ts";
import type { FieldPath } from "./diagnostics.ts";
import type { Config, VirtualIpAddress } from "./model.ts";
import type { Finding } from "./validate.ts";

/** flags keepalived 2.2.7 only puts on IPv6 addresses (measured: `ip -d addr` shows none of them on its IPv4 VIPs) */
const IPV6_ONLY = [["home", "home"], ["dad", "-nodad"], ["mngtmpaddr", "mngtmpaddr"], ["preferredLft", "preferred_lft"]] as const;

export function validateAddressOptions(cfg: Config): Finding[] {
  const out: Finding[] = [];
  const check = (v: VirtualIpAddress, path: FieldPath) => {
    const fam = ipFamily(v.address);
    if (fam === 4) {
      for (const [key, word] of IPV6_ONLY) {
        if (v[key] !== undefined && v[key] !== false) {
          out.push({ severity: "warning", path: [...path, key], message: `'${word}' is for IPv6 addresses: keepalived 2.2.7 leaves it off ${v.address}, and so does vigil` });
        }
      }
    }
    if (v.peer !== undefined) checkPeer(v, path, out);
    // the kernel's inet_rtm_newaddr / inet6_rtm_newaddr join the group of IFA_F_MCAUTOJOIN addresses and answer EINVAL for a unicast one
    if (v.autojoin && fam !== 0 && !isMulticast(parseIP(v.address).bytes)) {
      out.push({ severity: "warning", path: [...path, "autojoin"], message: `'autojoin' is for multicast addresses: the kernel refuses to add ${v.address} with it (EINVAL), as it does under keepalived` });
    }
  };
  // every VIP of a config comes through here: plain loops, and a VIP without any of
  // these options costs no path and no call (test/bench/config-check-phases.ts)
  for (let i = 0; i < cfg.instances.length; i++) {
    for (const list of ["virtualIpaddress", "virtualIpaddressExcluded"] as const) {
      const vips = cfg.instances[i]![list];
      for (let k = 0; k < vips.length; k++) if (hasOptions(vips[k]!)) check(vips[k]!, ["instances", i, list, k]);
    }
  }
  cfg.staticIpaddress.forEach((v, k) => {
    check(v, ["staticIpaddress", k]);
    // keepalived 2.2.7 reads it there without a word; no instance tracks a static address's interface
    if (v.noTrack) out.push({ severity: "warning", path: ["staticIpaddress", k, "noTrack"], message: "'no_track' does nothing on a static_ipaddress entry: only a vrrp_instance tracks its VIPs' interfaces" });
  });
  return out;
}

/** Whether check() could find anything about `v`: an IPv6-only flag, a peer or autojoin. */
function hasOptions(v: VirtualIpAddress): boolean {
  if (v.peer !== undefined || v.autojoin) return true;
  for (let j = 0; j < IPV6_ONLY.length; j++) {
    const key = IPV6_ONLY[j]![0];
    if (v[key] !== undefined && v[key] !== false) return true;
  }
  return false;
}

/**
 * keepalived `peer`: IFA_ADDRESS of the other family than IFA_LOCAL is one the kernel
 * refuses (EINVAL); keepalived 2.2.7 sets the prefix to the peer's 32 / 128, so an
 * address with a peer has no prefix of its own (`ip addr` shows ADDR peer PEER/32).
 */
function checkPeer(v: VirtualIpAddress, path: FieldPath, out: Finding[]): void {
  const fam = ipFamily(v.address);
  const peerFam = ipFamily(v.peer!);
  if (fam !== 0 && peerFam !== fam) {
    out.push({ severity: "error", path: [...path, "peer"], message: `peer ${v.peer} is not of ${v.address}'s address family (IPv${fam})` });
    return;
  }
  const host = fam === 6 ? 128 : 32;
  if (fam !== 0 && v.prefix !== host) {
    out.push({ severity: "error", path: [...path, "prefix"], message: `${v.address}/${v.prefix} has a peer: its prefix must be ${host} (the kernel's prefix belongs to the peer; keepalived 2.2.7 replaces any other)` });
  }
}
