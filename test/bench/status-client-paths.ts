// Where `vigil status`'s cold start goes (issue 14, item 3): what each way a compiled Bun
// program can get the daemon's status costs, whole process, beside a compiled Bun
// "hello". Each variant is a few lines of TypeScript compiled with the shipped binary's
// flags, run round-robin with `vigil version`, `vigil status` (the status file) and
// `vigil status --live` (the socket) by test/bench/exec-time.c inside a lab namespace
// where the shipped daemon (dist/vigil-linux-x64) runs one instance; medians, × the hello.
// The variants:
//   connect + brief request  Bun.connect, "status brief", read to the end, parse, print
//   connect + trivial request  the same, for a request the main thread answers alone
//   connect only             Bun.connect, then close
//   node:net                 createConnection, brief request
//   Bun.file().text()        the status file, one asynchronous read
//   node:fs readFileSync     the status file; and importing node:fs alone
//   Bun.mmap                 the status file, one synchronous mapping
// Then a warm client's round trip to the daemon (the daemon's own share): the brief
// request against a request the main thread answers at once, median of 60 each.
//
//   make build && bun test/bench/status-client-paths.ts [--rounds 40]   (on demand, not in make bench)
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { statusFilePath } from "../../src/daemon/status-file-doc.ts";
import { queryStatus } from "../../src/daemon/status-server.ts";
import { ROOT, shippedBinary } from "../helpers/board.ts";
import { keepalivedConf } from "../helpers/keepalived.ts";
import { Lab, sleep } from "../helpers/lab.ts";
import { instances } from "./board-configs.ts";
import { percentile } from "./faults.ts";

const { values } = parseArgs({ options: { rounds: { type: "string", default: "40" } } });
const ROUNDS = Number(values.rounds);
if (!Number.isInteger(ROUNDS) || ROUNDS < 5 || ROUNDS > 2000) throw new Error("--rounds must be a whole number 5..2000");
const BUN = join(ROOT, "node_modules", ".bin", "bun");
const BUILD = join(ROOT, "build", "bench", "status-paths");

const print = "console.log(`vigil ${st.version} pid ${st.pid}: ${st.instances.length}`); process.exit(0);";
const connect = (request: string) => `let buf = "";
await new Promise((resolve, reject) => { Bun.connect({ unix: process.argv[2], socket: { open(s) { s.write(${JSON.stringify(`${request}\n`)}); }, data(_s, c) { buf += c.toString(); }, close() { resolve(undefined); }, error(_s, e) { reject(e); } } }).catch(reject); });
const st = JSON.parse(buf); ${request === "status brief" ? print : "console.log(st.error); process.exit(0);"}`;
const VARIANTS: Array<[string, string]> = [
  ["compiled Bun hello (floor)", 'console.log("hello");'],
  ["connect + brief request", connect("status brief")],
  ["connect + trivial request (main thread answers alone)", connect("nothing")],
  ["connect only", 'await new Promise((resolve, reject) => { Bun.connect({ unix: process.argv[2], socket: { open(s) { s.end(); resolve(undefined); }, data() {}, error(_s, e) { reject(e); } } }).catch(reject); }); console.log("x"); process.exit(0);'],
  ["node:net, brief request", `import { createConnection } from "node:net"; let buf = "";
await new Promise((resolve, reject) => { const c = createConnection(process.argv[2], () => c.write("status brief\\n")); c.on("data", (d) => (buf += d)); c.on("end", resolve); c.on("error", reject); });
const st = JSON.parse(buf); ${print}`],
  ["status file, Bun.file().text()", `const st = JSON.parse(await Bun.file(process.argv[3]).text()); ${print}`],
  ["status file, node:fs readFileSync", `import { readFileSync } from "node:fs"; const st = JSON.parse(readFileSync(process.argv[3], "utf8")); ${print}`],
  ["importing node:fs alone", 'import { readFileSync } from "node:fs"; console.log(typeof readFileSync); process.exit(0);'],
  ["status file, Bun.mmap", `const st = JSON.parse(new TextDecoder().decode(Bun.mmap(process.argv[3]))); ${print}`],
];

