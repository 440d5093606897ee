// TCP_CHECK, MISC_CHECK and DNS_CHECK against real sockets and real scripts.
import { afterAll, describe, expect, test } from "bun:test";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkTcp } from "../../src/lvs/checkers/tcp.ts";
import { checkMisc } from "../../src/lvs/checkers/misc.ts";
import { checkDns } from "../../src/lvs/checkers/dns.ts";
import { Netns, ROOT, BUN, sh } from "../helpers/netns.ts";

const dir = mkdtempSync(join(tmpdir(), "vigil-misc-"));
const listeners: { stop(force?: boolean): void }[] = [];
afterAll(() => {
  for (const l of listeners) l.stop(true);
  rmSync(dir, { recursive: true, force: true });
  Netns.cleanupAll();
});

function listen(hostname = "127.0.0.1") {
  const l = Bun.listen({ hostname, port: 0, socket: { data() {}, open() {} } });
  listeners.push(l);
  return l;
}

function script(name: string, body: string): string {
  const p = join(dir, name);
  writeFileSync(p, `#!/bin/sh\n${body}\n`);
  chmodSync(p, 0o755);
  return p;
}

function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return !/^\d+ \(.*\) [ZX] /.test(stat);
  } catch {
    return false;
  }
}

describe("TCP_CHECK", () => {
  test("TCP_CHECK: up when the connection completes", async () => {
    const l = listen();
    expect(await checkTcp({ host: "127.0.0.1", port: l.port }, 2000, performance.now() + 5000)).toEqual({ ok: true });
  });

  test("TCP_CHECK: down with the reason when the port refuses", async () => {
    const l = listen();
    const port = l.port;
    l.stop(true);
    const r = await checkTcp({ host: "127.0.0.1", port }, 2000, performance.now() + 5000);
    expect(r.ok).toBe(false);
    expect(r.reason).toMatch(/connect failed/);
  });

  test("TCP_CHECK bindto/bind_port: source address and port are the configured ones", async () => {
    const seen: string[] = [];
    const l = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { open(s) { seen.push(s.remoteAddress); }, data() {} } });
    listeners.push(l);
    const probe = Bun.listen({ hostname: "127.0.0.4", port: 0, socket: { data() {} } });
    const freePort = probe.port;
    probe.stop(true);
    const r = await checkTcp({ host: "127.0.0.1", port: l.port, localAddress: "127.0.0.4", localPort: freePort }, 2000, performance.now() + 5000);
    expect(r).toEqual({ ok: true });
    for (let i = 0; i < 50 && seen.length === 0; i++) await Bun.sleep(10);
    expect(seen).toEqual(["127.0.0.4"]);
  });

  test("TCP_CHECK connect_timeout: a SYN into the void fails at connect_timeout (netns, veth)", () => {
    const ns = new Netns("chk");
    try {
      ns.exec(["ip", "link", "add", "v0", "type", "veth", "peer", "name", "v1"]);
      ns.exec(["ip", "addr", "add", "198.18.77.1/24", "dev", "v0"]);
      ns.exec(["ip", "link", "set", "v0", "up"]);
      ns.exec(["ip", "link", "set", "v1", "up"]);
      // 198.18.77.2 does not exist; a permanent neighbour entry sends the SYN to
      // the peer end, which drops it (foreign MAC): only the timeout can end this
      ns.exec(["ip", "neigh", "add", "198.18.77.2", "lladdr", "02:00:00:00:77:02", "dev", "v0", "nud", "permanent"]);
      const code = `
        import { checkTcp } from "${ROOT}/src/lvs/checkers/tcp.ts";
        const r = await checkTcp({ host: "198.18.77.2", port: 80 }, 300, performance.now() + 10000);
        await Bun.sleep(50);
        const synSent = Bun.spawnSync(["ss", "-Htn", "state", "syn-sent"]).stdout.toString().trim();
        console.log(JSON.stringify({ ...r, synSent }));
        process.exit(0);`;
      const out = sh(["timeout", "20", ...ns.prefix(), BUN, "-e", code]);
      const r = JSON.parse(out.trim().split("\n").pop()!);
      expect(r.ok).toBe(false);
      expect(r.reason).toBe("connect timed out after 300 ms");
      // the abandoned connect is closed, not left in SYN_SENT for the kernel's ~2 min of retries
      expect(r.synSent).toBe("");
    } finally {
      ns.delete();
    }
  });
});

