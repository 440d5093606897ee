// A fleet node without the kernel: the daemon's own fleet path (FleetReporter
// over a real MQTT connection, ConfigDelivery with the signature check, the
// store, commit-confirm judged by NodeHealth/judgeConfirm, config/get and
// signed rollbacks) in front of a simulated VRRP side. Only the kernel is
// simulated, by a SimulatedLan its agents share: instances on `eth0` with one
// VRID elect a MASTER (highest priority, then the greater primary address, RFC 5798
// §6.4.3 as the daemon's FSM) and the others
// are BACKUP hearing it; on `eth1` an instance hears nobody (a broken binding:
// MASTER alone); on any other interface it is FAULT (no such interface).
import { mkdirSync, writeFileSync } from "node:fs";
import { configToCbor, readCbor } from "../../../src/config/config-cbor.ts";
import { configHash } from "../../../src/config-io/cose-sign.ts";
import { loadConfigFile } from "../../../src/config-io/load.ts";
import { defaultFleet, instanceFamily, type Config } from "../../../src/config/model.ts";
import { ConfigStore } from "../../../src/config-io/store.ts";
import { TrustStore } from "../../../src/config-io/trust.ts";
import { ConfigDelivery, modelValidator } from "../../../src/fleet/config-delivery.ts";
import { judgeConfirm } from "../../../src/fleet/confirm.ts";
import { NodeHealth } from "../../../src/fleet/node-health.ts";
import { redactSecrets } from "../../../src/fleet/redact.ts";
import { parseIP } from "../../../src/net/ip-address.ts";
import { compareBytes } from "../../../src/vrrp/addr.ts";
import { FleetReporter } from "../../../src/fleet/reporter.ts";

function addressGreater(a: string, b: string): boolean {
  const x = parseIP(a).bytes, y = parseIP(b).bytes;
  return compareBytes(x, 0, y, 0, Math.min(x.length, y.length)) > 0;
}

/** The L2 segment of a few agents: who is MASTER of each VRID follows their configs. */
export class SimulatedLan {
  readonly members = new Set<NodeAgent>();

  constructor(readonly subnet: string) {}

  /** the winner of the election for `vrid` on eth0: highest priority, then the greater address (RFC 5798 §6.4.3) */
  masterOf(vrid: number): NodeAgent | undefined {
    let best: { a: NodeAgent; prio: number } | undefined;
    for (const a of this.members) {
      const i = a.config.instances.find((x) => x.virtualRouterId === vrid && x.interface === "eth0");
      if (!i) continue;
      if (!best || i.priority > best.prio || (i.priority === best.prio && addressGreater(a.o.address, best.a.o.address))) best = { a, prio: i.priority };
    }
    return best?.a;
  }

  /** Everyone re-reports: one member's new config can change the others' states. */
  elect(): void {
    for (const a of this.members) a.report();
  }
}

export interface AgentOptions {
  node: string;
  fleet: string;
  broker: string;
  trustKey: string;
  dir: string;
  /** keepalived.conf text of the bootstrap config */
  conf: string;
  lan: SimulatedLan;
  /** its own address on the LAN */
  address: string;
  confirmMs: number;
  /** never answers a config blob (a hung node) */
  hang?: boolean;
  protocolVersion?: 4 | 5;
  /** vigil_fleet site: tells apart sites that reuse addresses and VRIDs */
  site?: string;
}

export class NodeAgent {
  readonly logs: string[] = [];
  readonly reporter: FleetReporter;
  private cfg: Config;
  private readonly health = new NodeHealth();
  private readonly reported = new Map<string, string>();
  readonly running: { serial: number; hash: string; floor: number };

