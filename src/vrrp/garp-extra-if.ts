// keepalived garp_extra_if / vrrp_garp_extra_if (vrrp.c vrrp_send_vmac_update):
// while master, every garp_extra_if seconds one gratuitous ARP / unsolicited NA
// goes out on each interface that carries a VIP but not the instance's adverts,
// so switches that never see an advert from that MAC keep it in their caches.
// Without `all` only the instance's vmac counts (and only when adverts leave from
// the base interface: vmac_xmit_base); with `all` every other VIP interface does.

export interface GarpExtraIf {
  /** 0 = off */
  intervalMs: number;
  /** `all`: every VIP interface, not only vmacs */
  all: boolean;
}

export const GARP_EXTRA_IF_OFF: Readonly<GarpExtraIf> = { intervalMs: 0, all: false };

/** Where one announced VIP leaves from. */
export interface VipOutlet {
  /** interface index the VIP's gratuitous frames leave on */
  ifindex: number;
  /** that interface is the instance's vmac */
  onVmac: boolean;
}

/**
 * Indexes of the VIPs whose frame the periodic extra announcement sends: the first
 * VIP of each qualifying interface (keepalived sends one per interface).
 * `instanceIfindex` is the instance's interface (its vmac with use_vmac);
 * `xmitBase`: vmac_xmit_base, adverts leave from the base interface instead.
 */
export function garpExtraIfFrames(vips: readonly VipOutlet[], instanceIfindex: number, xmitBase: boolean, cfg: GarpExtraIf): number[] {
  if (cfg.intervalMs <= 0) return [];
  const done = new Set<number>();
  const out: number[] = [];
  vips.forEach((v, i) => {
    if (!v.onVmac && !cfg.all) return; // not a vmac and `all` not given
    if (v.ifindex === instanceIfindex && !xmitBase) return; // its adverts already refresh the switches' caches
    if (done.has(v.ifindex)) return;
    done.add(v.ifindex);
    out.push(i);
  });
  return out;
}

/** Inheritance as keepalived: an instance's garp_extra_if (0 = off) wins over vrrp_garp_extra_if in global_defs. */
export function effectiveGarpExtraIf(inst: { garpExtraIfMs?: number; garpExtraIfAll?: boolean },
  g: { vrrpGarpExtraIfMs?: number; vrrpGarpExtraIfAll?: boolean }): GarpExtraIf {
  if (inst.garpExtraIfMs !== undefined) return { intervalMs: inst.garpExtraIfMs, all: inst.garpExtraIfAll ?? false };
  if (g.vrrpGarpExtraIfMs !== undefined) return { intervalMs: g.vrrpGarpExtraIfMs, all: g.vrrpGarpExtraIfAll ?? false };
  return { ...GARP_EXTRA_IF_OFF };
}
