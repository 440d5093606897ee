// /proc/sys as a map for unit tests of the sysctl users, recording each write (the
// real files are the lab tests': test/lab/vmac-link.test.ts, vrrp-source-address.test.ts).
import type { Sysctl } from "../../../src/sys/sysctl.ts";

export function memorySysctl(initial: Record<string, string>) {
  const values = new Map(Object.entries(initial));
  const writes: string[] = [];
  const sys: Sysctl = { read: (p) => values.get(p), write: (p, v) => { writes.push(`${p}=${v}`); values.set(p, v); } };
  return { sys, writes, values };
}
