// Reads `ipvsadm -Ln` (and `--thresholds`) output back into the table model, so
// the VM test compares the kernel's table as ipvsadm sees it with the desired
// one. ipvsadm is the independent oracle here; vigil never runs it.
import type { IpvsDest, IpvsForward, IpvsProtocol, IpvsScheduler, IpvsService } from "../../src/lvs/ipvs-model.ts";

const FORWARD: Record<string, IpvsForward> = { Masq: "masq", Route: "route", Tunnel: "tunnel", Local: "masq" };

function splitHostPort(s: string): [string, number] {
  const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(s);
  if (!m) throw new Error(`ipvsadm: cannot read address "${s}"`);
  return [m[1]!, Number(m[2])];
}

export function parseIpvsadm(list: string, thresholds?: string): IpvsService[] {
  const services: IpvsService[] = [];
  const thr = new Map<string, [number, number]>();
  if (thresholds) {
    let svcKey = "";
    for (const line of thresholds.split("\n")) {
      const t = line.trim().split(/\s+/);
      if (/^(TCP|UDP|SCTP|FWM)$/.test(t[0] ?? "")) svcKey = `${t[0]} ${t[1]}`;
      else if (t[0] === "->" && t[1] && t[1] !== "RemoteAddress:Port") thr.set(`${svcKey} ${t[1]}`, [Number(t[2]), Number(t[3])]);
    }
  }
  let cur: IpvsService | undefined;
  let curKey = "";
  for (const line of list.split("\n")) {
    const t = line.trim().split(/\s+/);
    if (/^(TCP|UDP|SCTP|FWM)$/.test(t[0] ?? "")) {
      curKey = `${t[0]} ${t[1]}`;
      let i = 2;
      const s: IpvsService = {
        family: 4, protocol: "tcp", address: "", port: 0, fwmark: 0, scheduler: "rr",
        persistenceTimeout: 0, persistenceNetmask: "", flags: [], dests: [],
      };
      if (t[0] === "FWM") {
        s.fwmark = Number(t[1]);
        if (t[2] === "IPv6") { s.family = 6; i++; }
      } else {
        s.protocol = t[0]!.toLowerCase() as IpvsProtocol;
        const [a, p] = splitHostPort(t[1]!);
        s.address = a; s.port = p; s.family = a.includes(":") ? 6 : 4;
      }
      s.scheduler = t[i++] as IpvsScheduler;
      while (i < t.length) {
        const w = t[i++]!;
        if (w === "persistent") s.persistenceTimeout = Number(t[i++]);
        else if (w === "mask") s.persistenceNetmask = t[i++]!;
        else if (w === "ops") s.flags.push("ops");
        else if (w.startsWith("(")) s.flags.push(...w.replace(/[()]/g, "").split(",").filter(Boolean));
        else throw new Error(`ipvsadm: unknown service word "${w}" in "${line}"`);
      }
      services.push(s);
      cur = s;
    } else if (t[0] === "->" && t[1] !== "RemoteAddress:Port" && cur) {
      const [a, p] = splitHostPort(t[1]!);
      const fwd = FORWARD[t[2]!];
      if (!fwd) throw new Error(`ipvsadm: unknown forward "${t[2]}"`);
      const [u, l] = thr.get(`${curKey} ${t[1]}`) ?? [0, 0];
      const d: IpvsDest = { address: a, port: p, forward: fwd, weight: Number(t[3]), upperThreshold: u, lowerThreshold: l };
      cur.dests.push(d);
    }
  }
  return services;
}
