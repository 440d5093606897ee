// The Prometheus endpoint of a running daemon (metrics_listen), scraped from
// inside its namespace and parsed by Prometheus's own promtool. Router r1 runs
// three VRRPv3 instances against a vigil on r2: VI_1 where r1 is MASTER, VI_2
// where r2 (priority 200) is, and VI_3 where both run VRID 63 with different
// VIPs, so each drops the other's adverts as address_mismatch (RFC 5798 §7.1).
// r1 also checks two real servers in the client namespace (one listening, one
// not) and reports to a fleet broker that is not there. The scrapes show each
// of these; counters grow between scrapes; stopping r2 moves VI_2 to r1 and the
// transition, mastership and priority-0 counters follow.
import { DROP_COUNT } from "../../src/vrrp/drop-reasons.ts";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { Lab, sleep } from "../helpers/lab.ts";
import { instanceStatus, startVigil, vigilConf, type VigilHandle, waitUntil } from "../helpers/vigil.ts";

const BUN = join(import.meta.dir, "..", "..", "node_modules", ".bin", "bun");
const PROMTOOL = "/usr/bin/promtool";
const URL_ = "http://127.0.0.1:9650/metrics";
const ADV = 0.1;

let lab: Lab;
let r1: VigilHandle;
let r2: VigilHandle;

/** One HTTP request from inside r1's namespace (the endpoint listens on its loopback). */
async function request(url: string, method = "GET", n = 1): Promise<Array<{ status: number; type: string; body: string }>> {
  const code = `const rs = await Promise.all(Array.from({ length: ${n} }, () => fetch(${JSON.stringify(url)}, { method: ${JSON.stringify(method)} })));
process.stdout.write(JSON.stringify(await Promise.all(rs.map(async (r) => ({ status: r.status, type: r.headers.get("content-type"), body: await r.text() })))));`;
  return JSON.parse(await lab.execAsync(1, [BUN, "-e", code]));
}

async function scrape(): Promise<string> {
  const [r] = await request(URL_);
  expect(r!.status).toBe(200);
  return r!.body;
}

function promtool(text: string): string {
  const r = Bun.spawnSync([PROMTOOL, "check", "metrics"], { stdin: new TextEncoder().encode(text), stdout: "pipe", stderr: "pipe" });
  return r.exitCode === 0 ? "ok" : `${r.stdout}${r.stderr}`;
}

/** The value of one series (labels as written), from text promtool accepted. */
function value(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  if (!line) return undefined;
  const v = line.slice(series.length + 1);
  return v === "+Inf" ? Infinity : Number(v);
}

const i = (name: string, metric: string, extra = "") => `${metric}{instance="${name}"${extra}}`;

function r1Conf(dir: string): string {
  return vigilConf({
    routerId: "r1",
    global: ["metrics_listen 127.0.0.1:9650", "vip_lifetime 3"],
    blocks: [
      "virtual_server 198.18.0.220 80 {", "  delay_loop 1", "  lb_algo rr", "  lb_kind NAT", "  protocol TCP",
      "  real_server 198.18.0.250 8080 {", "    TCP_CHECK {", "      connect_timeout 1", "      retry 0", "    }", "  }",
      "  real_server 198.18.0.250 8081 {", "    TCP_CHECK {", "      connect_timeout 1", "      retry 0", "    }", "  }", "}",
      "vigil_fleet {", "  broker mqtt://127.0.0.1:1", "  fleet lab", "  node r1", `  state_dir ${dir}/state-r1`, "}",
    ],
    instances: [
      { name: "VI_1", vrid: 61, priority: 150, advertInt: ADV, vips: ["198.18.0.161"] },
      { name: "VI_2", vrid: 62, priority: 100, advertInt: ADV, vips: ["198.18.0.162"] },
      { name: "VI_3", vrid: 63, priority: 100, advertInt: ADV, vips: ["198.18.0.163"] },
    ],
  });
}

const r2Conf = vigilConf({
  routerId: "r2",
  instances: [
    { name: "VI_1", vrid: 61, priority: 100, advertInt: ADV, vips: ["198.18.0.161"] },
    { name: "VI_2", vrid: 62, priority: 200, advertInt: ADV, vips: ["198.18.0.162"] },
    { name: "VI_3", vrid: 63, priority: 100, advertInt: ADV, vips: ["198.18.0.164"] },
  ],
});

