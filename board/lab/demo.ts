// `make lab`: a live failover demo. Three routers run vigil in network namespaces
// on a bridge with no uplink (198.18.0.0/15 only), a client pings the VIP, and a
// local mosquitto in the client namespace collects every router's fleet status.
// The demo kills the master with SIGKILL, shows the backup take over while the
// client keeps reaching the VIP, brings the old master back (preemption), and
// cleans everything up by itself, also on Ctrl-C or failure.
//
// `vigil fleet web` runs beside the broker (in the client namespace, on a unix
// socket) and this process relays http://127.0.0.1:8080/ (or the next free
// port) to it, so a browser on this machine watches the fleet live.
// `--watch [S]` waits S seconds (default 20) after the election so the page can be
// opened first, and after the demo keeps failing the master over every 15 s for up
// to 10 minutes (Ctrl-C ends it sooner). `make lab` watches when a person is at a
// terminal (stdin and stderr are TTYs); WATCH=0 runs the short demo there, WATCH=1
// watches from a script too.
import { spawn, spawnSync, type Socket, type Subprocess } from "bun";
import { mkdtempSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const ROOT = `${import.meta.dir}/../..`;
const PREFIX = `vt-demo${process.pid}`;
const VIP = "198.18.0.100";
const BROKER_IP = "198.18.0.250";
const PRIORITIES = [150, 100, 50];
const dir = mkdtempSync(join(tmpdir(), "vigil-demo-"));
const procs: Subprocess[] = [];
const watchAt = process.argv.indexOf("--watch");
const WATCH_S = watchAt < 0 ? 0 : Number(process.argv[watchAt + 1] ?? "") || 20;
const WEB_SOCKET = join(dir, "web.sock");
const bin = existsSync(`${ROOT}/dist/vigil-linux-x64`) && process.arch === "x64" ? [`${ROOT}/dist/vigil-linux-x64`] : [`${ROOT}/node_modules/.bin/bun`, `${ROOT}/src/main.ts`];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ns = (r: number | "c") => (r === "c" ? `${PREFIX}-c` : `${PREFIX}-r${r}`);
function sh(argv: string[], allowFail = false): string {
  const r = spawnSync(argv, { stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0 && !allowFail) throw new Error(`${argv.join(" ")}: ${r.stderr.toString().trim()}`);
  return r.stdout.toString();
}
const t0 = performance.now();
const stamp = () => `[${((performance.now() - t0) / 1000).toFixed(1).padStart(5)} s]`;
const say = (m: string) => console.log(`${stamp()} ${m}`);

let cleaned = false;
function cleanup() {
  if (cleaned) return;
  cleaned = true;
  for (const p of procs) {
    try {
      process.kill(p.pid, "SIGKILL");
    } catch {}
  }
  sh(["bash", `${ROOT}/board/lab/down.sh`, PREFIX], true);
  rmSync(dir, { recursive: true, force: true });
}
process.on("exit", cleanup);
for (const s of ["SIGINT", "SIGTERM"] as const) process.on(s, () => process.exit(130));

function conf(r: number): string {
  return `! router ${r} of the vigil demo (keepalived.conf syntax)
global_defs {
    router_id demo-r${r}
    vrrp_version 3
    vip_lifetime 2
}
vigil_fleet {
    broker mqtt://${BROKER_IP}:1883
    fleet demo
    node r${r}
    payload json
    state_dir ${dir}/state-r${r}
}
vrrp_instance VI_1 {
    state BACKUP
    interface eth0
    virtual_router_id 51
    priority ${PRIORITIES[r - 1]}
    advert_int 0.2
    garp_master_delay 1
    virtual_ipaddress {
        ${VIP}/24 dev eth0 label eth0:vip
    }
}
`;
}

const vigilProcs = new Map<number, Subprocess>();
function startRouter(r: number) {
  const p = spawn(["ip", "netns", "exec", ns(r), ...bin, "run", "-f", `${dir}/r${r}.conf`, "--status-socket", `${dir}/r${r}.sock`, "--lock-dir", `${dir}/lock`], {
    stdout: Bun.file(`${dir}/r${r}.log`), stderr: Bun.file(`${dir}/r${r}.log`), stdin: "ignore",
  });
  procs.push(p);
  vigilProcs.set(r, p);
}

function holders(): number[] {
  return [1, 2, 3].filter((r) => sh(["ip", "-n", ns(r), "-br", "addr", "show", "dev", "eth0"], true).includes(`${VIP}/`));
}

async function states(): Promise<string[]> {
  return Promise.all([1, 2, 3].map(async (r) => {
    if (!vigilProcs.has(r)) return "down";
    const p = spawn([...bin, "status", "--json", "--socket", `${dir}/r${r}.sock`], { stdout: "pipe", stderr: "ignore" });
    const out = await new Response(p.stdout).text();
    try {
      const s = JSON.parse(out);
      return `${s.instances[0].state}`;
    } catch {
      return "down";
    }
  }));
}

function ping(): boolean {
  return spawnSync(["ip", "netns", "exec", ns("c"), "ping", "-n", "-c", "1", "-W", "0.3", VIP], { stdout: "ignore", stderr: "ignore" }).exitCode === 0;
}

async function show(label: string) {
  const st = await states();
  const h = holders();
  const line = st.map((s, i) => `r${i + 1}(${PRIORITIES[i]}) ${s.padEnd(6)}`).join("  ");
  say(`${label.padEnd(22)} ${line}  VIP on: ${h.length ? h.map((x) => `r${x}`).join(",") : "nobody"}  client ping: ${ping() ? "ok" : "LOST"}`);
  return { st, h };
}

async function waitFor(pred: () => Promise<boolean> | boolean, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await pred()) return true;
    await sleep(100);
  }
  return false;
}

