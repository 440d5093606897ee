// The virtual router MAC address (RFC 5798 §7.3): 00-00-5E-00-01-{VRID} for
// IPv4, 00-00-5E-00-02-{VRID} for IPv6; use_vmac gives it to a macvlan.

/** The virtual router MAC of `vrid` as text; throws RangeError outside 1-255 (§5.2.3). */
export function vrrpMac(vrid: number, family: 4 | 6): string {
  if (!Number.isInteger(vrid) || vrid < 1 || vrid > 255) throw new RangeError(`VRID ${vrid} outside 1-255 (RFC 5798 §5.2.3)`);
  return `00:00:5e:00:0${family === 4 ? 1 : 2}:${vrid.toString(16).padStart(2, "0")}`;
}