describe("MISC_CHECK", () => {
  test("MISC_CHECK: exit 0 is up, exit 1 is down", async () => {
    expect(await checkMisc({ miscPath: script("ok.sh", "exit 0"), miscDynamic: false }, 5000)).toEqual({ ok: true });
    expect(await checkMisc({ miscPath: script("bad.sh", "exit 1"), miscDynamic: false }, 5000)).toEqual({ ok: false, reason: "exit status 1" });
  });

  test("misc_dynamic: exit 2..255 is up with weight exit-2; without it the same exit is down", async () => {
    const p = script("w.sh", "exit 12");
    expect(await checkMisc({ miscPath: p, miscDynamic: true }, 5000)).toEqual({ ok: true, weight: 10 });
    expect(await checkMisc({ miscPath: p, miscDynamic: false }, 5000)).toEqual({ ok: false, reason: "exit status 12" });
    expect(await checkMisc({ miscPath: script("w2.sh", "exit 2"), miscDynamic: true }, 5000)).toEqual({ ok: true, weight: 0 });
  });

  test("misc_path arguments are split like keepalived, quotes kept whole, no shell", async () => {
    const out = join(dir, "args.txt");
    const p = script("args.sh", `printf '%s|' "$@" > ${out}`);
    expect((await checkMisc({ miscPath: `${p} one "two words" '$HOME'`, miscDynamic: false }, 5000)).ok).toBe(true);
    expect(readFileSync(out, "utf8")).toBe("one|two words|$HOME|");
  });

  test("misc_timeout: a hanging script and its children are killed by process group", async () => {
    const pidFile = join(dir, "pids.txt");
    const p = script("hang.sh", `sleep 30 &\necho "$$ $!" > ${pidFile}\nwait`);
    const r = await checkMisc({ miscPath: p, miscDynamic: false }, 400);
    expect(r).toEqual({ ok: false, reason: "timed out after 400 ms" });
    const pids = readFileSync(pidFile, "utf8").trim().split(" ").map(Number);
    expect(pids.length).toBe(2);
    for (let i = 0; i < 100 && pids.some(alive); i++) await Bun.sleep(10);
    expect(pids.map(alive)).toEqual([false, false]);
  });

  test("MISC_CHECK user: the script runs with that user's uid and gid", async () => {
    const out = join(dir, "ids.txt");
    chmodSync(dir, 0o777);
    const p = script("ids.sh", `echo "$(id -u) $(id -g)" > ${out}`);
    expect(await checkMisc({ miscPath: p, miscDynamic: false, user: "nobody" }, 5000)).toEqual({ ok: true });
    const nobody = readFileSync("/etc/passwd", "utf8").split("\n").find((l) => l.startsWith("nobody:"))!.split(":");
    expect(readFileSync(out, "utf8").trim()).toBe(`${nobody[2]} ${nobody[3]}`);
    expect(await checkMisc({ miscPath: p, miscDynamic: false, user: "no-such-user-vigil" }, 5000)).toEqual({ ok: false, reason: "MISC_CHECK user: unknown user 'no-such-user-vigil'" });
  });

  test("a missing script is a failed check with the reason, not a crash", async () => {
    const r = await checkMisc({ miscPath: join(dir, "nope.sh"), miscDynamic: false }, 2000);
    expect(r.ok).toBe(false);
    expect(r.reason).toMatch(/cannot run .*nope\.sh/);
    expect(existsSync(join(dir, "nope.sh"))).toBe(false);
  });

  test("an unparsable misc_path is a failed check with the reason", async () => {
    const r = await checkMisc({ miscPath: `/bin/true "open`, miscDynamic: false }, 2000);
    expect(r).toEqual({ ok: false, reason: `unterminated " quote in '/bin/true "open'` });
  });
});

describe("DNS_CHECK", () => {
  async function dnsServer(flags: number | null) {
    const sock = await Bun.udpSocket({
      hostname: "127.0.0.1",
      socket: {
        data(s, buf, port, addr) {
          if (flags === null) return;
          const r = new Uint8Array(buf);
          r[2] = flags >> 8;
          r[3] = flags & 0xff;
          s.send(r, port, addr);
        },
      },
    });
    listeners.push({ stop: () => sock.close() });
    return sock.port;
  }

  test("DNS_CHECK: a NOERROR answer to our query is up", async () => {
    const port = await dnsServer(0x8180);
    expect(await checkDns({ name: "example.test", dnsType: "A" }, { host: "127.0.0.1", port }, 1000, performance.now() + 5000)).toEqual({ ok: true });
  });

  test("DNS_CHECK: an error RCODE is down with the code", async () => {
    const port = await dnsServer(0x8182);
    expect(await checkDns({ name: ".", dnsType: "SOA" }, { host: "127.0.0.1", port }, 1000, performance.now() + 5000)).toEqual({ ok: false, reason: "DNS RCODE 2" });
  });

  test("DNS_CHECK: silence is down at connect_timeout", async () => {
    const port = await dnsServer(null);
    expect(await checkDns({ name: ".", dnsType: "SOA" }, { host: "127.0.0.1", port }, 200, performance.now() + 5000)).toEqual({ ok: false, reason: "no DNS reply within 200 ms" });
  });
});
