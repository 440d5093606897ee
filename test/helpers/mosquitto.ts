// Test helper: Debian's mosquitto on a free loopback port with a generated
// config (plain, TLS, or password file + ACL). Stopped by PID; restartable on
// the same port to simulate a broker outage.
import { spawn, spawnSync, type Subprocess } from "bun";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";

export interface BrokerOptions {
  tls?: { ca: string; cert: string; key: string; requireClientCert: boolean };
  /** user -> password; enables password_file and the per-node ACL below */
  users?: Record<string, string>;
  /** extra ACL lines appended after the generated ones */
  acl?: string;
  /** also listen for MQTT over WebSockets on `wsPort` */
  websockets?: boolean;
  /** more mosquitto.conf lines (e.g. `retain_available false`) */
  extra?: string[];
  /** a bound on client connections (the listener's max_connections); the fd limit is raised to fit */
  maxConnections?: number;
}

export async function freePort(): Promise<number> {
  const s = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const p = s.port;
  s.stop(true);
  return p;
}

async function portOpen(port: number): Promise<boolean> {
  return new Promise((res) => {
    const s = connect({ host: "127.0.0.1", port }, () => { s.destroy(); res(true); });
    s.on("error", () => res(false));
  });
}

export class Mosquitto {
  readonly dir: string;
  port = 0;
  wsPort = 0;
  private proc?: Subprocess;
  log = "";

  constructor(readonly opts: BrokerOptions = {}) {
    this.dir = mkdtempSync("/tmp/vigil-mosq-");
  }

  /** the broker's pid while it runs (for its memory and CPU in /proc) */
  get pid(): number | undefined {
    return this.proc?.pid;
  }

  get url(): string {
    return `${this.opts.tls ? "mqtts" : "mqtt"}://127.0.0.1:${this.port}`;
  }

  private writeConfig() {
    // `user root`: started as root, mosquitto would otherwise switch to its own user and
    // could not read the 0700 temp dirs holding the test's certificates and password file.
    const lines = [`listener ${this.port} 127.0.0.1`, ...(this.opts.maxConnections ? [`max_connections ${this.opts.maxConnections}`] : []), "user root", "persistence false", `log_dest stderr`, "log_type error", "log_type warning", "log_type notice"];
    if (this.opts.tls) {
      lines.push(`cafile ${this.opts.tls.ca}`, `certfile ${this.opts.tls.cert}`, `keyfile ${this.opts.tls.key}`);
      lines.push(`require_certificate ${this.opts.tls.requireClientCert ? "true" : "false"}`);
    }
    if (this.opts.websockets) lines.push(`listener ${this.wsPort} 127.0.0.1`, "protocol websockets");
    lines.push(...(this.opts.extra ?? []));
    if (this.opts.users) {
      const pw = `${this.dir}/passwd`;
      writeFileSync(pw, "");
      for (const [u, p] of Object.entries(this.opts.users)) {
        const r = spawnSync(["mosquitto_passwd", "-b", pw, u, p], { stderr: "pipe" });
        if (r.exitCode !== 0) throw new Error(`mosquitto_passwd: ${r.stderr.toString()}`);
      }
      // Each node writes only its own subtree and its per-site VRRP states, and
      // reads the fleet's vrrp/status and the sites' states (split-brain witness)
      // and the fleet-wide config push (docs/fleet.md "Access control").
      writeFileSync(`${this.dir}/acl`, [
        "pattern readwrite vigil/v1/+/%u/#",
        "pattern readwrite vigil/v1/+/site/+/%u/vrrp/+",
        "pattern read vigil/v1/+/site/+/+/vrrp/+",
        "pattern read vigil/v1/+/all/config/set",
        "pattern read vigil/v1/+/all/report",
        "pattern read vigil/v1/+/+/vrrp/+",
        "pattern read vigil/v1/+/+/status",
        this.opts.acl ?? "",
      ].join("\n") + "\n");
      lines.push("allow_anonymous false", `password_file ${pw}`, `acl_file ${this.dir}/acl`);
    } else {
      lines.push("allow_anonymous true");
    }
    writeFileSync(`${this.dir}/mosquitto.conf`, lines.join("\n") + "\n");
  }

  async start(): Promise<this> {
    // A free port can be taken by a parallel test between probe and bind: on a
    // first start, retry with fresh ports; a restart must keep its port.
    const fresh = !this.port;
    for (let attempt = 0; ; attempt++) {
      if (!this.port) this.port = await freePort();
      if (this.opts.websockets && !this.wsPort) this.wsPort = await freePort();
      try {
        return await this.launch();
      } catch (e) {
        if (!fresh || attempt >= 2) throw e;
        this.port = 0;
        this.wsPort = 0;
      }
    }
  }

  private async launch(): Promise<this> {
    this.writeConfig();
    this.log = "";
    // every client is an fd: prlimit execs mosquitto itself, so the pid stays the broker's
    const fds = this.opts.maxConnections ? ["prlimit", `--nofile=${this.opts.maxConnections + 256}`] : [];
    const proc = spawn([...fds, "/usr/sbin/mosquitto", "-c", `${this.dir}/mosquitto.conf`], { stdout: "ignore", stderr: "pipe" });
    this.proc = proc;
    const errText = new Response(proc.stderr as ReadableStream).text().then((t) => (this.log += t));
    for (let i = 0; i < 200; i++) {
      if (proc.exitCode !== null) break;
      if (await portOpen(this.port)) return this;
      await Bun.sleep(50);
    }
    proc.kill("SIGKILL");
    await proc.exited;
    await errText;
    this.proc = undefined;
    throw new Error(`mosquitto did not start on ${this.port}: ${this.log}`);
  }

