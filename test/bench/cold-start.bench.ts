// bench-timeout: 400
// Cold start of the shipped binary (issue 14, item 3), whole process, side by side
// in one run:
//   - exec → exit of `vigil version`, `vigil status` against a running daemon (the
//     table, read from the daemon's status file), `vigil status --live` (the same
//     table asked over the status socket) and the least a Bun client of the status
//     socket can do (connect, request, print),
//     `vigil config check` of a 10 000-line keepalived.conf, against a compiled Bun
//     "hello" (the floor any `bun build --compile` program pays) and `keepalived -t`
//     of the same file. test/bench/exec-time.c runs them round-robin (every command
//     sees the same host load), ROUNDS times, inside a lab namespace that has the
//     interfaces the file names (keepalived -t checks they exist); medians.
//   - daemon start, 1 and 200 address-owner instances (priority 255: RFC 5798 §6.4.1
//     sends at once): exec → first advert on the lab bridge (tcpdump clock, same as
//     board-startup.ts) and exec → status socket answering (polled every 2 ms).
// The binary is dist/vigil-linux-x64 copied outside the checkout (a board's view).
// Targets: version and status ≤ 1.3 × hello; config check ≤ keepalived -t.
//
//   bun test/bench/cold-start.bench.ts        COLD_ROUNDS=40 COLD_STARTS=8
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { statusFilePath } from "../../src/daemon/status-file-doc.ts";
import { queryStatus } from "../../src/daemon/status-server.ts";
import { ROOT, shippedBinary } from "../helpers/board.ts";
import { keepalivedConf } from "../helpers/keepalived.ts";
import { Lab, nowMs, sleep } from "../helpers/lab.ts";
import { instances } from "./board-configs.ts";
import { execToFirstAdvert } from "./board-startup.ts";
import { bigKeepalivedConf } from "./config-gen.ts";
import { percentile } from "./faults.ts";

function envInt(name: string, dflt: number, min: number, max: number): number {
  const v = Number(process.env[name] ?? dflt);
  if (!Number.isInteger(v) || v < min || v > max) { console.error(`cold-start: ${name} must be a whole number ${min}..${max}`); process.exit(2); }
  return v;
}
const ROUNDS = envInt("COLD_ROUNDS", 40, 5, 2000);
const STARTS = envInt("COLD_STARTS", 8, 1, 50);
const BUN = join(ROOT, "node_modules", ".bin", "bun");
const BUILD = join(ROOT, "build", "bench");
const loadavg = () => Bun.file("/proc/loadavg").text().then((t) => t.trim());

