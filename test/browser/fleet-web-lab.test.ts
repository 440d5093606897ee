// `vigil fleet web` against real daemons, watched in a real headless Chromium.
// Lab: two routers r1 (priority 150) and r2 (100) run the shipped binary with
// the checkout hidden, VRRPv3 VRID 51 for 198.18.0.100, each also a director
// with one real server (a TCP listener on the client, 198.18.0.250:8080).
// The client namespace holds mosquitto, `vigil fleet web` (shipped binary,
// loopback) and the browser (DevTools over a pipe, so it can live there).
//   1. the page shows r1 MASTER, both nodes online, the real server up;
//   2. split brain: r1 is cut off the segment (its own bridge; it keeps carrier
//      and its retained MASTER), r2 takes over: the group goes red at the top
//      with words, from the routers' reports and r2's split-brain witness;
//      healed, it clears;
//   3. the real server stops: it shows down on both nodes, with the check's
//      reason, and the quorum lost with the sorry server in use;
//   4. r1 is killed (SIGKILL): the page shows r2 as MASTER, and r1 offline
//      (Last Will). How long after r2's report reached the broker the page
//      showed it is measured and printed (the issue asks for under 1 s).
// A screenshot at each step goes to build/artifacts/fleet-web-lab/;
// VIGIL_UPDATE_DOCS=1 also copies the split-brain one to docs/img/fleet-web.png.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { spawn, type Subprocess } from "bun";
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import mqtt from "mqtt";
import { decodeBody } from "../../src/fleet/payload.ts";
import { boardVigil, ROOT } from "../helpers/board.ts";
import { Chromium, type Page } from "../helpers/chromium.ts";
import { artifactDir, startFleetWeb, type WebProc } from "../helpers/fleet-web.ts";
import { Lab, type LabProc } from "../helpers/lab.ts";
import { startVigil, vigilConf, waitStates, waitUntil, type VigilHandle } from "../helpers/vigil.ts";

const FLEET = "lab";
const BROKER = "mqtt://198.18.0.250:1883";
const VIP = "198.18.0.100";
const SEG = `v4:${VIP}/32`;
const GROUP = `51|${SEG}`;
const RS = "198.18.0.250:8080";
const dir = artifactDir("fleet-web-lab");
let lab: Lab;
let broker: Subprocess | undefined;
let web: WebProc | undefined;
let browser: Chromium | undefined;
let page: Page;
let realServer: LabProc;
let watch: mqtt.MqttClient;
/** every vrrp report the test's own subscriber saw, with when it arrived */
const reports: Array<{ node: string; state: string; at: number }> = [];
const routers = new Map<number, VigilHandle>();

function routerConf(r: number): string {
  const fleet = `vigil_fleet {\n  broker ${BROKER}\n  fleet ${FLEET}\n  node r${r}\n  state_dir ${lab.dir}/state-r${r}\n}`;
  const director = `virtual_server ${VIP} 80 {\n  delay_loop 1\n  lb_algo rr\n  lb_kind NAT\n  protocol TCP\n  sorry_server 198.18.0.250 8081\n` +
    `  real_server 198.18.0.250 8080 {\n    weight 1\n    TCP_CHECK {\n      connect_timeout 1\n      retry 0\n    }\n  }\n}`;
  return vigilConf({
    routerId: `r${r}`, global: ["vip_lifetime 2"], blocks: [fleet, director],
    instances: [{ name: "VI_1", vrid: 51, priority: r === 1 ? 150 : 100, advertInt: 0.2, vips: [VIP], extra: ["garp_master_delay 0"] }],
  });
}

const groupCell = (col: number) => `document.querySelector('#groups-body tr[data-key="${GROUP}"]')?.cells[${col}].textContent`;
const nodeCell = (node: string, col: number) => `document.querySelector('#nodes-body tr[data-key="${node}"]')?.cells[${col}].textContent`;
// the row key holds NULs, which CSS selectors cannot name
const rsCell = (node: string, col: number) => `[...document.querySelectorAll("#lvs-body tr")].find((t) => t.dataset.key === "${node}\\u0000${VIP}:80/TCP\\u0000${RS}")?.cells[${col}].textContent`;