beforeAll(async () => {
  lab = await Lab.create({ routers: 2 });
  lab.spawn("client", [BUN, "-e", "Bun.listen({ hostname: '198.18.0.250', port: 8080, socket: { open(s) { s.end(); }, data() {} } })"], "tcp-8080");
  r2 = await startVigil(lab, 2, r2Conf);
  r1 = await startVigil(lab, 1, r1Conf(lab.dir));
  const ok = await waitUntil(async () => (await instanceStatus(r1, "VI_1"))?.state === "MASTER" && (await instanceStatus(r1, "VI_2"))?.state === "BACKUP", 8000);
  if (!ok) throw new Error(`r1 did not settle: ${JSON.stringify(await instanceStatus(r1, "VI_2"))}`);
}, 60_000);

afterAll(async () => {
  await lab?.cleanup();
});

describe("GET /metrics", () => {
  test("promtool parses and lints a live scrape; the VRRP state set, priorities and VIP lifetimes are there", async () => {
    const t = await scrape();
    expect(promtool(t)).toBe("ok");
    expect(value(t, i("VI_1", "vigil_vrrp_state", ',state="MASTER"'))).toBe(1);
    expect(value(t, i("VI_1", "vigil_vrrp_state", ',state="BACKUP"'))).toBe(0);
    expect(value(t, i("VI_2", "vigil_vrrp_state", ',state="BACKUP"'))).toBe(1);
    expect(value(t, i("VI_2", "vigil_vrrp_master_priority"))).toBe(200);
    expect(value(t, i("VI_1", "vigil_vrrp_effective_priority"))).toBe(150);
    const life = value(t, i("VI_1", "vigil_vrrp_vip_valid_lifetime_seconds", ',address="198.18.0.161/32",dev="eth0"'));
    expect(life).toBeGreaterThanOrEqual(1);
    expect(life).toBeLessThanOrEqual(3);
    // a BACKUP holds no VIP: no lifetime series for it
    expect(t).not.toContain('vigil_vrrp_vip_valid_lifetime_seconds{instance="VI_2"');
  }, 30_000);

  test("counters grow between scrapes: adverts sent and received, VIP lease renewals, and every drop reason with address_mismatch counting r2's VI_3 adverts", async () => {
    const a = await scrape();
    await sleep(1200);
    const b = await scrape();
    for (const [name, metric] of [["VI_1", "vigil_vrrp_adverts_sent_total"], ["VI_2", "vigil_vrrp_adverts_received_total"], ["VI_1", "vigil_vrrp_vip_lease_renewals_total"], ["VI_3", "vigil_vrrp_adverts_dropped_total"]] as const) {
      const extra = metric === "vigil_vrrp_adverts_dropped_total" ? ',reason="address_mismatch"' : "";
      const before = value(a, i(name, metric, extra))!;
      const after = value(b, i(name, metric, extra))!;
      expect({ name, metric, grew: after > before }).toEqual({ name, metric, grew: true });
    }
    const reasons = b.split("\n").filter((l) => l.startsWith('vigil_vrrp_adverts_dropped_total{instance="VI_1"')).map((l) => /reason="([^"]+)"/.exec(l)![1]);
    expect(reasons).toContain("bad_ttl");
    expect(reasons).toContain("auth_failure");
    // one series per drop reason (src/vrrp/drop-reasons.ts; slot 0 counts accepted adverts)
    expect(reasons.length).toBe(DROP_COUNT - 1);
  }, 30_000);

  test("real servers and their check latency histograms; IPVS apply counts and errors; the fleet's queue while its broker is away", async () => {
    let t = "";
    expect(await waitUntil(async () => {
      t = await scrape();
      return (value(t, 'vigil_lvs_check_duration_seconds_count{virtual_server="198.18.0.220:80/TCP",real_server="198.18.0.250:8081",checker="TCP_CHECK"}') ?? 0) >= 2;
    }, 8000, 300)).toBe(true);
    expect(promtool(t)).toBe("ok");
    const rs = (r: string) => `{virtual_server="198.18.0.220:80/TCP",real_server="198.18.0.250:${r}"}`;
    expect(value(t, `vigil_lvs_real_server_up${rs("8080")}`)).toBe(1);
    expect(value(t, `vigil_lvs_real_server_up${rs("8081")}`)).toBe(0);
    const ck = (r: string) => `{virtual_server="198.18.0.220:80/TCP",real_server="198.18.0.250:${r}",checker="TCP_CHECK"}`;
    expect(value(t, `vigil_lvs_check_last_success${ck("8080")}`)).toBe(1);
    expect(value(t, `vigil_lvs_check_failures_total${ck("8081")}`)).toBeGreaterThanOrEqual(2);
    const buckets = t.split("\n").filter((l) => l.startsWith(`vigil_lvs_check_duration_seconds_bucket{virtual_server="198.18.0.220:80/TCP",real_server="198.18.0.250:8080"`)).map((l) => Number(l.split(" ").pop()));
    expect(buckets.length).toBe(14);
    expect(buckets).toEqual([...buckets].sort((x, y) => x - y));
    expect(buckets[buckets.length - 1]).toBe(value(t, `vigil_lvs_check_duration_seconds_count${ck("8080")}`)!);
    // this host's kernel has no IP_VS (as the namespace shows): the table cannot be applied, and that is counted
    const ipvs = lab.exec(1, ["sh", "-c", "test -e /proc/net/ip_vs && echo yes || echo no"]).trim();
    if (ipvs === "no") {
      expect(value(t, "vigil_ipvs_fault")).toBe(1);
      expect(value(t, "vigil_ipvs_apply_errors_total")).toBeGreaterThanOrEqual(1);
    } else {
      expect(value(t, "vigil_ipvs_fault")).toBe(0);
      expect(value(t, "vigil_ipvs_operations_total")).toBeGreaterThanOrEqual(1);
    }
    expect(value(t, "vigil_fleet_connected")).toBe(0);
    expect(value(t, "vigil_fleet_queued_events")).toBeGreaterThanOrEqual(1);
  }, 30_000);

  test("r2 stops: VI_2 moves to r1 and its transitions, mastership and priority-0 counters follow", async () => {
    const before = await scrape();
    process.kill(r2.proc.pid, "SIGTERM");
    await r2.proc.exited;
    // a scrape may reuse the snapshot of the last 500 ms: poll until it shows the takeover
    let after = "";
    expect(await waitUntil(async () => value((after = await scrape()), i("VI_2", "vigil_vrrp_state", ',state="MASTER"')) === 1, 5000, 100)).toBe(true);
    expect(value(after, i("VI_2", "vigil_vrrp_transitions_total"))).toBe(value(before, i("VI_2", "vigil_vrrp_transitions_total"))! + 1);
    expect(value(after, i("VI_2", "vigil_vrrp_became_master_total"))).toBe(value(before, i("VI_2", "vigil_vrrp_became_master_total"))! + 1);
    expect(value(after, i("VI_2", "vigil_vrrp_priority_zero_received_total"))).toBeGreaterThanOrEqual(1);
    expect(value(after, i("VI_2", "vigil_vrrp_last_transition_timestamp_seconds"))).toBeGreaterThan(value(before, i("VI_2", "vigil_vrrp_last_transition_timestamp_seconds"))!);
  }, 30_000);

  test("HTTP: the text format's content type; 404 elsewhere, 405 for other methods; concurrent scrapes share one snapshot", async () => {
    const [ok] = await request(URL_);
    expect(ok!.type).toBe("text/plain; version=0.0.4; charset=utf-8");
    expect((await request("http://127.0.0.1:9650/"))[0]!.status).toBe(404);
    expect((await request(URL_, "POST"))[0]!.status).toBe(405);
    const many = await request(URL_, "GET", 20);
    expect(many.every((r) => r.status === 200)).toBe(true);
    // a scrape storm is served from one status request to the VRRP worker (or a few, as it straddles the 500 ms reuse window)
    expect(new Set(many.map((r) => r.body)).size).toBeLessThanOrEqual(2);
  }, 30_000);
});