function sh(argv: string[]): string {
  const r = Bun.spawnSync(argv, { stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`${argv.join(" ")}: exit ${r.exitCode}: ${r.stderr.toString().trim()}`);
  return r.stdout.toString();
}

// The least a Bun client of the status socket can do: connect, send the brief
// request, read to the end, parse, print one line. `vigil status` against it
// separates vigil's own client work from the runtime's cost of a socket round trip.
const STATUS_FLOOR_SRC = `let buf = "";
await new Promise((resolve, reject) => {
  Bun.connect({ unix: process.argv[2], socket: {
    open(s) { s.write("status brief\\n"); },
    data(_s, chunk) { buf += chunk.toString(); },
    close() { resolve(undefined); },
    error(_s, e) { reject(e); },
  } }).catch(reject);
});
const st = JSON.parse(buf);
const w = Bun.stdout.writer();
w.write(\`vigil \${st.version} pid \${st.pid}: \${st.instances.length} instance(s)\\n\`);
w.flush();
process.exit(0);
`;

/** the C launcher, the compiled hello and the minimal status client, built fresh with the host's cc and the binary's own bun build flags */
function buildTools(): { execTime: string; hello: string; statusFloor: string } {
  mkdirSync(BUILD, { recursive: true });
  const execTime = join(BUILD, "exec-time");
  sh(["cc", "-O2", "-Wall", "-o", execTime, join(import.meta.dir, "exec-time.c")]);
  const helloSrc = join(BUILD, "hello.ts");
  writeFileSync(helloSrc, 'console.log("hello");\n');
  const hello = join(BUILD, "hello");
  sh([BUN, "build", "--compile", "--bytecode", "--minify", "--format=esm", helloSrc, "--outfile", hello]);
  const floorSrc = join(BUILD, "status-floor.ts");
  writeFileSync(floorSrc, STATUS_FLOOR_SRC);
  const statusFloor = join(BUILD, "status-floor");
  sh([BUN, "build", "--compile", "--bytecode", "--minify", "--format=esm", floorSrc, "--outfile", statusFloor]);
  return { execTime, hello, statusFloor };
}

interface ExecRow { name: string; median: number; p10: number; p90: number; fails: number; cpu: number; cpuP10: number }

const tools = buildTools();
const vigil = shippedBinary("x64");
const lab = await Lab.create({ routers: 1 });
const rows: ExecRow[] = [];
const starts: Array<{ n: number; advert: number[]; status: number[]; failures: string[] }> = [];
try {
  // the interfaces bigKeepalivedConf names (veth pairs: this kernel has no dummy driver), so keepalived -t checks the whole file and passes
  for (let i = 0; i < 8; i++) lab.exec(1, ["sh", "-c", `ip link show eth${i} >/dev/null 2>&1 || ip link add eth${i} type veth peer name eth${i}p`]);
  const big = join(lab.dir, "big.conf");
  // scripts that exist, and the script security keepalived then asks for: keepalived -t passes (exit 0)
  writeFileSync(big, bigKeepalivedConf(10_000).replaceAll("/usr/local/bin/check ", "/bin/true ").replace("    vrrp_version 3\n", "    vrrp_version 3\n    enable_script_security\n    script_user root\n"));
  const kaCheck = Bun.spawnSync(["ip", "netns", "exec", lab.ns(1), "keepalived", "-t", "-f", big], { stdout: "pipe", stderr: "pipe" });
  const kaOk = kaCheck.exitCode === 0;

  // a daemon for `vigil status` to ask
  const one = join(lab.dir, "one.conf");
  writeFileSync(one, keepalivedConf({ routerId: "r1", instances: instances(1, 150) }));
  const sock = join(lab.dir, "status.sock");
  const d = lab.spawn(1, [vigil, "run", "-f", one, "--status-socket", sock, "--lock-dir", join(lab.dir, "lock")], "vigil");
  for (let i = 0; i < 200 && !(existsSync(sock) && (await queryStatus(sock).then(() => true, () => false))); i++) await sleep(50);
  // the table's file, which `vigil status` reads (src/daemon/status-file.ts)
  for (let i = 0; i < 100 && !existsSync(statusFilePath(sock)); i++) await sleep(50);
  if (!existsSync(statusFilePath(sock))) throw new Error(`cold-start: the daemon wrote no ${statusFilePath(sock)}`);

  const cmds: Array<[string, string[]]> = [
    ["compiled Bun hello (floor)", [tools.hello]],
    // each status client follows a command that does not talk to the daemon: the one
    // right after a status query would find the daemon's caches warm
    ["minimal Bun status client (connect, brief request, print)", [tools.statusFloor, sock]],
    ["vigil version", [vigil, "version"]],
    ["vigil status (daemon running: its status file)", [vigil, "status", "--socket", sock]],
    ["vigil version, again (a command between two status queries)", [vigil, "version"]],
    ["vigil status --live (daemon answering on its socket)", [vigil, "status", "--socket", sock, "--live"]],
    ["vigil config check, 10 000 lines", [vigil, "config", "check", big]],
    [`keepalived -t, same file${kaOk ? "" : " (exit ≠ 0!)"}`, ["keepalived", "-t", "-f", big]],
  ];
  const argv = [tools.execTime, String(ROUNDS), ...cmds.flatMap(([, c], i) => (i ? ["--", ...c] : c))];
  const la0 = await loadavg();
  const out = lab.exec(1, argv).trim().split("\n");
  const la1 = await loadavg();
  out.forEach((line, i) => {
    const [median, p10, p90, fails, cpu, cpuP10] = line.split(" ").map(Number);
    rows.push({ name: cmds[i]![0], median: median!, p10: p10!, p90: p90!, fails: fails!, cpu: cpu!, cpuP10: cpuP10! });
  });
  lab.kill(1, "SIGTERM");
  await lab.reap(1, 5000);
  void d;

  console.log(`\nwhole process, exec → exit, ${ROUNDS} round-robin rounds (test/bench/exec-time.c), ms; loadavg before: ${la0}; after: ${la1}`);
  // p10 beside the median: on a loaded host the low decile is the least disturbed estimate of each
  // CPU: the child's user + system time over all its threads (JIT compiler and GC threads too), median (p10)
  console.log("| command | median | p10 | p90 | × hello (median; p10) | × keepalived -t (median; p10) | CPU median (p10) | CPU × hello; × keepalived -t (medians) |");
  console.log("|---|---|---|---|---|---|---|---|");
  const hello = rows[0]!.median;
  const KA = rows.length - 1; // keepalived -t is the last command
  const ka = rows[KA]!.median;
  for (const r of rows) {
    console.log(`| ${r.name}${r.fails ? ` (${r.fails} failed)` : ""} | ${r.median.toFixed(2)} | ${r.p10.toFixed(2)} | ${r.p90.toFixed(2)} | ` +
      `${(r.median / hello).toFixed(2)}; ${(r.p10 / rows[0]!.p10).toFixed(2)} | ${(r.median / ka).toFixed(2)}; ${(r.p10 / rows[KA]!.p10).toFixed(2)} | ` +
      `${r.cpu.toFixed(2)} (${r.cpuP10.toFixed(2)}) | ${(r.cpu / rows[0]!.cpu).toFixed(2)}; ${(r.cpu / rows[KA]!.cpu).toFixed(2)} |`);
  }
  const [, floorClient, version, status, , live, check] = rows as [ExecRow, ExecRow, ExecRow, ExecRow, ExecRow, ExecRow, ExecRow];
  console.log(`targets: version ${(version.median / hello).toFixed(2)}× hello (≤ 1.3: ${version.median <= 1.3 * hello ? "met" : "missed"}), ` +
    `status ${(status.median / hello).toFixed(2)}× (${status.median <= 1.3 * hello ? "met" : "missed"}), ` +
    `config check ${(check.median / ka).toFixed(2)}× keepalived -t (≤ 1: ${check.median <= ka ? "met" : "missed"}); ` +
    `the minimal status client ${(floorClient.median / hello).toFixed(2)}× hello, vigil status ${(status.median / floorClient.median).toFixed(2)}× it, ` +
    `vigil status --live ${(live.median / hello).toFixed(2)}× hello`);

  // ---------------------------------------------------------------- daemon start
  for (const n of [1, 200]) {
    const conf = join(lab.dir, `owner-${n}.conf`);
    const text = keepalivedConf({ routerId: "r1", instances: instances(n, 255) }).replaceAll("  state BACKUP\n", "  state MASTER\n");
    writeFileSync(conf, text);
    const run = (r: number) => [vigil, "run", "-f", conf, "--status-socket", join(lab.dir, `s${n}-${r}.sock`), "--lock-dir", join(lab.dir, `l${n}-${r}`)];
    const advert = await execToFirstAdvert(lab, run, { runs: STARTS, boundMs: 10_000, giveUpAfter: 2 });
    // exec → status socket answering: its own starts (polling is load the advert figure should not carry)
    const status: number[] = [];
    for (let r = 0; r < STARTS; r++) {
      const s = join(lab.dir, `q${n}-${r}.sock`);
      const t0 = nowMs();
      lab.spawn(1, [vigil, "run", "-f", conf, "--status-socket", s, "--lock-dir", join(lab.dir, `m${n}-${r}`)], "start");
      let t: number | undefined;
      const deadline = performance.now() + 30_000;
      for (let i = 0; i < 15_000 && t === undefined && performance.now() < deadline; i++) {
        if (existsSync(s) && (await queryStatus(s, "status", 5000).then(() => true, () => false))) t = nowMs() - t0;
        else await Bun.sleep(2);
      }
      if (t !== undefined) status.push(t);
      lab.kill(1, "SIGTERM");
      await lab.reap(1, 5000);
    }
    starts.push({ n, advert: advert.samples, status, failures: advert.failures });
  }
  console.log(`\ndaemon start, ${STARTS} starts each, address owner (priority 255, state MASTER), advert_int 1 s; ms, median / max; loadavg ${await loadavg()}`);
  console.log("| instances | exec → first advert (bridge capture) | exec → status socket answering |");
  console.log("|---|---|---|");
  for (const s of starts) {
    const f = (xs: number[]) => (xs.length ? `${percentile(xs, 50).toFixed(1)} / ${Math.max(...xs).toFixed(1)} (n=${xs.length})` : "none");
    console.log(`| ${s.n} | ${f(s.advert)} | ${f(s.status)} |${s.failures.length ? ` failures: ${s.failures.join("; ")}` : ""}`);
  }
  mkdirSync(join(ROOT, "build", "bench"), { recursive: true });
  writeFileSync(join(ROOT, "build", "bench", "cold-start.json"), JSON.stringify({ rounds: ROUNDS, rows, starts }, null, 2));
} finally {
  await lab.cleanup();
}
