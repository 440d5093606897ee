// Board tier: every command `vigil help` lists, run from the shipped binary copied out
// of the checkout, with the checkout (node_modules and Bun with it) hidden by a tmpfs in
// a private mount namespace. Files the commands read are copied into a scratch
// directory first: a board has the binary and its config, nothing else.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawn, type Subprocess } from "bun";
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { type Arch, binaryArgv, boardVigil, ROOT, runHidden, runHiddenAsync, WRAPPER_BUN_VISIBLE, WRAPPER_MOUNT_FAILED } from "../helpers/board.ts";
import { Netns } from "../helpers/netns.ts";

const scratch = mkdtempSync(join(tmpdir(), "vigil-board-cli-"));
const exercised = new Set<string>();

/** "x64 status", "arm64 config sign": what a run exercised, for the coverage test below */
function note(arch: Arch, args: string[]) {
  exercised.add(`${arch} ${args[0] === "config" ? `config ${args[1]}` : args[0]}`);
}

function vigil(arch: Arch, args: string[], timeoutMs = 60_000) {
  note(arch, args);
  const r = runHidden([...binaryArgv(arch), ...args], { timeoutMs });
  if (r.code === WRAPPER_MOUNT_FAILED || r.code === WRAPPER_BUN_VISIBLE) throw new Error(`board wrapper failed (${r.code}): ${r.err}`);
  return r;
}

/** a fixture copied out of the checkout, so the hidden binary can read it */
function fixture(name: string): string {
  const dst = join(scratch, name);
  copyFileSync(join(ROOT, "test", "fixtures", name), dst);
  return dst;
}

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("board wrapper", () => {
  test("the checkout is empty and no bun is on PATH inside it", () => {
    const r = runHidden(["sh", "-c", `ls -A '${ROOT}' | wc -l; command -v bun || echo no-bun; pwd`]);
    expect(r.code).toBe(0);
    expect(r.out.split("\n").slice(0, 3)).toEqual(["0", "no-bun", "/"]);
    // and outside it the checkout is really there: the hiding is what made it empty
    expect(existsSync(join(ROOT, "package.json"))).toBe(true);
  });
});

describe("shipped binaries carry no path of the build tree", () => {
  for (const arch of ["x64", "arm64"] as const) {
    test(`dist/vigil-linux-${arch} does not contain ${ROOT}`, () => {
      const bin = readFileSync(join(ROOT, "dist", `vigil-linux-${arch}`));
      expect(bin.indexOf(Buffer.from(ROOT))).toBe(-1);
    });
  }
});

for (const arch of ["x64", "arm64"] as const) {
  describe(`vigil-linux-${arch}, checkout hidden`, () => {
    const out = (n: string) => join(scratch, `${arch}-${n}`);

    test("help lists the commands", () => {
      const r = vigil(arch, ["help"]);
      expect(r.code).toBe(0);
      expect(r.out).toContain("usage: vigil <command>");
    });

    test("version names the version and architecture", () => {
      const r = vigil(arch, ["version"]);
      expect(r.code).toBe(0);
      expect(r.out).toContain(`linux-${arch}`);
    });

    test("reads no .env or bunfig.toml from the directory it is started in (a daemon's environment is its unit's)", () => {
      const dir = out("cwd-with-dotenv");
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, ".env"), "VIGIL_STATUS_SOCKET=/nonexistent/from-dotenv.sock\n");
      note(arch, ["status"]);
      const r = runHidden(["sh", "-c", `cd '${dir}' && exec "$@"`, "sh", ...binaryArgv(arch), "status"]);
      expect(r.code).toBe(1);
      expect(r.err).toContain("vigil status:");
      expect(r.err).not.toContain("from-dotenv");
    });

    test("config check passes the user's sample and names file:line:col on an error", () => {
      const ok = vigil(arch, ["config", "check", fixture("user-sample.conf")]);
      expect({ code: ok.code, out: ok.out }).toMatchObject({ code: 0, out: expect.stringContaining(": OK") });
      const bad = out("broken.conf");
      writeFileSync(bad, "vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 300\n}\n");
      const r = vigil(arch, ["config", "check", bad]);
      expect(r.code).toBe(1);
      expect(r.out + r.err).toContain(`${bad}:3:`);
    });

    test("config convert writes JSON and CBOR that check again", () => {
      const src = fixture("two-router-sync.conf");
      for (const to of ["json", "cbor", "keepalived"]) {
        const dst = out(`converted.${to}`);
        const r = vigil(arch, ["config", "convert", src, "--to", to, "--out", dst]);
        expect({ to, code: r.code, err: r.err }).toMatchObject({ to, code: 0 });
        const c = vigil(arch, ["config", "check", dst]);
        expect({ to, code: c.code }).toEqual({ to, code: 0 });
      }
    }, 60_000);

    test("config keygen and sign make a key pair (private key 0600) and a blob", () => {
      const r = vigil(arch, ["config", "keygen", "--out", out("fleet")]);
      expect(r.code).toBe(0);
      expect(statSync(out("fleet.key")).mode & 0o777).toBe(0o600);
      expect(readFileSync(out("fleet.pub"), "utf8")).toContain("BEGIN PUBLIC KEY");
      const s = vigil(arch, ["config", "sign", fixture("unicast.conf"), "--key", out("fleet.key"), "--serial", "7", "--fleet", "board", "--out", out("blob")]);
      expect({ code: s.code, err: s.err }).toMatchObject({ code: 0 });
      // COSE_Sign1 is CBOR tag 18: 0xd2
      expect(readFileSync(out("blob"))[0]).toBe(0xd2);
    });

    test("fleet web refuses a non-loopback listen without --auth-file, and an auth file others can read", () => {
      const r = vigil(arch, ["fleet", "web", "--broker", "mqtt://127.0.0.1:1", "--fleet", "board", "--listen", "0.0.0.0:8080"]);
      expect({ code: r.code, out: r.out }).toEqual({ code: 2, out: "" });
      expect(r.err).toContain("refusing to serve the fleet on 0.0.0.0:8080 without --auth-file");
      const auth = out("web-auth");
      writeFileSync(auth, "ops:secret\n", { mode: 0o644 });
      const p = vigil(arch, ["fleet", "web", "--broker", "mqtt://127.0.0.1:1", "--fleet", "board", "--listen", "0.0.0.0:8080", "--auth-file", auth]);
      expect(p.code).toBe(2);
      expect(p.err).toContain("mode 644 lets others read it; chmod 600 it");
    });

    test("digest prints the MD5 of a page", async () => {
      const body = `board page ${arch}\n`;
      const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response(body) });
      try {
        exercised.add(`${arch} digest`);
        const r = await runHiddenAsync([...binaryArgv(arch), "digest", `http://127.0.0.1:${server.port}/`]);
        expect(r.code).toBe(0);
        expect(r.out).toContain(createHash("md5").update(body).digest("hex"));
      } finally {
        server.stop(true);
      }
    });
  });
}

