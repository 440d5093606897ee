// Random global_defs extras for the round-trip generator: the notify FIFOs
// (with scripts and owners), fifo_write_vrrp_states_on_reload and, outside
// keepalived-safe configs, metrics_listen. Drawn from a stream of their own
// so every earlier seed still makes the same config up to these additions.
import type { Config, NotifyFifo } from "../../../src/config/model.ts";
import type { Rng } from "./random-config.ts";

const WORD = "abcdefghijklmnopqrstuvwxyz0123456789_-.";
const word = (r: Rng, prefix: string) => `${prefix}${Array.from({ length: r.int(1, 8) }, () => WORD[r.int(0, WORD.length - 1)]).join("")}`;

export function addGlobalExtras(r: Rng, cfg: Config, safe: boolean): void {
  const g = cfg.global;
  const fifo = (kind: string): NotifyFifo => {
    const f: NotifyFifo = { path: `/run/${word(r, kind)}.fifo` };
    // keepalived refuses an owner that does not exist on this machine: only vigil's own round trips carry one
    if (!safe && r.chance(0.4)) {
      f.user = word(r, "u");
      if (r.chance(0.5)) f.group = word(r, "g");
    }
    if (r.chance(0.5)) {
      f.script = `/usr/local/bin/${word(r, "reader")}${r.chance(0.3) ? " --quiet" : ""}`;
      if (!safe && r.chance(0.4)) {
        f.scriptUser = word(r, "su");
        if (r.chance(0.5)) f.scriptGroup = word(r, "sg");
      }
    }
    return f;
  };
  if (r.chance(0.4)) g.notifyFifo = fifo("all");
  if (r.chance(0.4)) g.vrrpNotifyFifo = fifo("vrrp");
  if (r.chance(0.4)) g.lvsNotifyFifo = fifo("lvs");
  g.fifoWriteVrrpStatesOnReload = r.chance(0.3);
  g.vrrpNotifyPriorityChanges = r.chance(0.3);
  // with it keepalived -t goes on where a missing interface stopped it, and finds what a lab would (scripts not on this box)
  if (!safe) g.dynamicInterfaces = r.pick(["off", "on", "allow_if_changes"] as const);
  g.vrrpCheckUnicastSrc = r.chance(0.3);
  if (r.chance(0.3)) g.vrrpLowerPrioNoAdvert = r.chance(0.5);
  if (!g.vrrpStrict && r.chance(0.3)) g.vrrpHigherPrioSendAdvert = r.chance(0.5);
  if (r.chance(0.3)) g.vrrpGarpLowerPrioRepeat = r.int(0, 10);
  if (r.chance(0.3)) {
    // keepalived -t refuses an interface this box lacks: the safe configs name lo only
    cfg.interfaceUpDownDelays = Array.from({ length: safe ? 1 : r.int(1, 3) }, (_, k) => {
      const down = r.int(0, 255_000);
      return { interface: safe ? "lo" : `eth${k}`, downDelayMs: down, upDelayMs: r.chance(0.5) ? down : r.int(0, 255_000) };
    });
  }
  if (r.chance(0.3)) {
    g.vrrpGarpExtraIfMs = r.int(1, 86_400) * 1000;
    if (r.chance(0.5)) g.vrrpGarpExtraIfAll = true;
  }
  for (const i of cfg.instances) {
    // keepalived's check_unicast_src takes no value (it can only turn the check on), and means unicast
    if (i.unicastPeer.length && i.useVmac === undefined && r.chance(0.3)) i.checkUnicastSrc = true;
    if (r.chance(0.2)) i.skipCheckAdvAddr = r.chance(0.5);
    // keepalived: "Cannot use unicast_ttl without unicast peers"
    if (i.unicastPeer.length && i.useVmac === undefined && r.chance(0.3)) i.unicastTtl = r.int(1, 255);
    if (r.chance(0.3)) i.notifyPriorityChanges = r.chance(0.5);
    if (r.chance(0.2)) i.lowerPrioNoAdvert = r.chance(0.5);
    if (!g.vrrpStrict && r.chance(0.2)) i.higherPrioSendAdvert = r.chance(0.5);
    if (r.chance(0.2)) i.garpLowerPrioRepeat = r.int(0, 10);
    if (r.chance(0.2)) {
      i.garpExtraIfMs = r.int(0, 86_400) * 1000;
      if (r.chance(0.5)) i.garpExtraIfAll = true;
    }
    if (r.chance(0.2)) i.notifyMasterRxLowerPri = `/usr/local/bin/${word(r, "lower")}`;
  }
  for (const sg of cfg.syncGroups) if (r.chance(0.3)) sg.notifyPriorityChanges = r.chance(0.5);
  // (vrrp_)garp_lower_prio_delay: whole seconds 0..4294 (keepalived read_unsigned_strvec)
  if (r.chance(0.3)) g.vrrpGarpLowerPrioDelayMs = r.int(0, 4294) * 1000;
  for (const i of cfg.instances) if (r.chance(0.2)) i.garpLowerPrioDelayMs = r.int(0, 4294) * 1000;
  if (r.chance(0.3)) g.vrrpStartupDelayMs = r.int(1, 4_294_967);
  // garp_group: keepalived -t refuses an interface this box lacks (the safe configs name lo only) and one in two groups
  if (r.chance(0.3)) {
    const ifs = safe ? [["lo"]] : [["eth0"], ["eth1", "eth2"]].slice(0, r.int(1, 2));
    cfg.garpGroups = ifs.map((interfaces) => {
      const both = r.int(0, 2);
      return {
        ...(both !== 1 ? { garpIntervalMs: r.int(0, 999) } : {}),
        ...(both !== 0 ? { gnaIntervalMs: r.int(0, 999) } : {}),
        interfaces,
      };
    });
  }
  if (!safe && r.chance(0.4)) {
    g.metricsListen = r.chance(0.5) ? { address: `127.0.0.${r.int(1, 254)}`, port: r.int(1, 65535) } : { address: `fd00::${r.int(1, 0xffff).toString(16)}`, port: r.int(1, 65535) };
  }
  // alert-mail and logging switches (kc-global-switches.ts); an instance or group may leave its smtp_alert to them
  if (r.chance(0.3)) g.smtpHeloName = word(r, "helo");
  if (r.chance(0.3)) g.smtpAlert = r.chance(0.5);
  if (r.chance(0.3)) g.smtpAlertVrrp = r.chance(0.5);
  g.noEmailFaults = r.chance(0.3);
  g.logUnknownVrids = r.chance(0.3);
  g.checkerLogAllFailures = r.chance(0.3);
  g.rsInitNotifies = r.chance(0.3);
  // IPVS table switches (kc-global-lvs.ts)
  if (r.chance(0.3)) {
    const secs = () => r.int(1, 86_400 * 31) * 1000;
    g.lvsTimeouts = { tcpMs: secs() };
    if (r.chance(0.5)) g.lvsTimeouts.tcpFinMs = secs();
    if (r.chance(0.5)) g.lvsTimeouts.udpMs = secs();
    if (r.chance(0.3)) delete g.lvsTimeouts.tcpMs;
    if (Object.keys(g.lvsTimeouts).length === 0) delete g.lvsTimeouts;
  }
  g.lvsFlush = r.chance(0.3);
  g.lvsFlushOnStop = r.pick(["off", "all", "vs"] as const);
  for (const x of [...cfg.instances, ...cfg.syncGroups]) if (r.chance(0.3)) delete x.smtpAlert;
}
