// What a gateway talks to besides its VRRP peers, placed in the lab's client
// namespace (198.18.0.250, across the bridge from the router): the fleet's
// mosquitto and the HTTP real servers the checkers probe. The bench reads the
// broker through a unix-socket listener of the same mosquitto, so the host needs
// no route into the lab. Both run as lab processes, killed by PID in its cleanup.
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Lab, LabProc } from "../helpers/lab.ts";
import { Watcher } from "../helpers/mosquitto.ts";
import { BUN } from "../helpers/netns.ts";
import { waitUntil } from "../helpers/vigil.ts";

export interface Peers {
  /** mqtt://198.18.0.250:1883 */
  broker: string;
  address: string;
  /** HTTP listener ports on `address` */
  ports: number[];
  /** subscribed to vigil/v1/# through the broker's unix socket (it does not survive restartBroker) */
  watcher: Watcher;
  /** SIGKILL the broker and start it again on the same listeners: every client must reconnect */
  restartBroker(): Promise<void>;
  stop(): Promise<void>;
}

export async function startPeers(lab: Lab, httpListeners: number, lifetimeMs: number, o: { flapMs?: number } = {}): Promise<Peers> {
  const address = lab.client.ipv4;
  const sock = join(lab.dir, "mq.sock");
  const conf = join(lab.dir, "mosquitto.conf");
  writeFileSync(conf, [
    `listener 1883 ${address}`, `listener 0 ${sock}`, "allow_anonymous true", "persistence false", "user root",
    "log_dest stderr", "log_type error", "log_type warning",
  ].join("\n") + "\n");
  const procs: LabProc[] = [];
  const stop = async () => {
    for (const p of procs) { try { process.kill(p.pid, "SIGKILL"); } catch { /* gone */ } }
    await Promise.race([Promise.all(procs.map((p) => p.exited)), Bun.sleep(3000)]);
  };
  try {
    const startBroker = async (timeoutMs = 5000) => {
      const mq = lab.spawn("client", ["mosquitto", "-c", conf], "mosquitto");
      procs.push(mq);
      if (!(await waitUntil(() => existsSync(sock), timeoutMs, 50))) throw new Error(`mosquitto did not start within ${timeoutMs} ms: ${lab.logOf(mq)}`);
      return mq;
    };
    let mq = await startBroker();
    const restartBroker = async () => {
      try { process.kill(mq.pid, "SIGKILL"); } catch { /* gone */ }
      await Promise.race([mq.exited, Bun.sleep(3000)]);
      rmSync(sock, { force: true });
      mq = await startBroker(15_000); // a loaded host can take seconds to start it again
    };

    // checkers-http-server.ts prints its ports as one JSON line, into the lab log
    const http = lab.spawn("client", [BUN, join(import.meta.dir, "checkers-http-server.ts"), String(httpListeners), String(lifetimeMs), address, String(o.flapMs ?? 0)], "http");
    procs.push(http);
    let ports: number[] = [];
    await waitUntil(() => {
      const line = lab.logOf(http).split("\n").find((l) => l.startsWith("["));
      if (line) ports = JSON.parse(line) as number[];
      return ports.length === httpListeners;
    }, 10_000, 50);
    if (ports.length !== httpListeners) throw new Error(`HTTP real servers did not start: ${readFileSync(http.log, "utf8")}`);

    const watcher = await Watcher.open({ protocol: "mqtt", unixSocket: true, path: sock } as import("mqtt").IClientOptions, ["vigil/v1/#"]);
    return {
      broker: `mqtt://${address}:1883`, address, ports, watcher, restartBroker,
      stop: async () => { await watcher.close().catch(() => {}); await stop(); },
    };
  } catch (e) {
    await stop();
    throw e;
  }
}