beforeAll(async () => {
  lab = await Lab.create({ routers: 2 });
  const sock = join(lab.dir, "mq.sock");
  writeFileSync(join(lab.dir, "mosquitto.conf"), [`listener 1883 198.18.0.250`, `listener 0 ${sock}`, "allow_anonymous true", "persistence false", "user root", "log_dest stderr", "log_type error"].join("\n") + "\n");
  broker = spawn(["ip", "netns", "exec", lab.ns("client"), "mosquitto", "-c", join(lab.dir, "mosquitto.conf")], { stdout: "ignore", stderr: "ignore" });
  if (!(await waitUntil(() => existsSync(sock), 5000, 50))) throw new Error("mosquitto did not start");
  watch = await mqtt.connectAsync({ protocol: "mqtt", unixSocket: true, path: sock, reconnectPeriod: 0 } as mqtt.IClientOptions);
  watch.on("message", (topic, body) => {
    const p = topic.split("/");
    const d = body.length ? decodeBody(body) : null;
    if (p[4] === "vrrp" && d?.ok) reports.push({ node: p[3]!, state: String((d.value as { state?: unknown }).state), at: Date.now() });
  });
  await watch.subscribeAsync(`vigil/v1/${FLEET}/+/vrrp/+`, { qos: 1 });
  realServer = lab.spawn("client", [process.execPath, "-e", "Bun.listen({ hostname: '198.18.0.250', port: 8080, socket: { data() {} } }); setInterval(() => {}, 1e6);"], "rs");
  for (const r of [1, 2]) routers.set(r, await startVigil(lab, r, routerConf(r), { command: boardVigil("x64") }));
  const seen = await waitStates([[routers.get(1)!, "VI_1", "MASTER"], [routers.get(2)!, "VI_1", "BACKUP"]], 10_000);
  if (seen.join() !== "MASTER,BACKUP") throw new Error(`routers did not settle: ${seen.join()}`);
  web = await startFleetWeb(["--broker", BROKER, "--fleet", FLEET, "--listen", "127.0.0.1:8080"], lab.ns("client"));
  browser = await Chromium.launch({ ns: lab.ns("client") });
  page = await browser.newPage(1280, 800);
  await page.goto(web.url);
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await web?.stop();
  await watch?.endAsync(true).catch(() => {});
  await lab?.cleanup();
  if (broker) {
    broker.kill("SIGKILL");
    await broker.exited;
  }
}, 30_000);