  async stop(): Promise<void> {
    const p = this.proc;
    this.proc = undefined;
    if (!p || p.exitCode !== null) return;
    p.kill("SIGKILL");
    await p.exited;
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** CA, server cert for 127.0.0.1 and a client cert, made with openssl in `dir`. */
export function makeCerts(dir: string, clientCn = "gw-a") {
  const run = (args: string[]) => {
    const r = spawnSync(["openssl", ...args], { stderr: "pipe", cwd: dir });
    if (r.exitCode !== 0) throw new Error(`openssl ${args[0]}: ${r.stderr.toString()}`);
  };
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
  run(["req", "-x509", ...ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=vigil-test-ca"]);
  writeFileSync(`${dir}/server.ext`, "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
  run(["req", ...ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1"]);
  run(["x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "server.ext"]);
  run(["req", ...ec, "-keyout", "client.key", "-out", "client.csr", "-subj", `/CN=${clientCn}`]);
  run(["x509", "-req", "-in", "client.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "client.pem", "-days", "2"]);
  // A second CA nobody trusts: a server cert from it must be refused.
  run(["req", "-x509", ...ec, "-keyout", "rogue-ca.key", "-out", "rogue-ca.pem", "-days", "2", "-subj", "/CN=rogue"]);
  return {
    ca: `${dir}/ca.pem`, serverCert: `${dir}/server.pem`, serverKey: `${dir}/server.key`,
    clientCert: `${dir}/client.pem`, clientKey: `${dir}/client.key`, rogueCa: `${dir}/rogue-ca.pem`,
  };
}

/** A plain mqtt.js client that records what arrives on its filters. */
export class Watcher {
  readonly msgs: Array<{ topic: string; body: Buffer; retain: boolean }> = [];
  constructor(readonly client: import("mqtt").MqttClient) {
    client.on("message", (topic, body, packet) => this.msgs.push({ topic, body, retain: packet.retain }));
  }
  static async open(opts: import("mqtt").IClientOptions, filters: string[]): Promise<Watcher> {
    const mqtt = (await import("mqtt")).default;
    const c = mqtt.connect({ reconnectPeriod: 0, connectTimeout: 5000, ...opts });
    const w = new Watcher(c);
    await new Promise<void>((res, rej) => {
      c.once("connect", () => res());
      c.once("error", rej);
    });
    if (filters.length) await c.subscribeAsync(filters, { qos: 1 });
    return w;
  }
  /** Resolves with the first matching message; rejects after `ms` (a bound, not an assertion on speed). */
  async waitFor(pred: (m: { topic: string; body: Buffer; retain: boolean }) => boolean, ms = 10_000, from = 0) {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      const m = this.msgs.slice(from).find(pred);
      if (m) return m;
      await Bun.sleep(20);
    }
    throw new Error(`no matching message within ${ms} ms; saw: ${this.msgs.map((m) => m.topic).join(", ")}`);
  }
  async close() {
    await this.client.endAsync(true);
  }
}

/**
 * A TCP relay in front of the broker that the test can close and reopen. It
 * decides *when* a client sees the broker again, so a test can restart the
 * broker and attach its own subscriber before the client under test reconnects.
 */
type GateSide = { up?: import("bun").Socket<undefined>; pending: Uint8Array[]; closed: boolean };

export class TcpGate {
  port = 0;
  private server?: import("bun").TCPSocketListener<GateSide>;
  private readonly pairs = new Set<{ down: { end(): void }; up?: { end(): void } }>();
  /** a silent outage: connections stay open but nothing crosses, in either direction */
  private dropping = false;

  constructor(readonly target: () => number) {}

  blackhole(on = true) {
    this.dropping = on;
  }

  async open(): Promise<this> {
    if (!this.port) this.port = await freePort();
    this.server = Bun.listen<GateSide>({
      hostname: "127.0.0.1",
      port: this.port,
      socket: {
        open: (down) => {
          down.data = { pending: [], closed: false };
          const pair: { down: { end(): void }; up?: { end(): void } } = { down };
          this.pairs.add(pair);
          Bun.connect({
            hostname: "127.0.0.1", port: this.target(),
            socket: {
              open: (up) => {
                if (down.data.closed) return void up.end();
                down.data.up = up;
                pair.up = up;
                for (const chunk of down.data.pending) up.write(chunk);
                down.data.pending = [];
              },
              data: (_up, chunk) => { if (!this.dropping) down.write(chunk); },
              close: () => { this.pairs.delete(pair); down.end(); },
              error: () => { down.end(); },
            },
          }).catch(() => down.end());
        },
        data: (down, chunk) => {
          if (this.dropping) return;
          if (down.data.up) down.data.up.write(chunk);
          else down.data.pending.push(new Uint8Array(chunk));
        },
        close: (down) => { down.data.closed = true; down.data.up?.end(); },
      },
    });
    return this;
  }

  /** Stop accepting and cut every relayed connection. */
  close() {
    this.dropping = false;
    this.server?.stop(true);
    this.server = undefined;
    for (const p of this.pairs) { p.down.end(); p.up?.end(); }
    this.pairs.clear();
  }
}
