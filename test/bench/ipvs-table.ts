// The benchmark table: N virtual services × M real servers, addresses in
// 198.18.0.0/15 only, and the same table as an `ipvsadm -R` restore file.
import type { IpvsService } from "../../src/lvs/ipvs-model.ts";

export function benchTable(services: number, dests: number): IpvsService[] {
  const out: IpvsService[] = [];
  for (let i = 0; i < services; i++) {
    out.push({
      family: 4, protocol: "tcp", address: `198.18.${Math.floor(i / 250)}.${(i % 250) + 1}`, port: 80, fwmark: 0,
      scheduler: "wrr", persistenceTimeout: 0, persistenceNetmask: "", flags: [],
      dests: Array.from({ length: dests }, (_, j) => ({
        address: `198.19.${Math.floor(i / 32)}.${((i % 32) * 8) + j}`, port: 8080, forward: "masq" as const,
        weight: 1 + (j % 4), upperThreshold: 0, lowerThreshold: 0,
      })),
    });
  }
  return out;
}

export function ipvsadmRestore(t: IpvsService[]): string {
  const lines: string[] = [];
  for (const s of t) {
    const v = `-t ${s.address}:${s.port}`;
    lines.push(`-A ${v} -s ${s.scheduler}`);
    for (const d of s.dests) lines.push(`-a ${v} -r ${d.address}:${d.port} -m -w ${d.weight}`);
  }
  return `${lines.join("\n")}\n`;
}