  private constructor(readonly o: AgentOptions) {
    mkdirSync(o.dir, { recursive: true });
    writeFileSync(`${o.dir}/boot.conf`, o.conf);
    const loaded = loadConfigFile(`${o.dir}/boot.conf`);
    if (!loaded.config) throw new Error(`${o.node}: ${loaded.errors.map((e) => e.message).join("; ")}`);
    this.cfg = loaded.config;
    const bytes = configToCbor(this.cfg);
    this.running = { serial: 0, hash: configHash(bytes), floor: 0 };
    this.health.useConfig(this.cfg);
    const delivery = new ConfigDelivery({
      trust: TrustStore.fromFiles([o.trustKey]), fleet: o.fleet, node: o.node, store: new ConfigStore(o.dir), running: this.running,
      runningConfig: bytes, validateConfig: modelValidator(),
      apply: async (p) => {
        const r = readCbor(p.config);
        if (!r.config) throw new Error("unreadable config");
        this.cfg = r.config;
        this.health.useConfig(r.config);
        this.o.lan.elect();
      },
      confirm: {
        timeoutMs: o.confirmMs,
        begin: () => {
          const before = this.health.snapshot(), oldConfig = this.cfg, start = Date.now();
          return () => judgeConfirm({ before, after: this.health.snapshot(), oldConfig, newConfig: this.cfg, conflicts: this.health.conflictsSince(start), becameMasterAt: (i) => this.health.becameMasterAt(i) });
        },
      },
      onProgress: (r) => this.reporter.configProgress(r),
      log: (level, m) => this.logs.push(`${level} ${m}`),
    });
    this.reporter = new FleetReporter({
      config: { ...defaultFleet(), broker: o.broker, fleet: o.fleet, protocolVersion: o.protocolVersion ?? 5, confirmTimeoutMs: o.confirmMs, ...(o.site ? { site: o.site } : {}) },
      node: o.node, version: "0.1.0-agent", bootTime: Date.now(),
      configSerial: () => this.running.serial, configHash: () => this.running.hash,
      onConfigBlob: o.hang ? () => new Promise(() => {}) : (b) => delivery.receive(b),
      onRollbackRequest: (b) => delivery.rollback(b),
      onConfigGet: () => {
        const r = delivery.running;
        const c = r && readCbor(r.config).config;
        return r && c ? { serial: r.serial, hash: r.hash, config: configToCbor(redactSecrets(c)) } : null;
      },
    });
  }

  static start(o: AgentOptions): NodeAgent {
    const a = new NodeAgent(o);
    o.lan.members.add(a);
    a.reporter.start();
    o.lan.elect();
    return a;
  }

  get config(): Config {
    return this.cfg;
  }

  /** The simulated VRRP side: each instance's state, reported as the daemon reports it (only what changed). */
  report() {
    const now = Date.now();
    for (const i of this.cfg.instances) {
      const fault = i.interface !== "eth0" && i.interface !== "eth1";
      const winner = i.interface === "eth0" ? this.o.lan.masterOf(i.virtualRouterId) : this;
      const state = fault ? "FAULT" : winner === this ? "MASTER" : "BACKUP";
      const master = fault ? "" : winner!.o.address;
      const key = `${state}/${master}/${i.priority}/${i.interface}`;
      if (this.reported.get(i.name) === key) continue;
      this.reported.set(i.name, key);
      this.health.instance(i.name, { state, master, ...(fault ? { reason: `interface ${i.interface} does not exist` } : {}) }, now);
      const family = instanceFamily(i);
      this.reporter.vrrpState(i.name, {
        state, vrid: i.virtualRouterId, priority: i.priority, effectivePriority: i.priority, since: now, family, interface: i.interface,
        segment: `v${family}:${i.virtualIpaddress.map((v) => `${v.address}/${v.prefix}`).sort().join(",")}`,
        lan: this.o.lan.subnet, ...(master ? { masterAddress: master } : {}), ...(fault ? { reason: `interface ${i.interface} does not exist` } : {}),
      });
    }
  }

  get priority(): number | undefined {
    return this.cfg.instances[0]?.priority;
  }

  stop(): Promise<void> {
    this.o.lan.members.delete(this);
    return this.reporter.stop(1000);
  }
}
