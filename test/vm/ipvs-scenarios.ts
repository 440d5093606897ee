// The IPVS tables the VM test applies, shared by the guest program (which
// applies them with vigil's client) and the host test (which checks that what
// ipvsadm reports inside the VM equals them). 198.18.0.0/15 and fd00::/8 only.
import type { IpvsDest, IpvsService } from "../../src/lvs/ipvs-model.ts";

const d = (address: string, port: number, forward: IpvsDest["forward"], weight: number, u = 0, l = 0): IpvsDest => ({
  address, port, forward, weight, upperThreshold: u, lowerThreshold: l,
});
const svc = (p: Partial<IpvsService> & Pick<IpvsService, "scheduler" | "dests">): IpvsService => ({
  family: 4, protocol: "tcp", address: "", port: 0, fwmark: 0, persistenceTimeout: 0, persistenceNetmask: "", flags: [], ...p,
});

/** A service someone else made with ipvsadm before vigil started: must survive every step. */
export const FOREIGN_IPVSADM = [
  "ipvsadm -A -t 198.18.0.99:80 -s rr",
  "ipvsadm -a -t 198.18.0.99:80 -r 198.18.1.99:80 -m -w 1",
];
export const FOREIGN: IpvsService = svc({
  address: "198.18.0.99", port: 80, scheduler: "rr", dests: [d("198.18.1.99", 80, "masq", 1)],
});

/** Every scheduler, protocol, family, fwmark, forward kind, persistence and flag at least once. */
export const INITIAL: IpvsService[] = [
  svc({ address: "198.18.0.10", port: 80, scheduler: "wrr", dests: [
    d("198.18.1.1", 8080, "masq", 3, 100, 10), d("198.18.1.2", 8080, "masq", 1), d("198.18.1.3", 8080, "masq", 2),
  ] }),
  svc({ address: "198.18.0.10", port: 443, scheduler: "lc", persistenceTimeout: 300, persistenceNetmask: "255.255.255.0", dests: [
    d("198.18.1.1", 443, "route", 1), d("198.18.1.2", 443, "route", 1),
  ] }),
  svc({ protocol: "udp", address: "198.18.0.10", port: 53, scheduler: "sh", flags: ["sh-port", "sh-fallback"], dests: [
    d("198.18.1.4", 53, "tunnel", 5),
  ] }),
  svc({ protocol: "sctp", address: "198.18.0.11", port: 3868, scheduler: "wlc", dests: [d("198.18.1.5", 3868, "masq", 1)] }),
  svc({ address: "198.18.0.12", port: 80, scheduler: "lblc", dests: [d("198.18.1.6", 80, "route", 1)] }),
  svc({ address: "198.18.0.12", port: 81, scheduler: "lblcr", dests: [d("198.18.1.6", 81, "route", 1)] }),
  svc({ address: "198.18.0.12", port: 82, scheduler: "dh", dests: [d("198.18.1.6", 82, "route", 1)] }),
  svc({ address: "198.18.0.12", port: 83, scheduler: "sed", dests: [d("198.18.1.6", 83, "route", 1)] }),
  svc({ address: "198.18.0.12", port: 84, scheduler: "nq", dests: [d("198.18.1.6", 84, "route", 1)] }),
  svc({ address: "198.18.0.12", port: 85, scheduler: "mh", flags: ["mh-port"], dests: [d("198.18.1.6", 85, "route", 1)] }),
  svc({ address: "198.18.0.12", port: 86, scheduler: "fo", dests: [d("198.18.1.6", 86, "route", 1), d("198.18.1.7", 86, "route", 2)] }),
  svc({ address: "198.18.0.12", port: 87, scheduler: "ovf", dests: [d("198.18.1.6", 87, "route", 1, 50)] }),
  svc({ address: "198.18.0.12", port: 88, scheduler: "rr", flags: ["ops"], protocol: "udp", dests: [d("198.18.1.6", 88, "masq", 1)] }),
  svc({ fwmark: 7, scheduler: "wrr", persistenceTimeout: 60, dests: [d("198.18.1.8", 0, "route", 1), d("198.18.1.9", 0, "route", 4)] }),
  svc({ family: 6, address: "fd00::10", port: 80, scheduler: "wrr", persistenceTimeout: 120, persistenceNetmask: "64", dests: [
    d("fd00:1::1", 80, "masq", 1), d("fd00:1::2", 80, "route", 2),
  ] }),
  // a mixed pool: IPv4 real server behind an IPv6 fwmark service (tunnel only; IPVS_DEST_ATTR_ADDR_FAMILY)
  svc({ family: 6, fwmark: 8, scheduler: "rr", dests: [d("fd00:1::3", 0, "tunnel", 1), d("198.18.1.20", 0, "tunnel", 1)] }),
];

/** A real server failed (removed) and another is drained to weight 0 (inhibit_on_failure). */
export const FAILED: IpvsService[] = INITIAL.map((s) =>
  s.address === "198.18.0.10" && s.port === 80
    ? { ...s, dests: s.dests.filter((x) => x.address !== "198.18.1.2").map((x) => (x.address === "198.18.1.3" ? { ...x, weight: 0 } : x)) }
    : s,
);

/** A reload: one service gone, one new, scheduler/persistence/forward/threshold changes. */
export const RELOADED: IpvsService[] = [
  ...INITIAL.filter((s) => !(s.address === "198.18.0.11")).map((s) => {
    if (s.address === "198.18.0.10" && s.port === 443) return { ...s, scheduler: "wlc" as const, persistenceTimeout: 600, persistenceNetmask: "255.255.0.0" };
    if (s.address === "198.18.0.10" && s.port === 80) {
      return { ...s, dests: s.dests.map((x) => (x.address === "198.18.1.1" ? { ...x, forward: "route" as const, upperThreshold: 0, lowerThreshold: 0 } : x)) };
    }
    if (s.fwmark === 7) return { ...s, persistenceTimeout: 0 };
    return s;
  }),
  svc({ address: "198.18.0.13", port: 8443, scheduler: "rr", dests: [d("198.18.1.10", 8443, "masq", 1)] }),
];
