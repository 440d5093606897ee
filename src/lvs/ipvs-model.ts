// The IPVS table as vigil wants it and as the kernel reports it. Shared by the
// desired-state computation (checkers → table), the pure reconcile (diff → ops)
// and the generic-netlink adapter (ops → kernel). Plain data only.

export type IpvsProtocol = "tcp" | "udp" | "sctp";
export type IpvsForward = "masq" | "route" | "tunnel"; // keepalived lb_kind NAT | DR | TUN
export type IpvsScheduler =
  | "rr" | "wrr" | "lc" | "wlc" | "lblc" | "lblcr" | "dh" | "sh" | "sed" | "nq" | "mh" | "fo" | "ovf";

/** A service is keyed by (family, protocol, address, port) or by (family, fwmark). */
export interface IpvsServiceKey {
  family: 4 | 6;
  protocol: IpvsProtocol;   // ignored for fwmark services (kernel stores 0)
  address: string;          // "" for fwmark services
  port: number;             // 0 for fwmark services
  fwmark: number;           // 0 for address services
}

export interface IpvsService extends IpvsServiceKey {
  scheduler: IpvsScheduler;
  /** persistence timeout in seconds; 0 = not persistent */
  persistenceTimeout: number;
  /** persistence netmask: IPv4 dotted mask or IPv6 prefix length (as keepalived's persistence_granularity) */
  persistenceNetmask: string;
  /** scheduler flags (sh-fallback, sh-port, mh-fallback, mh-port) */
  flags: string[];
  dests: IpvsDest[];
}

export interface IpvsDest {
  address: string;
  port: number;
  forward: IpvsForward;
  weight: number;
  upperThreshold: number;
  lowerThreshold: number;
}

export function serviceKeyString(k: IpvsServiceKey): string {
  return k.fwmark ? `fwm:${k.family}:${k.fwmark}` : `${k.protocol}:${k.family === 6 ? `[${k.address}]` : k.address}:${k.port}`;
}

export function destKeyString(d: Pick<IpvsDest, "address" | "port">): string {
  return d.address.includes(":") ? `[${d.address}]:${d.port}` : `${d.address}:${d.port}`;
}
