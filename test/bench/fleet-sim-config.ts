// The fleet simulator's configs, as keepalived.conf text: every router of the
// fleet runs the same VRRP instance (identical branch configs: VRID 51, VIP
// 198.18.0.100 on lan0), pairs are told apart by their vigil_fleet `site`, as
// the rollout expects of such fleets. A pushed config is one signed blob for
// every node, so it carries no vigil_fleet block (each node keeps its file's).

export const SIM_FLEET = "sim";
export const SIM_VRID = 51;

/** Node i of the fleet: pairs are (0,1), (2,3), ...; the partner with the higher address wins the election (equal priorities). */
export function simNode(i: number): { node: string; site: string; address: string } {
  return { node: `gw${String(i).padStart(5, "0")}`, site: `site-${Math.floor(i / 2)}`, address: `198.18.0.${1 + (i % 2)}` };
}

/** The VRRP part, as pushed: `tag` makes each serial's config differ without restarting the instance; `iface` is where VI_1 binds. */
export function instanceConf(o: { tag: string; iface?: string; routerId?: string }): string {
  return [
    "global_defs {",
    ...(o.routerId ? [`  router_id ${o.routerId}`] : []),
    `  notification_email_from ${o.tag}@example.invalid`,
    "}",
    "vrrp_instance VI_1 {",
    "  state BACKUP",
    `  interface ${o.iface ?? "lan0"}`,
    `  virtual_router_id ${SIM_VRID}`,
    "  priority 100",
    "  advert_int 1",
    "  virtual_ipaddress {",
    "    198.18.0.100/24",
    "  }",
    "}",
    "",
  ].join("\n");
}

/** The bootstrap file of node i. */
export function nodeConf(i: number, o: { broker: string; dir: string; confirmS: number }): string {
  const n = simNode(i);
  return [
    "vigil_fleet {",
    `  broker ${o.broker}`,
    `  fleet ${SIM_FLEET}`,
    `  node ${n.node}`,
    `  trust_key ${o.dir}/fleet.pub`,
    `  state_dir ${o.dir}/state/${n.node}`,
    `  confirm_timeout ${o.confirmS}`,
    `  site ${n.site}`,
    "}",
    instanceConf({ tag: "boot", routerId: n.node }),
  ].join("\n");
}
