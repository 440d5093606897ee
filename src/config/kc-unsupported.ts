// keepalived 2.2.7 keywords vigil reads but does not run, each with why, so a
// keepalived.conf that has one still loads (a warning naming the keyword and the
// reason; an error with --strict) instead of reading as a typo. Measured against
// keepalived 2.2.7's own parser: each of these is a keyword `keepalived -t` knows.

const BFD = "vigil has no BFD (RFC 5880)";
const PROCESS = "keepalived process tuning: vigil is one process with VRRP in its own realtime thread, and sizes its own socket buffers";
const AGENTS = "vigil has no SNMP or D-Bus agent: its state is on the status socket, the Prometheus endpoint and MQTT";
const FIREWALL = "vigil installs no iptables/nftables rules";
const LINKS = "vigil follows link state through rtnetlink notifications, without polling";
const NAMESPACE = "vigil runs in the network namespace it is started in (`ip netns exec NS vigil run`, or NetworkNamespacePath= in the systemd unit) and never switches itself: its unit grants no CAP_SYS_ADMIN for setns";

const REASONS: Record<string, string> = {};
const add = (why: string, ...kws: string[]) => { for (const k of kws) REASONS[k] = why; };

add(BFD, "track_bfd", "BFD_CHECK", "bfd_instance", "bfd_priority", "bfd_no_swap", "bfd_rt_priority", "bfd_cpu_affinity",
  "bfd_rlimit_rtime", "bfd_process_name");
add(PROCESS, "process_names", "process_name", "vrrp_process_name", "lvs_process_name", "vrrp_cpu_affinity", "vrrp_rlimit_rtime",
  "checker_priority", "checker_no_swap", "checker_rt_priority", "checker_cpu_affinity", "checker_rlimit_rtime",
  "vrrp_netlink_cmd_rcv_bufs", "vrrp_netlink_cmd_rcv_bufs_force", "vrrp_netlink_monitor_rcv_bufs", "vrrp_netlink_monitor_rcv_bufs_force",
  "process_monitor_rcv_bufs", "process_monitor_rcv_bufs_force", "lvs_netlink_cmd_rcv_bufs", "lvs_netlink_cmd_rcv_bufs_force",
  "lvs_netlink_monitor_rcv_bufs", "lvs_netlink_monitor_rcv_bufs_force", "vrrp_rx_bufs_policy", "vrrp_rx_bufs_multiplier",
  "kernel_rx_buf_size", "umask", "random_seed", "debug");
add(AGENTS, "snmp_socket", "enable_traps", "enable_snmp_vrrp", "enable_snmp_keepalived", "enable_snmp_rfc", "enable_snmp_rfcv2",
  "enable_snmp_rfcv3", "enable_snmp_checker", "enable_dbus", "dbus_service_name");
add(FIREWALL, "vrrp_iptables", "vrrp_ipsets", "nftables", "nftables_priority", "nftables_counters", "nftables_ifindex");
add(NAMESPACE, "net_namespace");
add(LINKS, "linkbeat_use_polling", "linkbeat_interfaces");

/** Why vigil does not run keepalived keyword `kw`, or undefined when it is no keepalived keyword vigil knows of. */
export function unsupportedReason(kw: string): string | undefined {
  return Object.hasOwn(REASONS, kw) ? REASONS[kw] : undefined;
}

/** Every keyword of the table with its reason (README and tests). */
export function unsupportedKeywords(): ReadonlyArray<[string, string]> {
  return Object.entries(REASONS);
}