// run, status, config push and status --broker need a namespace and a broker. The broker
// runs inside the daemon's namespace (loopback there), so every command runs there too.
describe("vigil-linux-x64, checkout hidden, in a namespace with a broker", () => {
  let ns: Netns;
  let peer: Netns;
  let broker: Subprocess | undefined;
  let daemon: Subprocess | undefined;
  let daemonLog: Promise<string> = Promise.resolve("");
  const brokerUrl = "mqtt://127.0.0.1:1883";
  const inNs = (args: string[]) => ["ip", "netns", "exec", ns.name, ...binaryArgv("x64"), ...args];
  const nsVigil = async (args: string[]) => {
    note("x64", args);
    return runHiddenAsync(inNs(args));
  };

  beforeAll(async () => {
    ns = new Netns("board-cli");
    // The peer end lives in a namespace of its own: in the daemon's, it would answer
    // ARP for the VIP (a local address) and look like a second holder.
    peer = new Netns("board-cli-peer");
    ns.exec(["ip", "link", "add", "eth0", "type", "veth", "peer", "name", "peer0", "netns", peer.name]);
    peer.exec(["ip", "link", "set", "peer0", "up"]);
    ns.exec(["ip", "link", "set", "eth0", "up"]);
    ns.exec(["ip", "addr", "add", "198.18.3.1/24", "dev", "eth0"]);
    const sock = join(scratch, "mq.sock");
    writeFileSync(join(scratch, "mosquitto.conf"), ["listener 1883 127.0.0.1", `listener 0 ${sock}`, "allow_anonymous true", "persistence false", "user root", "log_dest stderr", "log_type error"].join("\n") + "\n");
    broker = spawn([...ns.prefix(), "mosquitto", "-c", join(scratch, "mosquitto.conf")], { stdout: "ignore", stderr: "ignore" });
    for (let i = 0; i < 100 && !existsSync(sock); i++) await Bun.sleep(50);
    if (!existsSync(sock)) throw new Error("mosquitto did not start in the namespace");
  });
  afterAll(async () => {
    for (const p of [daemon, broker]) if (p && p.exitCode === null) { p.kill("SIGKILL"); await p.exited; }
    ns?.delete();
    peer?.delete();
  });

  test("run becomes master with its VIP and reports to the broker; status reads it", async () => {
    const conf = join(scratch, "run.conf");
    const sock = join(scratch, "run.sock");
    writeFileSync(conf, [
      "vrrp_instance VI_B {", "  interface eth0", "  virtual_router_id 77", "  priority 200", "  advert_int 1",
      "  virtual_ipaddress {", "    198.18.3.100/24", "  }", "}",
      "vigil_fleet {", `  broker ${brokerUrl}`, "  fleet board", "  node gw-b", "  payload json", `  state_dir ${join(scratch, "state")}`, "}", "",
    ].join("\n"));
    exercised.add("x64 run");
    daemon = spawn([...ns.prefix(), ...boardVigil("x64"), "run", "-f", conf, "--status-socket", sock, "--lock-dir", scratch], { stdout: "pipe", stderr: "pipe" });
    const log = new Response(daemon.stderr as ReadableStream).text();
    let state = "";
    for (let i = 0; i < 100 && state !== "MASTER"; i++) {
      await Bun.sleep(100);
      if (daemon.exitCode !== null) break;
      const s = await nsVigil(["status", "--socket", sock, "--json"]);
      if (s.code === 0) state = JSON.parse(s.out).instances?.[0]?.state ?? "";
    }
    if (state !== "MASTER") daemon.kill("SIGKILL");
    expect({ state, log: state === "MASTER" ? "" : await log }).toEqual({ state: "MASTER", log: "" });
    daemonLog = log;
    expect(ns.exec(["ip", "-4", "addr", "show", "dev", "eth0"])).toContain("198.18.3.100/24");
    // the allocator re-exec through /proc/self/exe keeps the PID and the name operators' scripts use
    expect(readFileSync(`/proc/${daemon.pid}/comm`, "utf8").trim()).toBe(basename(binaryArgv("x64")[0]!));
    expect(readFileSync(`/proc/${daemon.pid}/environ`, "latin1")).toContain("MIMALLOC_PURGE_DELAY=0\0");
    expect((await nsVigil(["status", "--socket", sock])).out).toContain("VI_B");
    let fleet = "";
    for (let i = 0; i < 50 && !/gw-b[\s\S]*MASTER/.test(fleet); i++) {
      fleet = (await nsVigil(["status", "--broker", brokerUrl, "--fleet", "board", "--wait-ms", "300"])).out;
    }
    expect(fleet).toMatch(/gw-b[\s\S]*VI_B[\s\S]*MASTER/);
  }, 30_000);

  test("config push publishes a signed blob to the broker", async () => {
    const key = join(scratch, "push");
    expect(vigil("x64", ["config", "keygen", "--out", key]).code).toBe(0);
    const blob = join(scratch, "push.blob");
    expect(vigil("x64", ["config", "sign", fixture("unicast.conf"), "--key", `${key}.key`, "--serial", "3", "--fleet", "board", "--out", blob]).code).toBe(0);
    const sub = spawn([...ns.prefix(), "mosquitto_sub", "-h", "127.0.0.1", "-p", "1883", "-t", "vigil/v1/board/all/config/set", "-C", "1", "-W", "20", "-F", "%l"], { stdout: "pipe" });
    await Bun.sleep(300); // the subscription is in place before the push
    const r = await nsVigil(["config", "push", blob, "--broker", brokerUrl, "--fleet", "board", "--all"]);
    expect({ code: r.code, err: r.err }).toMatchObject({ code: 0 });
    expect(Number((await new Response(sub.stdout).text()).trim())).toBe(statSync(blob).size);
  });

  test("fleet rollout --dry-run reads the daemon's running config over config/get (payload json) and names what a blob would change, publishing nothing", async () => {
    const key = join(scratch, "push");
    const conf = join(scratch, "dry.conf");
    writeFileSync(conf, ["vrrp_instance VI_B {", "  interface eth0", "  virtual_router_id 77", "  priority 150", "  advert_int 1", "  virtual_ipaddress {", "    198.18.3.100/24", "  }", "}", ""].join("\n"));
    const blob = join(scratch, "dry.blob");
    expect(vigil("x64", ["config", "sign", conf, "--key", `${key}.key`, "--serial", "9", "--fleet", "board", "--out", blob]).code).toBe(0);
    const r = await nsVigil(["fleet", "rollout", blob, "--broker", brokerUrl, "--fleet", "board", "--node", "gw-b", "--dry-run", "--settle-ms", "500"]);
    expect({ code: r.code, err: r.err }).toEqual({ code: 0, err: "" });
    expect(r.out).toContain("gw-b (wave 1, runs serial 0): 1 change(s)\n  vrrp_instance VI_B changed: priority 200 → 150\n");
  });

  test("fleet web serves its embedded page and the daemon's state as a Server-Sent Events snapshot; only loopback Host names", async () => {
    exercised.add("x64 fleet");
    const web = spawn([...ns.prefix(), ...boardVigil("x64"), "fleet", "web", "--broker", brokerUrl, "--fleet", "board", "--listen", "127.0.0.1:0"], { stdout: "pipe", stderr: "pipe" });
    try {
      const reader = (web.stdout as ReadableStream<Uint8Array>).getReader();
      const line = new TextDecoder().decode((await Promise.race([reader.read(), Bun.sleep(15_000).then(() => ({ value: undefined }))])).value);
      const url = / on (http:\/\/127\.0\.0\.1:\d+\/)/.exec(line)?.[1];
      expect({ line, url: !!url }).toMatchObject({ url: true });
      const curl = (args: string[]) => ns.exec(["curl", "-sS", "--max-time", "5", ...args]);
      const page = curl([url!]);
      expect(page).toContain("<title>vigil fleet</title>");
      expect(curl([`${url}app.js`])).toContain("new EventSource(\"events\")");
      expect(curl([`${url}app.css`])).toContain("--row:");
      // the snapshot names the daemon's instance as MASTER (retained state, after the report request's answers)
      let snap = "";
      for (let i = 0; i < 10 && !snap.includes('"state":"MASTER"'); i++) {
        await Bun.sleep(100);
        snap = ns.exec(["curl", "-sS", "--max-time", "1", `${url}events`], { allowFail: true });
      }
      expect(snap).toStartWith("retry: 1000\nevent: snapshot\ndata: ");
      expect(snap).toContain('"routers":[{"node":"gw-b","instance":"VI_B","state":"MASTER"');
      expect(curl(["-o", "/dev/null", "-w", "%{http_code}", "-H", "Host: rebind.example", url!])).toBe("421");
      expect(curl(["-o", "/dev/null", "-w", "%{http_code}", "-X", "POST", url!])).toBe("405");
    } finally {
      web.kill("SIGTERM");
      expect(await Promise.race([web.exited, Bun.sleep(10_000).then(() => "timeout")])).toBe(0);
    }
  }, 30_000);

  test("fleet web on a non-loopback address: with --auth-file it warns about TLS and answers only with credentials", async () => {
    const auth = join(scratch, "web-auth-ok");
    writeFileSync(auth, "ops:s3cret\n", { mode: 0o600 });
    const web = spawn([...ns.prefix(), ...boardVigil("x64"), "fleet", "web", "--broker", brokerUrl, "--fleet", "board", "--listen", "198.18.3.1:0", "--auth-file", auth], { stdout: "pipe", stderr: "pipe" });
    try {
      const reader = (web.stdout as ReadableStream<Uint8Array>).getReader();
      const line = new TextDecoder().decode((await Promise.race([reader.read(), Bun.sleep(15_000).then(() => ({ value: undefined }))])).value);
      const url = / on (http:\/\/198\.18\.3\.1:\d+\/) \(authentication required\)/.exec(line)?.[1];
      expect({ line, url: !!url }).toMatchObject({ url: true });
      const code = (args: string[]) => ns.exec(["curl", "-sS", "--max-time", "5", "-o", "/dev/null", "-w", "%{http_code}", ...args, url!]);
      expect(code([])).toBe("401");
      expect(code(["-u", "ops:wrong"])).toBe("401");
      expect(code(["-u", "ops:s3cret"])).toBe("200");
    } finally {
      web.kill("SIGTERM");
      await Promise.race([web.exited, Bun.sleep(10_000)]);
    }
    expect(await new Response(web.stderr as ReadableStream).text()).toContain("WARNING: serving on 198.18.3.1:0 without TLS");
  }, 30_000);

  test("SIGTERM stops the daemon and removes its VIP", async () => {
    daemon!.kill("SIGTERM");
    expect(await Promise.race([daemon!.exited, Bun.sleep(10_000).then(() => "timeout")])).toBe(0);
    expect(ns.exec(["ip", "-4", "addr", "show", "dev", "eth0"])).not.toContain("198.18.3.100");
    // a lone master on its own segment: no error, and no other holder of its VIP
    expect((await daemonLog).split("\n").filter((l) => / ERROR |conflict/.test(l))).toEqual([]);
  });
});

describe("coverage of `vigil help`", () => {
  test("every command and config subcommand ran from both binaries (run, status, push, fleet: x64 in a namespace)", () => {
    const listed = [...runHidden([...binaryArgv("x64"), "help"]).out.matchAll(/^ {2}(\w+) /gm)].map((m) => m[1]);
    const subs = [...runHidden([...binaryArgv("x64"), "config"]).err.matchAll(/^ {2}config (\w+) /gm)].map((m) => `config ${m[1]}`);
    expect(listed).toContain("config");
    expect(subs.length).toBeGreaterThan(3);
    const all = [...listed.filter((c) => c !== "config"), ...subs];
    const x64Only = ["run", "status", "config push", "fleet"];
    const missing = all.flatMap((c) => (x64Only.includes(c) ? [`x64 ${c}`] : [`x64 ${c}`, `arm64 ${c}`])).filter((c) => !exercised.has(c));
    expect(missing).toEqual([]);
  });
});
