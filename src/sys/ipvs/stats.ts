// IPVS counters from the dumps: per service and per dest traffic totals and
// rates (IPVS_*_ATTR_STATS64, falling back to the 32-bit STATS of pre-4.1
// kernels) and each dest's connection counts. For `vigil status` and the fleet's
// lvs topic; the reconcile never looks at them.
import type { Attrs } from "../netlink/attr.ts";
import { IPVS_DEST_ATTR } from "./constants.ts";

export const IPVS_STATS_ATTR = {
  CONNS: 1, INPKTS: 2, OUTPKTS: 3, INBYTES: 4, OUTBYTES: 5, CPS: 6, INPPS: 7, OUTPPS: 8, INBPS: 9, OUTBPS: 10,
} as const;

export interface IpvsStats {
  conns: number;
  inPackets: number;
  outPackets: number;
  inBytes: number;
  outBytes: number;
  /** rates per second as the kernel's estimator last computed them */
  cps: number;
  inPps: number;
  outPps: number;
  inBps: number;
  outBps: number;
}

export interface IpvsDestCounters {
  activeConns: number;
  inactiveConns: number;
  persistentConns: number;
  stats: IpvsStats;
}

export interface IpvsServiceStats {
  service: string;
  stats: IpvsStats;
  dests: ({ dest: string } & IpvsDestCounters)[];
}

const EMPTY: IpvsStats = { conns: 0, inPackets: 0, outPackets: 0, inBytes: 0, outBytes: 0, cps: 0, inPps: 0, outPps: 0, inBps: 0, outBps: 0 };

/** STATS64 carries u64 everywhere; the old STATS mixes u32 counters/rates with u64 byte totals. */
export function decodeStats(stats64: Attrs | undefined, stats32: Attrs | undefined): IpvsStats {
  const S = IPVS_STATS_ATTR;
  if (stats64) {
    const n = (t: number) => Number(stats64.u64(t) ?? 0n);
    return {
      conns: n(S.CONNS), inPackets: n(S.INPKTS), outPackets: n(S.OUTPKTS), inBytes: n(S.INBYTES), outBytes: n(S.OUTBYTES),
      cps: n(S.CPS), inPps: n(S.INPPS), outPps: n(S.OUTPPS), inBps: n(S.INBPS), outBps: n(S.OUTBPS),
    };
  }
  if (!stats32) return { ...EMPTY };
  const u = (t: number) => stats32.u32(t) ?? 0;
  const q = (t: number) => Number(stats32.u64(t) ?? 0n);
  return {
    conns: u(S.CONNS), inPackets: u(S.INPKTS), outPackets: u(S.OUTPKTS), inBytes: q(S.INBYTES), outBytes: q(S.OUTBYTES),
    cps: u(S.CPS), inPps: u(S.INPPS), outPps: u(S.OUTPPS), inBps: u(S.INBPS), outBps: u(S.OUTBPS),
  };
}

export function decodeDestCounters(a: Attrs): IpvsDestCounters {
  return {
    activeConns: a.u32(IPVS_DEST_ATTR.ACTIVE_CONNS) ?? 0,
    inactiveConns: a.u32(IPVS_DEST_ATTR.INACT_CONNS) ?? 0,
    persistentConns: a.u32(IPVS_DEST_ATTR.PERSIST_CONNS) ?? 0,
    stats: decodeStats(a.nested(IPVS_DEST_ATTR.STATS64), a.nested(IPVS_DEST_ATTR.STATS)),
  };
}
