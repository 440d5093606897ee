// Every keepalived 2.2.7 keyword vigil does not run is one keepalived itself knows
// (keepalived -t reports none of them as unknown), and vigil names it with its
// reason instead of calling it a typo; a config that has them still loads.
import { expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { readKeepalived } from "../../../src/config/keepalived-reader.ts";
import { unsupportedKeywords } from "../../../src/config/kc-unsupported.ts";
import { memorySource } from "../../../src/config/source.ts";

// where each keyword lives in keepalived.conf, for the test configs
const TOP = new Set(["garp_group", "net_namespace", "track_group", "interface_up_down_delays", "linkbeat_interfaces", "bfd_instance"]);
const INSTANCE = new Set(["track_bfd", "kernel_rx_buf_size", "debug", "linkbeat_use_polling", "garp_lower_prio_delay", "down_timer_adverts", "use_vmac_addr", "use_ipvlan",
  "old_unicast_checksum", "track_src_ip", "promote_secondaries", "notify_deleted", "strict_mode"]);
const REAL_SERVER = new Set(["BFD_CHECK"]);
/** a value keepalived accepts for each (most take one number or none) */
const ARG: Record<string, string> = {
  process_name: "x", vrrp_process_name: "x", lvs_process_name: "x", bfd_process_name: "x", smtp_helo_name: "x", dbus_service_name: "x",
  snmp_socket: "udp:127.0.0.1:705", default_interface: "eth0", lvs_timeouts: "tcp 900", vrrp_mcast_group4: "224.0.0.18",
  vrrp_mcast_group6: "ff02::12", vrrp_rx_bufs_policy: "MTU", umask: "0022", notify_deleted: "/bin/true", nftables_priority: "-1",
  vrrp_cpu_affinity: "0", checker_cpu_affinity: "0", bfd_cpu_affinity: "0", garp_extra_if: "5", vmac_garp_intvl: "5",
  vrrp_garp_extra_if: "5", vrrp_vmac_garp_intvl: "5",
};
const NUMERIC = /rcv_bufs$|rlimit_rtime|rt_priority|_priority$|multiplier|random_seed|delay$|repeat$|adverts$|rx_buf_size|^debug$|startup_delay|min_garp/;
const line = (k: string) => `${k}${ARG[k] !== undefined ? ` ${ARG[k]}` : NUMERIC.test(k) && !/no_swap|_force/.test(k) ? " 1" : ""}`;

const kws = unsupportedKeywords().map(([k]) => k);
const globals = kws.filter((k) => !TOP.has(k) && !INSTANCE.has(k) && !REAL_SERVER.has(k));
// the instance keywords still in the table (INSTANCE also places those vigil has since built)
const instanceKws = kws.filter((k) => INSTANCE.has(k));
const instance = (body: string[]) => `vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 1\n virtual_ipaddress {\n  198.18.0.10/24\n }\n${body.map((b) => ` ${b}`).join("\n")}\n}\n`;

test("keepalived 2.2.7 knows every keyword vigil names as not supported (keepalived -t reports none unknown but the two Debian's build leaves out)", () => {
  const dir = mkdtempSync(`${tmpdir()}/vigil-kw-`);
  try {
    const unknown: string[] = [];
    // one config per keyword: keepalived stops reading a block at some errors, and a bad line must not hide the next
    for (const k of kws) {
      const text = TOP.has(k) ? `${k} {\n}\n` : INSTANCE.has(k) ? instance([line(k)]) : REAL_SERVER.has(k)
        ? `virtual_server 198.18.0.10 80 {\n real_server 198.18.0.2 80 {\n  ${k} {\n  }\n }\n}\n` : `global_defs {\n ${line(k)}\n}\n`;
      writeFileSync(`${dir}/k.conf`, text);
      const r = Bun.spawnSync(["setsid", "-w", "keepalived", "-t", "-f", `${dir}/k.conf`, "--pid", `${dir}/k.pid`, "--vrrp_pid", `${dir}/v.pid`, "--checkers_pid", `${dir}/c.pid`],
        { stdout: "pipe", stderr: "pipe", timeout: 20_000 });
      if (`${r.stdout}${r.stderr}`.includes("Unknown keyword")) unknown.push(k);
    }
    // the check can fail: keepalived does report a keyword it does not know
    writeFileSync(`${dir}/k.conf`, "global_defs {\n no_such_keyword_here\n}\n");
    const bad = Bun.spawnSync(["setsid", "-w", "keepalived", "-t", "-f", `${dir}/k.conf`, "--pid", `${dir}/k.pid`, "--vrrp_pid", `${dir}/v.pid`, "--checkers_pid", `${dir}/c.pid`], { stdout: "pipe", stderr: "pipe" });
    expect(`${bad.stdout}${bad.stderr}`).toContain("Unknown keyword 'no_such_keyword_here'");
    // Debian's build has neither libipset nor network namespaces; upstream keepalived has both keywords
    expect(unknown).toEqual(["vrrp_ipsets", "net_namespace"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 120_000);

test("vigil loads a config with all of them, naming each with its reason (a warning; an error with --strict)", () => {
  const text = `global_defs {\n${globals.map((k) => ` ${line(k)}`).join("\n")}\n}\n${instance(instanceKws.map(line))}`;
  const r = readKeepalived("/t/k.conf", memorySource({ "/t/k.conf": text }));
  expect(r.errors.map((e) => e.message)).toEqual([]);
  const named = r.warnings.map((w) => w.message).filter((m) => m.startsWith("keepalived feature not supported by vigil:"));
  expect(named.length).toBe(globals.length + instanceKws.length);
  for (const m of named) expect(m).toMatch(/, ignored: \S/);
  expect(r.warnings.map((w) => w.message).filter((m) => m.startsWith("unknown keyword"))).toEqual([]);
});

test("net_namespace is named with its reason: vigil runs in the namespace it is started in (ip netns exec / NetworkNamespacePath=)", () => {
  const text = `net_namespace blue\n${instance([])}`;
  const r = readKeepalived("/t/k.conf", memorySource({ "/t/k.conf": text }));
  expect(r.errors).toEqual([]);
  const w = r.warnings.find((x) => x.message.includes("net_namespace"));
  expect(w?.message).toContain("ip netns exec NS vigil run");
  expect(w?.message).toContain("NetworkNamespacePath=");
  expect(w?.message).not.toContain("not implemented");
});

test("use_ipvlan is read, not named as unsupported; this kernel has no ipvlan link type, so test/vm/ipvlan.test.ts runs it in the VM's kernel", () => {
  const r = readKeepalived("/t/k.conf", memorySource({ "/t/k.conf": instance(["use_ipvlan"]) }));
  expect(r.errors).toEqual([]);
  expect(r.warnings.filter((w) => w.message.startsWith("keepalived feature not supported by vigil:"))).toEqual([]);
  expect(r.config?.instances[0]?.useIpvlan).toEqual({});
  const ns = `vigil-ipvlan-${process.pid}`;
  const ip = (...a: string[]) => Bun.spawnSync(["ip", ...a], { stdout: "pipe", stderr: "pipe", timeout: 10_000 });
  expect(ip("netns", "add", ns).exitCode).toBe(0);
  try {
    expect(ip("-n", ns, "link", "add", "d0", "type", "veth", "peer", "name", "d1").exitCode).toBe(0);
    const add = ip("-n", ns, "link", "add", "ipvl0", "link", "d0", "type", "ipvlan", "mode", "l2");
    // the control: the same command with macvlan, which vigil's use_vmac uses, works here
    const mac = ip("-n", ns, "link", "add", "mv0", "link", "d0", "type", "macvlan", "mode", "private");
    expect({ ipvlan: add.exitCode !== 0 && add.stderr.toString().includes("Unknown device type"), macvlan: mac.exitCode }).toEqual({ ipvlan: true, macvlan: 0 });
  } finally {
    ip("netns", "del", ns);
  }
});