/** http://127.0.0.1:PORT/ in this namespace -> `vigil fleet web` on its unix socket in the lab's. */
function relayWeb(): string {
  type Side = { peer?: Socket<Side>; pending: Uint8Array[] };
  const open = (port: number) => Bun.listen<Side>({
    hostname: "127.0.0.1", port,
    socket: {
      open(client) {
        client.data = { pending: [] };
        Bun.connect<Side>({
          unix: WEB_SOCKET,
          socket: {
            open(up) {
              up.data = { peer: client, pending: [] };
              client.data.peer = up;
              for (const b of client.data.pending) up.write(b);
              client.data.pending = [];
            },
            data(up, b) { up.data.peer?.write(b); },
            close(up) { up.data.peer?.end(); },
            error(up) { up.data.peer?.end(); },
          },
        }).catch(() => client.end());
      },
      data(client, b) {
        if (client.data.peer) client.data.peer.write(b);
        else client.data.pending.push(new Uint8Array(b));
      },
      close(client) { client.data.peer?.end(); },
      error(client) { client.data.peer?.end(); },
    },
  });
  let server;
  try {
    server = open(8080);
  } catch {
    server = open(0); // 8080 is taken on this machine
  }
  return `http://127.0.0.1:${server.port}/`;
}

async function main() {
  say(`building lab ${PREFIX}: 3 routers + client on a bridge without uplink`);
  sh(["bash", `${ROOT}/board/lab/up.sh`, PREFIX, "3"]);
  // the fleet broker lives on the lab segment, in the client namespace
  writeFileSync(`${dir}/mosquitto.conf`, `listener 1883 ${BROKER_IP}\nallow_anonymous true\npersistence false\n`);
  const broker = spawn(["ip", "netns", "exec", ns("c"), "mosquitto", "-c", `${dir}/mosquitto.conf`], { stdout: "ignore", stderr: Bun.file(`${dir}/mosquitto.log`) });
  procs.push(broker);
  await sleep(300);
  const sub = spawn(["ip", "netns", "exec", ns("c"), "mosquitto_sub", "-h", BROKER_IP, "-v", "-t", "vigil/v1/demo/+/vrrp/#", "-t", "vigil/v1/demo/+/status"], { stdout: "pipe", stderr: "ignore" });
  procs.push(sub);
  (async () => {
    const dec = new TextDecoder();
    for await (const chunk of sub.stdout as ReadableStream<Uint8Array>) {
      for (const line of dec.decode(chunk).split("\n")) if (line.trim()) console.log(`${stamp()}   broker: ${line.length > 160 ? `${line.slice(0, 157)}...` : line}`);
    }
  })();
  // the live page: `vigil fleet web` next to the broker, relayed to this machine's loopback
  const web = spawn(["ip", "netns", "exec", ns("c"), ...bin, "fleet", "web", "--broker", `mqtt://${BROKER_IP}:1883`, "--fleet", "demo", "--listen", `unix:${WEB_SOCKET}`], {
    stdout: Bun.file(`${dir}/web.log`), stderr: Bun.file(`${dir}/web.log`), stdin: "ignore",
  });
  procs.push(web);
  const url = relayWeb();
  say(`fleet web page: open ${url} in a browser on this machine (vigil fleet web --broker mqtt://${BROKER_IP}:1883 --fleet demo)`);
  if (!WATCH_S) say("to watch the failover on the page, run `make lab` at a terminal, or `make lab WATCH=1` (`bun board/lab/demo.ts --watch`): it waits for you, then keeps failing over for 10 minutes");
  for (const r of [1, 2, 3]) writeFileSync(`${dir}/r${r}.conf`, conf(r));
  for (const r of [1, 2, 3]) startRouter(r);
  say(`started vigil on r1, r2, r3 (${bin.length === 1 ? "compiled binary" : "from source"}), VIP ${VIP}, advert_int 0.2 s, vip_lifetime 2 s`);
  const elected = await waitFor(async () => (await states())[0] === "MASTER" && holders().join() === "1", 10_000);
  await show(elected ? "elected" : "NOT ELECTED");
  if (!elected) throw new Error(`r1 did not become master; logs in ${dir}`);
  for (let i = 0; i < 3; i++) {
    await sleep(500);
    await show("steady");
  }
  if (WATCH_S) {
    say(`--watch: open the page now; the master is killed in ${WATCH_S} s`);
    await sleep(WATCH_S * 1000);
  }

  say("killing the master r1 with SIGKILL (no goodbye advert, no cleanup)");
  const killedAt = performance.now();
  process.kill(vigilProcs.get(1)!.pid, "SIGKILL");
  vigilProcs.delete(1);
  let twoHolders = 0;
  let lost = 0;
  let takeover = -1;
  for (let i = 0; i < 40; i++) {
    const { st, h } = await show("after kill");
    if (h.length > 1) twoHolders++;
    if (!ping()) lost++;
    if (takeover < 0 && st[1] === "MASTER" && h.includes(2)) takeover = performance.now() - killedAt;
    if (takeover >= 0 && h.join() === "2" && i > 8) break;
    await sleep(100);
  }
  say(`r2 took over ${takeover >= 0 ? `after ${(takeover / 1000).toFixed(2)} s` : "NOT"}; samples with two VIP holders: ${twoHolders}; the dead r1's VIP expired by its kernel lifetime`);

  say("restarting r1: it removes stale VIPs, then preempts r2 (higher priority)");
  startRouter(1);
  const back = await waitFor(async () => (await states())[0] === "MASTER" && holders().join() === "1", 10_000);
  await show(back ? "r1 preempted" : "r1 NOT back");
  await sleep(300);
  await show("final");
  // The operator's view of the whole fleet, read from the broker's retained messages alone.
  say(`fleet view: vigil status --broker mqtt://${BROKER_IP}:1883 --fleet demo (in the client namespace)`);
  const fleetView = spawnSync(["ip", "netns", "exec", ns("c"), ...bin, "status", "--broker", `mqtt://${BROKER_IP}:1883`, "--fleet", "demo", "--wait-ms", "1500"], { stdout: "pipe", stderr: "pipe" });
  for (const line of `${fleetView.stdout}${fleetView.stderr}`.trimEnd().split("\n")) console.log(`${stamp()}   ${line}`);
  if (fleetView.exitCode !== 0) say(`fleet view FAILED (exit ${fleetView.exitCode})`);
  const pageUp = (await fetch(url).then((r) => r.text()).catch(() => "")).includes("<title>vigil fleet</title>");
  if (!pageUp) say(`fleet web page NOT served (log: ${dir}/web.log)`);
  say(`done: failover ${takeover >= 0 ? "ok" : "FAILED"}, preemption ${back ? "ok" : "FAILED"}, fleet page ${pageUp ? "ok" : "FAILED"}${WATCH_S ? "" : "; cleaning up"}`);
  if (takeover < 0 || !back || fleetView.exitCode !== 0 || !pageUp) process.exitCode = 1;
  if (WATCH_S) await keepFailingOver(url);
}

/** --watch: a failover every 15 s on the page, at most 40 of them (10 minutes); Ctrl-C ends it. */
async function keepFailingOver(url: string) {
  say(`--watch: failing over every 15 s for up to 10 minutes on ${url}; Ctrl-C to stop and clean up`);
  for (let i = 0; i < 40; i++) {
    await sleep(15_000);
    const master = (await states()).indexOf("MASTER") + 1;
    if (master < 1) continue;
    say(`killing the master r${master}`);
    process.kill(vigilProcs.get(master)!.pid, "SIGKILL");
    vigilProcs.delete(master);
    await sleep(5_000);
    await show("after kill");
    startRouter(master);
    say(`r${master} restarted`);
  }
  say("--watch: 10 minutes are up; cleaning up");
}

main().catch((e) => {
  console.error(`demo failed: ${e instanceof Error ? e.message : e}`);
  process.exitCode = 1;
}).finally(() => {
  cleanup();
  process.exit();
});