test("the page follows the lab: MASTER, split brain in red, a real server down, failover to the new MASTER", async () => {
  // 1. steady state
  await page.waitFor(`${groupCell(4)} === "r1"`);
  await page.waitFor(`${groupCell(0)} === "OK"`);
  await page.waitFor(`${nodeCell("r1", 1)} === "online" && ${nodeCell("r2", 1)} === "online"`);
  await page.waitFor(`${rsCell("r1", 4)} === "up" && ${rsCell("r2", 4)} === "up"`);
  expect(await page.eval(rsCell("r1", 2))).toBe("up");
  expect(await page.eval(`document.getElementById("no-alarm").hidden`)).toBe(false);
  await page.screenshot(join(dir, "1-steady.png"));

  // 2. split brain: r1 alone on its own bridge, still MASTER; r2 hears nobody and takes over
  lab.isolate(1);
  try {
    const alarm = await page.waitFor<string>(`document.querySelector("#alarm-list li")?.textContent`, 15_000);
    expect(alarm).toContain("SPLIT BRAIN");
    expect(alarm).toContain("VRID 51");
    expect(alarm).toContain("2 MASTERs: r1, r2");
    expect(await page.eval(groupCell(0))).toBe("SPLIT BRAIN");
    // r2's own witness raised it too (it sees r1's retained MASTER while MASTER itself)
    await page.waitFor(`document.querySelector("#alarm-list li")?.textContent.includes("witness alarm from r2")`, 10_000);
    expect(await page.eval(`document.getElementById("no-alarm").hidden`)).toBe(true);
    await page.screenshot(join(dir, "2-split-brain.png"));
    if (process.env.VIGIL_UPDATE_DOCS === "1") {
      mkdirSync(join(ROOT, "docs", "img"), { recursive: true });
      copyFileSync(join(dir, "2-split-brain.png"), join(ROOT, "docs", "img", "fleet-web.png"));
    }
  } finally {
    lab.heal();
  }
  await page.waitFor(`${groupCell(0)} === "OK" && ${groupCell(4)} === "r1"`, 15_000);
  await page.waitFor(`document.getElementById("no-alarm").hidden === false`, 10_000);

  // 3. the real server stops: both directors' checks fail
  process.kill(realServer.pid, "SIGKILL");
  await page.waitFor(`${rsCell("r1", 4)} === "down" && ${rsCell("r2", 4)} === "down"`, 10_000);
  await page.waitFor(`${rsCell("r1", 2)} === "lost, sorry server 198.18.0.250:8081 serves"`, 5000);
  // the failed check's reason, not the last success
  expect(await page.eval<string>(rsCell("r1", 6))).not.toMatch(/^-$| ok$/);
  await page.waitFor(`[...document.querySelectorAll("#events-body tr")].some((t) => t.cells[3]?.textContent.startsWith("real server ${RS}"))`, 5000);
  await page.screenshot(join(dir, "3-real-server-down.png"));

  // 4. the master dies: r2 reports MASTER, the page shows it
  const from = reports.length;
  lab.kill(1, "SIGKILL");
  const ok = await waitUntil(() => reports.slice(from).some((r) => r.node === "r2" && r.state === "MASTER"), 10_000);
  expect(ok).toBe(true);
  const reportedAt = reports.slice(from).find((r) => r.node === "r2" && r.state === "MASTER")!.at;
  await page.waitFor(`${groupCell(4)} === "r2"`, 5000);
  const shownAt = (await page.eval<Array<{ key: string; masters: string; at: number }>>("vigilWeb.masters")).filter((m) => m.key === GROUP && m.masters === "r2").pop()!.at;
  console.log(`fleet web: r2's MASTER report reached the broker's subscriber at +0 ms, the page showed it at +${shownAt - reportedAt} ms (issue: within 1 s)`);
  await page.waitFor(`${nodeCell("r1", 1)} === "offline"`, 10_000);
  expect(await page.eval<string>(groupCell(3))).toContain("r1 offline (was MASTER)");
  expect(await page.eval(groupCell(0))).toBe("OK");
  // the sparkline: a tick per router becoming MASTER within the hour (r1 at start, r2 in the split and now)
  const spark = await page.eval<string>(`document.querySelector('#groups-body tr[data-key="${GROUP}"] svg').getAttribute("aria-label")`);
  expect(Number(/^(\d+) MASTER change/.exec(spark)?.[1])).toBeGreaterThanOrEqual(2);
  await page.screenshot(join(dir, "4-failover.png"));

  // events filtered by node: only r1's (and the group's, which names it) remain
  const all = await page.eval<number>(`document.querySelectorAll("#events-body tr:not(.spacer):not([hidden])").length`);
  await page.eval(`(() => { const i = document.getElementById("event-node"); i.value = "r1"; i.dispatchEvent(new Event("input")); })()`);
  await page.waitFor(`document.getElementById("events-count").textContent !== "${all} shown"`, 5000);
  const nodes = await page.eval<string[]>(`[...document.querySelectorAll("#events-body tr:not(.spacer):not([hidden])")].map((t) => t.cells[1].textContent)`);
  expect(nodes.length).toBeGreaterThan(0);
  expect(nodes.length).toBeLessThan(all);
  for (const n of nodes) expect(n).toContain("r1");
  expect(page.errors).toEqual([]);
}, 90_000);
