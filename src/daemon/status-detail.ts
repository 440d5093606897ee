// The parts of `vigil status --json` (and of the metrics and the data dump, which
// read the same document) that the main thread adds to what the VRRP worker
// reports: each VIP as the kernel holds it now (one address dump per request),
// sync group states, every virtual and real server with its checkers' last
// results, IPVS counters and the notify FIFOs. Built on request only.
import { errorText } from "../error-text.ts";
import { type Config, instanceVipLifetimeMs, type VirtualServer } from "../config/model.ts";
import { INFINITY_LIFE_TIME } from "../sys/abi.ts";
import { listAddresses } from "../sys/rtnetlink/address.ts";
import { listLinks } from "../sys/rtnetlink/link.ts";
import { openRtnetlink } from "../sys/rtnetlink/socket.ts";
import { groupState } from "./group-notify.ts";
import type { VirtualServerStatus } from "./lvs-manager.ts";
import type { CheckStats } from "./metrics-checks.ts";
import type { NotifyState } from "./notify.ts";
import type { InstancePlan, SyncGroupPlan } from "./plan.ts";
import type { CheckerStatus, InstanceSettings, InstanceStatus, SyncGroupStatus, VipStatus, VirtualServerDetail } from "./status-types.ts";

/** The kernel's links and addresses, from one dump each; or why they could not be read. */
export type KernelAddresses = { links: Map<string, number>; addrs: ReturnType<typeof listAddresses> } | { error: string };

/** One link dump and one address dump (synchronous: the caller overlaps it with the worker's answer). */
export function readKernelAddresses(): KernelAddresses {
  const nl = openRtnetlink();
  try {
    return { links: new Map(listLinks(nl).map((l) => [l.name, l.index])), addrs: listAddresses(nl) };
  } catch (e) {
    return { error: `cannot read the kernel's addresses: ${errorText(e)}` };
  } finally {
    nl.close();
  }
}

/** Fills each instance's vipsInKernel from the dump (an unreadable kernel leaves them out and says why). */
export function addKernelVips(instances: InstanceStatus[], plans: readonly InstancePlan[], kernel: KernelAddresses): string | undefined {
  if ("error" in kernel) return kernel.error;
  const { links, addrs } = kernel;
  for (const i of instances) {
    const plan = plans.find((p) => p.name === i.name);
    if (!plan) continue;
    const out: VipStatus[] = [];
    for (const v of plan.vips) {
      const dev = v.onVmac && plan.vmac ? plan.vmac.name : v.dev;
      const index = links.get(dev);
      const a = index === undefined ? undefined : addrs.find((x) => x.index === index && x.address === v.address && x.prefixlen === v.prefix);
      if (a) out.push({ address: v.address, prefix: v.prefix, dev, validLifetime: a.validLft === INFINITY_LIFE_TIME ? "forever" : a.validLft });
    }
    i.vipsInKernel = out;
  }
  return undefined;
}

export function syncGroupStatus(groups: readonly SyncGroupPlan[], instances: readonly InstanceStatus[]): SyncGroupStatus[] {
  const st = new Map(instances.map((i) => [i.name, (i.state === "INIT" ? "STOP" : i.state) as NotifyState]));
  return groups.map((g) => ({ name: g.name, members: [...g.members], state: groupState(g.members.map((m) => st.get(m))) }));
}

/** Every virtual server and real server as the checkers judge them, with each checker type's last result. */
export function virtualServerDetail(vss: readonly VirtualServer[], states: readonly VirtualServerStatus[], checks: CheckStats): VirtualServerDetail[] {
  return states.map((v, i) => {
    const cfg = vss[i];
    return {
      virtualServer: v.virtualServer,
      quorumUp: v.quorumUp,
      ...(v.suspended ? { suspended: true } : {}),
      realServers: v.realServers.map((r, k) => {
        const seen = checks.get(v.virtualServer, r.realServer);
        const types = [...new Set((cfg?.realServers[k]?.checkers ?? []).map((c) => c.type))];
        const checkers = types.map((type): CheckerStatus => {
          const s = seen?.get(type);
          if (!s) return { type, attempts: 0, failures: 0 };
          return {
            type, attempts: s.count, failures: s.failures, lastResult: s.lastOk ? "ok" : "fail",
            ...(s.lastOk ? {} : { reason: s.lastReason }), latencyMs: Math.round(s.lastLatencyMs * 1000) / 1000, at: s.lastAt,
          };
        });
        return { realServer: r.realServer, alive: r.alive, weight: r.weight, checkers };
      }),
    };
  });
}

/** Each instance's configured behaviour, from the config it runs. */
export function addSettings(instances: InstanceStatus[], cfg: Config, plans: readonly InstancePlan[]): void {
  for (const i of instances) {
    const src = cfg.instances.find((x) => x.name === i.name);
    if (!src) continue;
    const vmac = plans.find((p) => p.name === i.name)?.vmac?.name;
    const group = cfg.syncGroups.find((g) => g.group.includes(i.name))?.name;
    const s: InstanceSettings = {
      advertIntMs: src.advertIntMs,
      preempt: !src.nopreempt,
      preemptDelayMs: src.preemptDelayMs,
      accept: src.accept !== false,
      unicastPeers: [...src.unicastPeer],
      ...(vmac ? { vmac } : {}),
      authType: src.authentication?.type ?? "none",
      vipLifetime: instanceVipLifetimeMs(cfg, src),
      ...(group ? { syncGroup: group } : {}),
      excludedVips: src.virtualIpaddressExcluded.map((v) => `${v.address}/${v.prefix}`),
    };
    i.settings = s;
  }
}
