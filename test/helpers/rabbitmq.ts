// Test helper: Debian's RabbitMQ (3.10) with its MQTT plugin (MQTT 3.1.1), as
// private nodes on free loopback ports: one node, or a cluster of several
// (rabbitmqctl join_cluster). Everything is private to the test: its own epmd
// on its own port (ERL_EPMD_PORT, so a system epmd is never touched), its own
// Erlang cookie (HOME holds .erlang.cookie), node names, data and logs in a
// temp dir. Each VM runs in the foreground (RABBITMQ_ALLOW_INPUT: the script
// execs erl, so the PID we hold is the VM's) and is stopped by that PID.
// With `netns`, everything (epmd, the VMs, rabbitmqctl) runs inside that
// network namespace and MQTT listens on `host` there (e.g. a lab's client).
import { spawn, spawnSync, type Subprocess } from "bun";
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { exitHook } from "./exit-hook.ts";
import { freePort } from "./mosquitto.ts";

const SERVER = "/usr/lib/rabbitmq/bin/rabbitmq-server";
const CTL = "/usr/lib/rabbitmq/bin/rabbitmqctl";
const START_LIMIT_MS = 90_000;

export interface RabbitOptions {
  /** run inside this network namespace */
  netns?: string;
  /** the MQTT listeners' address (default 127.0.0.1) */
  host?: string;
}

async function portOpenHere(host: string, port: number): Promise<boolean> {
  return new Promise((res) => {
    const s = connect({ host, port }, () => { s.destroy(); res(true); });
    s.on("error", () => res(false));
  });
}

/** Clusters not yet disposed: killed by PID if the test process exits (or is told to) first. */
const live = new Set<RabbitCluster>();
const hookExit = exitHook(() => { for (const c of live) c.killSync(); });

interface NodeProc {
  name: string;
  mqttPort: number;
  proc?: Subprocess<"pipe", "pipe", "pipe">;
  log: string;
}

export class RabbitCluster {
  readonly dir: string;
  readonly nodes: NodeProc[] = [];
  private epmd?: Subprocess;
  private epmdPort = 0;
  /** ms from spawning the first VM to every node serving MQTT (and joined), for the report */
  startMs = 0;

  constructor(readonly size = 1, readonly opts: RabbitOptions = {}) {
    this.dir = mkdtempSync("/tmp/vigil-rmq-");
  }

  get host(): string {
    return this.opts.host ?? "127.0.0.1";
  }

  url(i = 0): string {
    return `mqtt://${this.host}:${this.nodes[i]!.mqttPort}`;
  }

  /** argv run in the cluster's namespace */
  private inNs(argv: string[]): string[] {
    return this.opts.netns ? ["ip", "netns", "exec", this.opts.netns, ...argv] : argv;
  }

  private async portOpen(host: string, port: number): Promise<boolean> {
    if (!this.opts.netns) return portOpenHere(host, port);
    const r = Bun.spawn(this.inNs(["bash", "-c", `exec 3<>/dev/tcp/${host}/${port}`]), { stdout: "ignore", stderr: "ignore" });
    return (await r.exited) === 0;
  }


  private env(n: NodeProc, amqpPort: number, distPort: number): Record<string, string> {
    const home = `${this.dir}/${n.name}`;
    return {
      PATH: process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin", HOME: this.dir, LANG: "C.UTF-8",
      ERL_EPMD_PORT: String(this.epmdPort), RABBITMQ_CONF_ENV_FILE: "/dev/null",
      RABBITMQ_NODENAME: `${n.name}@localhost`, RABBITMQ_NODE_IP_ADDRESS: "127.0.0.1",
      RABBITMQ_NODE_PORT: String(amqpPort), RABBITMQ_DIST_PORT: String(distPort),
      RABBITMQ_CONFIG_FILE: `${home}/rabbitmq.conf`, RABBITMQ_ENABLED_PLUGINS_FILE: `${home}/enabled_plugins`,
      RABBITMQ_MNESIA_BASE: `${home}/mnesia`, RABBITMQ_LOG_BASE: `${home}/log`, RABBITMQ_ALLOW_INPUT: "1",
      RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: "-kernel inet_dist_use_interface {127,0,0,1}",
    };
  }

