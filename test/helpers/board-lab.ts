// Test helper: the board tier's netns lab. Every vigil it starts, and every vigil
// command it runs as an operator would (status, config keygen/sign/push, the fleet
// view), is the shipped binary with the checkout hidden (board.ts), run inside a
// lab namespace. The fleet broker is Debian's mosquitto in the lab's client
// namespace, listening on the segment's own address: the routers' namespaces have
// no route to the host's loopback, and a broker on the segment is what a router
// sees on a site.
import { spawn } from "bun";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { DaemonStatus } from "../../src/daemon/status-types.ts";
import { type Arch, boardVigil } from "./board.ts";
import { type Host, type Lab, type LabProc, sleep } from "./lab.ts";
import { startVigil, type VigilHandle } from "./vigil.ts";

export const BROKER_PORT = 1883;

/**
 * How long a shipped daemon may take to answer on its status socket: qemu-user
 * translates the arm64 binary's ~100 MiB on first use, which on a loaded 2-core
 * host has taken tens of seconds.
 */
export const READY_MS: Record<Arch, number> = { x64: 20_000, arm64: 90_000 };

/** Starts the shipped vigil of `arch` on router r with the checkout hidden; resolves when its status socket answers. */
export function startBoardVigil(lab: Lab, r: number, arch: Arch, confText: string): Promise<VigilHandle> {
  return startVigil(lab, r, confText, { command: boardVigil(arch), readyTimeoutMs: READY_MS[arch] });
}

export interface CliRun {
  code: number | null;
  out: string;
  err: string;
}

/** Runs `vigil ARGS` (shipped binary of `arch`, checkout hidden) inside a lab host's namespace and waits, bounded. */
export async function boardCli(lab: Lab, host: Host, arch: Arch, args: string[], timeoutMs = arch === "arm64" ? 60_000 : 20_000): Promise<CliRun> {
  const p = spawn(["ip", "netns", "exec", lab.ns(host), ...boardVigil(arch), ...args], { stdout: "pipe", stderr: "pipe", stdin: "ignore", timeout: timeoutMs });
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { code, out, err };
}

/** Like boardCli, but throws with the command's stderr unless it exits 0 with nothing on stderr. */
export async function boardCliOk(lab: Lab, host: Host, arch: Arch, args: string[]): Promise<string> {
  const r = await boardCli(lab, host, arch, args);
  if (r.code !== 0 || r.err !== "") throw new Error(`vigil ${args.join(" ")} (${arch}) -> exit ${r.code}: ${r.err.trim()}`);
  return r.out;
}

/** `vigil status --socket S --json` from the shipped binary on the daemon's own router. */
export async function boardStatus(lab: Lab, h: VigilHandle, arch: Arch): Promise<DaemonStatus> {
  return JSON.parse(await boardCliOk(lab, h.router, arch, ["status", "--socket", h.socket, "--json"])) as DaemonStatus;
}

/** `vigil status --socket S` (the table an operator reads): instance name -> its row's columns. */
export async function boardStatusTable(lab: Lab, h: VigilHandle, arch: Arch): Promise<Map<string, Record<string, string>>> {
  const lines = (await boardCliOk(lab, h.router, arch, ["status", "--socket", h.socket])).split("\n").filter((l) => l.trim());
  const at = lines.findIndex((l) => l.startsWith("INSTANCE "));
  if (at < 0) throw new Error(`vigil status printed no instance table:\n${lines.join("\n")}`);
  const head = lines[at].trim().split(/\s+/);
  const rows = new Map<string, Record<string, string>>();
  // The instance table ends at the first line that is not a row of it (a virtual-server table may follow).
  for (const l of lines.slice(at + 1)) {
    const cols = l.trim().split(/\s+/);
    if (cols.length !== head.length) break;
    rows.set(cols[0], Object.fromEntries(head.map((k, i) => [k, cols[i]])));
  }
  return rows;
}