function sh(argv: string[]): void {
  const r = Bun.spawnSync(argv, { stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`${argv.join(" ")}: exit ${r.exitCode}: ${r.stderr.toString().trim()}`);
}

mkdirSync(BUILD, { recursive: true });
const execTime = join(BUILD, "exec-time");
sh(["cc", "-O2", "-Wall", "-o", execTime, join(import.meta.dir, "exec-time.c")]);
const bins = VARIANTS.map(([, src], i) => {
  const ts = join(BUILD, `v${i}.ts`);
  writeFileSync(ts, `${src}\n`);
  const out = join(BUILD, `v${i}`);
  sh([BUN, "build", "--compile", "--bytecode", "--minify", "--format=esm", ts, "--outfile", out]);
  return out;
});
const vigil = shippedBinary("x64");
const lab = await Lab.create({ routers: 1 });
try {
  const conf = join(lab.dir, "one.conf");
  writeFileSync(conf, keepalivedConf({ routerId: "r1", instances: instances(1, 150) }));
  const sock = join(lab.dir, "status.sock");
  const file = statusFilePath(sock);
  lab.spawn(1, [vigil, "run", "-f", conf, "--status-socket", sock, "--lock-dir", join(lab.dir, "lock")], "vigil");
  for (let i = 0; i < 200 && !(existsSync(file) && (await queryStatus(sock).then(() => true, () => false))); i++) await sleep(50);
  if (!existsSync(file)) throw new Error(`status-client-paths: the daemon wrote no ${file}`);

  const cmds: Array<[string, string[]]> = [
    ...VARIANTS.map(([name], i) => [name, [bins[i]!, sock, file]] as [string, string[]]),
    ["vigil version", [vigil, "version"]],
    ["vigil status (the status file)", [vigil, "status", "--socket", sock]],
    ["vigil status --live (the socket)", [vigil, "status", "--socket", sock, "--live"]],
  ];
  const la0 = (await Bun.file("/proc/loadavg").text()).trim();
  const out = lab.exec(1, [execTime, String(ROUNDS), ...cmds.flatMap(([, c], i) => (i ? ["--", ...c] : c))]).trim().split("\n");
  const la1 = (await Bun.file("/proc/loadavg").text()).trim();
  const rows = out.map((l) => l.split(" ").map(Number));
  const [hello, helloP10, , , helloCpu] = rows[0]! as [number, number, number, number, number];
  console.log(`\nwhole process, exec → exit, ${ROUNDS} round-robin rounds (test/bench/exec-time.c), ms; loadavg before: ${la0}; after: ${la1}`);
  // p10 beside the median: on a loaded host the low decile is the least disturbed estimate
  console.log("| variant | median | p10 | × hello (median; p10) | CPU median | CPU × hello |");
  console.log("|---|---|---|---|---|---|");
  cmds.forEach(([name], i) => {
    const [median, p10, , fails, cpu] = rows[i]!;
    console.log(`| ${name}${fails ? ` (${fails} failed)` : ""} | ${median!.toFixed(2)} | ${p10!.toFixed(2)} | ${(median! / hello).toFixed(2)}; ${(p10! / helloP10).toFixed(2)} | ${cpu!.toFixed(2)} | ${(cpu! / helloCpu).toFixed(2)} |`);
  });

  // the daemon's share: a warm client's round trip, interleaved
  const rt: Record<string, number[]> = { "status brief": [], nothing: [] };
  for (let i = 0; i < 60; i++) {
    for (const req of Object.keys(rt)) {
      await sleep(30);
      const t0 = performance.now();
      await queryStatus(sock, req);
      rt[req]!.push(performance.now() - t0);
    }
  }
  console.log(`\nwarm client round trip, 60 each interleaved, ms median (p10 / p90): brief request ${percentile(rt["status brief"]!, 50).toFixed(3)} (${percentile(rt["status brief"]!, 10).toFixed(3)} / ${percentile(rt["status brief"]!, 90).toFixed(3)}); ` +
    `a request the main thread answers alone ${percentile(rt.nothing!, 50).toFixed(3)} (${percentile(rt.nothing!, 10).toFixed(3)} / ${percentile(rt.nothing!, 90).toFixed(3)})`);
} finally {
  await lab.cleanup();
}