  private ctl(i: number, args: string[]): string {
    const n = this.nodes[i]!;
    const r = spawnSync(this.inNs([CTL, "-n", `${n.name}@localhost`, ...args]), {
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: this.dir, ERL_EPMD_PORT: String(this.epmdPort), LANG: "C.UTF-8" },
      stdout: "pipe", stderr: "pipe", timeout: 60_000,
    });
    if (r.exitCode !== 0) throw new Error(`rabbitmqctl ${args.join(" ")} on ${n.name}: ${r.stderr.toString()}${r.stdout.toString()}`);
    return r.stdout.toString();
  }

  /** Starts every node (in parallel), then joins nodes 2.. to node 1. Cleans up after itself on failure. */
  async start(): Promise<this> {
    try {
      await this.launch();
      return this;
    } catch (e) {
      await this.dispose();
      throw e;
    }
  }

  /** Synchronous last resort (process exit): SIGKILL to every VM and our epmd, by PID. */
  killSync(): void {
    for (const p of [...this.nodes.map((n) => n.proc), this.epmd]) {
      if (p && p.exitCode === null) p.kill("SIGKILL");
    }
    rmSync(this.dir, { recursive: true, force: true });
    live.delete(this);
  }

  private async launch() {
    hookExit();
    live.add(this);
    // Our own cookie: only VMs and rabbitmqctl with this HOME can talk to these nodes.
    writeFileSync(`${this.dir}/.erlang.cookie`, `VIGILTEST${crypto.randomUUID().replace(/-/g, "").toUpperCase()}`, { mode: 0o400 });
    this.epmdPort = await freePort();
    // `ip netns exec` execs the command: the PID is epmd's (and each VM's below)
    this.epmd = spawn(this.inNs(["epmd", "-address", "127.0.0.1", "-port", String(this.epmdPort)]), { stdout: "ignore", stderr: "ignore" });
    for (let i = 0; i < 100 && !(await this.portOpen("127.0.0.1", this.epmdPort)); i++) await Bun.sleep(20);
    const tag = this.dir.split("-").pop()!.toLowerCase().replace(/[^a-z0-9]/g, "");
    const t0 = performance.now();
    const starting: Promise<void>[] = [];
    for (let i = 0; i < this.size; i++) {
      const n: NodeProc = { name: `vigil${tag}${i + 1}`, mqttPort: await freePort(), log: "" };
      this.nodes.push(n);
      const [amqp, dist] = [await freePort(), await freePort()];
      const home = `${this.dir}/${n.name}`;
      mkdirSync(home, { recursive: true });
      writeFileSync(`${home}/enabled_plugins`, "[rabbitmq_mqtt].\n");
      writeFileSync(`${home}/rabbitmq.conf`, [
        `mqtt.listeners.tcp.default = ${this.host}:${n.mqttPort}`, "mqtt.allow_anonymous = true",
        // anonymous MQTT is the guest user, by default allowed from loopback only (a lab client is not)
        ...(this.host === "127.0.0.1" ? [] : ["loopback_users.guest = false"]),
        "log.console = true", "log.console.level = warning", "log.file = false",
      ].join("\n") + "\n");
      // stdin stays open (never written): the VM's shell waits on it instead of seeing EOF
      const proc = spawn(this.inNs([SERVER]), { env: this.env(n, amqp, dist), stdin: "pipe", stdout: "pipe", stderr: "pipe" });
      n.proc = proc;
      for (const s of [proc.stdout, proc.stderr]) void new Response(s).text().then((t) => (n.log += t.slice(-4000)), () => {});
      starting.push((async () => {
        for (let t = Date.now(); Date.now() - t < START_LIMIT_MS; ) {
          if (proc.exitCode !== null) throw new Error(`rabbitmq ${n.name} exited (${proc.exitCode}): ${n.log}`);
          if (await this.portOpen(this.host, n.mqttPort)) return;
          await Bun.sleep(100);
        }
        throw new Error(`rabbitmq ${n.name}: no MQTT listener on ${n.mqttPort} within ${START_LIMIT_MS} ms: ${n.log}`);
      })());
    }
    await Promise.all(starting);
    for (let i = 1; i < this.size; i++) {
      this.ctl(i, ["stop_app"]);
      this.ctl(i, ["join_cluster", `${this.nodes[0]!.name}@localhost`]);
      this.ctl(i, ["start_app"]);
      for (let t = Date.now(); Date.now() - t < START_LIMIT_MS && !(await this.portOpen(this.host, this.nodes[i]!.mqttPort)); ) await Bun.sleep(100);
    }
    if (this.size > 1) {
      const status = this.ctl(0, ["cluster_status"]);
      for (const n of this.nodes) if (!status.includes(`${n.name}@localhost`)) throw new Error(`${n.name} is not in the cluster: ${status}`);
    }
    this.startMs = performance.now() - t0;
  }

  /** Stops node i (SIGKILL to its VM) — a cluster member that dies. */
  async kill(i: number): Promise<void> {
    const p = this.nodes[i]?.proc;
    if (!p || p.exitCode !== null) return;
    p.kill("SIGKILL");
    await p.exited;
  }

  async dispose(): Promise<void> {
    for (let i = 0; i < this.nodes.length; i++) await this.kill(i);
    if (this.epmd && this.epmd.exitCode === null) {
      this.epmd.kill("SIGKILL");
      await this.epmd.exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
    live.delete(this);
  }
}