/** VIP address -> its valid_lft in seconds on router r's eth0 (`ip -j addr`; forever is 4294967295). */
export function vipLifetimes(lab: Lab, r: number, vips: string[]): Record<string, number | undefined> {
  const j = JSON.parse(lab.exec(r, ["ip", "-j", "addr", "show", "dev", "eth0"]) || "[]") as Array<{ addr_info?: Array<{ local: string; valid_life_time?: number }> }>;
  const info = j.flatMap((l) => l.addr_info ?? []);
  return Object.fromEntries(vips.map((v) => [v, info.find((a) => a.local === v)?.valid_life_time]));
}

/**
 * Polls `read` (bounded by time and count) until `pred` holds for its value;
 * returns the last value read, so a failing expect shows what was seen.
 */
export async function pollUntil<T>(read: () => T | Promise<T>, pred: (v: T) => boolean, timeoutMs: number, stepMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let v = await read();
  for (let i = 0; i < 10_000 && !pred(v) && Date.now() < deadline; i++) {
    await sleep(stepMs);
    v = await read();
  }
  return v;
}

/** mosquitto in the lab's client namespace on the client's segment address (anonymous, no persistence). */
export class LabBroker {
  readonly url: string;
  private proc?: LabProc;

  private constructor(private readonly lab: Lab) {
    this.url = `mqtt://${lab.client.ipv4}:${BROKER_PORT}`;
  }

  static async start(lab: Lab): Promise<LabBroker> {
    const b = new LabBroker(lab);
    const conf = join(lab.dir, "mosquitto.conf");
    // `user root`: mosquitto would otherwise drop to its own user, which cannot write its log in the 0700 lab dir.
    // `information` carries the "running" line readiness waits for.
    writeFileSync(conf, [`listener ${BROKER_PORT} ${lab.client.ipv4}`, "allow_anonymous true", "persistence false", "user root",
      "log_dest stderr", "log_type error", "log_type warning", "log_type notice", "log_type information"].join("\n") + "\n");
    // lab.spawn tracks it: lab.cleanup() kills it by PID with the rest of the lab.
    b.proc = lab.spawn("client", ["mosquitto", "-c", conf], "mosquitto");
    const up = await pollUntil(() => b.log(), (l) => / running$/m.test(l) || b.proc!.proc.exitCode !== null, 10_000, 50);
    if (!/ running$/m.test(up)) throw new Error(`mosquitto did not start in ${lab.client.ns}: ${up}`);
    return b;
  }

  log(): string {
    return this.proc && existsSync(this.proc.log) ? readFileSync(this.proc.log, "utf8") : "";
  }
}

/** A node's retained view in `vigil status --broker --json`. */
export interface FleetNode {
  status?: { status?: string; version?: string; config_serial?: number };
  vrrp: Record<string, { state?: string; priority?: number; vrid?: number }>;
  config?: { accepted?: boolean; serial?: number; reason?: string; hash?: string };
}

/** The fleet as the broker holds it, read with the shipped `vigil status --broker URL --fleet F --json` from the client namespace. */
export async function fleetView(lab: Lab, arch: Arch, url: string, fleet: string): Promise<Record<string, FleetNode>> {
  const out = await boardCliOk(lab, "client", arch, ["status", "--broker", url, "--fleet", fleet, "--json", "--wait-ms", "700"]);
  return (JSON.parse(out) as { nodes: Record<string, FleetNode> }).nodes;
}

/** keepalived.conf text for vigil: keepalivedConf() output plus global_defs lines and top-level blocks (vigil_fleet). */
export function withVigilGlobals(conf: string, globals: string[], blocks: string[] = []): string {
  if (!conf.startsWith("global_defs {\n")) throw new Error("withVigilGlobals: config does not start with global_defs");
  return conf.replace("global_defs {\n", `global_defs {\n${globals.map((g) => `  ${g}\n`).join("")}`) + blocks.map((b) => `${b}\n`).join("");
}

/** A vigil_fleet block: this node reports to `url` under `fleet` and takes configs signed by `trustKey`. */
export function fleetBlock(o: { url: string; fleet: string; node: string; trustKey: string; stateDir: string }): string {
  return `vigil_fleet {\n  broker ${o.url}\n  fleet ${o.fleet}\n  node ${o.node}\n  trust_key ${o.trustKey}\n  state_dir ${o.stateDir}\n}`;
}
