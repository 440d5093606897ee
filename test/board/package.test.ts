// Board tier: the packages `make package` builds, installed and started as a user
// would. board/pkg builds them here from dist/vigil-linux-* into a scratch directory
// (the .debs uncompressed and the tarballs at gzip -1, to keep this to seconds; the
// contents are what make package ships). The x64 .deb goes into a fresh minimal
// Debian root (dpkg --root; libc6, perl-base, init-system-helpers and busybox from
// the host, no systemd running): files, owners, modes, conffile, enable link, dpkg
// --verify, the maintainer scripts' systemctl calls, systemd-analyze verify of the
// unit as installed; then the installed binary, with
// the checkout hidden, checks the shipped examples and runs the way the unit runs
// it (ExecCondition, then ExecStart with no -f, under the unit's capability bounding
// set and no_new_privs) in a network namespace: MASTER with its VIP, SIGTERM removes
// it. Upgrades keep a changed conffile; purge removes the state.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawn, type Subprocess } from "bun";
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { gunzipSync } from "node:zlib";
import { join } from "node:path";
import pkg from "../../package.json" with { type: "json" };
import { hiddenCheckout, ROOT, runHidden } from "../helpers/board.ts";
import { makeDebianRoot } from "../helpers/debian-root.ts";
import { SyslogSink } from "../helpers/syslog-sink.ts";

const VERSION = pkg.version;
const scratch = mkdtempSync(join(tmpdir(), "vigil-board-pkg-"));
const out = join(scratch, "out");
const root = join(scratch, "root");
const deb = (v: string, arch: string) => join(out, `vigil_${v}_${arch}.deb`);
const tarball = (arch: string) => join(out, `vigil-${VERSION}-linux-${arch}.tar.gz`);
const UNIT = join(ROOT, "board", "init", "vigil.service");

function sh(argv: string[], opts: { env?: Record<string, string>; allowFail?: boolean } = {}) {
  const r = Bun.spawnSync(argv, { stdout: "pipe", stderr: "pipe", stdin: "ignore", env: { ...process.env, ...opts.env } });
  const res = { code: r.exitCode, out: r.stdout.toString(), err: r.stderr.toString() };
  if (res.code !== 0 && !opts.allowFail) throw new Error(`${argv.join(" ")} -> exit ${res.code}: ${res.err.trim()}`);
  return res;
}

/** board/pkg's deb.sh / tarball.sh, fast compression */
function build(kind: "deb" | "tarball", arch: "x64" | "arm64", version = VERSION, outDir = out): void {
  sh(["bash", join(ROOT, "board", "pkg", `${kind}.sh`), arch, join(ROOT, "dist", `vigil-linux-${arch}`), version, outDir], {
    env: { PKG_DEB_COMPRESS: "none", PKG_GZIP_LEVEL: "1" },
  });
}

/** dpkg against the fresh root; stdin is closed, so a conffile question would fail the run instead of waiting */
function dpkg(args: string[], allowFail = false) {
  return sh(["dpkg", `--root=${root}`, ...args], { allowFail, env: { LC_ALL: "C" } });
}

function mode(rel: string): { mode: string; uid: number; gid: number; type: string } {
  const s = lstatSync(join(root, rel));
  return { mode: (s.mode & 0o7777).toString(8).padStart(4, "0"), uid: s.uid, gid: s.gid, type: s.isDirectory() ? "dir" : s.isSymbolicLink() ? "link" : "file" };
}

/** ELF e_machine: 62 x86-64, 183 AArch64 */
function elfMachine(bytes: Uint8Array): number {
  expect([...bytes.subarray(0, 4)]).toEqual([0x7f, 0x45, 0x4c, 0x46]);
  return bytes[18]! | (bytes[19]! << 8);
}

/** <linux/capability.h> numbers of the capabilities the unit may name */
const CAP_NUMBERS: Record<string, number> = { kill: 5, setgid: 6, setuid: 7, net_bind_service: 10, net_admin: 12, net_raw: 13, ipc_lock: 14, sys_nice: 23 };

/** unit file directives: name -> values in order */
function unitDirectives(text: string): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const line of text.split("\n")) {
    const hit = /^([A-Za-z]+)=(.*)$/.exec(line.trim());
    if (hit) m.set(hit[1]!, [...(m.get(hit[1]!) ?? []), hit[2]!]);
  }
  return m;
}

beforeAll(() => {
  for (const arch of ["x64", "arm64"] as const) {
    build("deb", arch);
    build("tarball", arch);
  }
  makeDebianRoot(root);
}, 120_000);

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe(`vigil_${VERSION}_amd64.deb in a fresh root (dpkg --root, no systemd)`, () => {
  test("installs: files, owners and modes; the conffile is all comments and listed; the unit enabled", () => {
    const r = dpkg(["-i", deb(VERSION, "amd64")]);
    expect(r.out).toContain(`Setting up vigil (${VERSION})`);
    expect(sh(["dpkg-query", `--root=${root}`, "-W", "-f=${Status}|${Version}|${Conffiles}", "vigil"]).out).toMatch(
      new RegExp(`^install ok installed\\|${VERSION.replace(/\./g, "\\.")}\\|\\s*/etc/vigil/vigil\\.conf [0-9a-f]{32}$`),
    );
    const rootOwned = { uid: 0, gid: 0 };
    expect(mode("usr/sbin/vigil")).toEqual({ mode: "0755", ...rootOwned, type: "file" });
    expect(mode("etc/vigil/vigil.conf")).toEqual({ mode: "0644", ...rootOwned, type: "file" });
    expect(mode("lib/systemd/system/vigil.service")).toEqual({ mode: "0644", ...rootOwned, type: "file" });
    expect(mode("var/lib/vigil")).toEqual({ mode: "0700", ...rootOwned, type: "dir" });
    expect(mode("usr/share/doc/vigil/copyright")).toEqual({ mode: "0644", ...rootOwned, type: "file" });
    expect(mode("usr/share/man/man8/vigil.8.gz")).toEqual({ mode: "0644", ...rootOwned, type: "file" });
    expect(readdirSync(join(root, "usr/share/doc/vigil/examples")).sort()).toEqual(["fleet.conf", "lvs-http.conf", "vrrp-pair.conf"]);
    expect(readFileSync(join(root, "var/lib/dpkg/info/vigil.conffiles"), "utf8")).toBe("/etc/vigil/vigil.conf\n");
    expect(readFileSync(join(root, "lib/systemd/system/vigil.service"), "utf8")).toBe(readFileSync(UNIT, "utf8"));
    // the shipped vigil.conf configures nothing: every line is blank or a comment
    const conf = readFileSync(join(root, "etc/vigil/vigil.conf"), "utf8").split("\n");
    expect(conf.filter((l) => l.trim() !== "" && !l.startsWith("#"))).toEqual([]);
    // postinst enabled the unit: deb-systemd-helper made the link `systemctl enable` would, and remembers it
    expect(readlinkSync(join(root, "etc/systemd/system/multi-user.target.wants/vigil.service"))).toBe("/lib/systemd/system/vigil.service");
    expect(existsSync(join(root, "var/lib/systemd/deb-systemd-helper-enabled/vigil.service.dsh-also"))).toBe(true);
    // every file matches the package's md5sums
    expect(dpkg(["--verify", "vigil"])).toMatchObject({ code: 0, out: "" });
  });

  test("with systemd running, the maintainer scripts start nothing on a first install; upgrade try-restarts; remove stops", () => {
    // systemd is not PID 1 here, so a systemctl that records its arguments stands in for it
    // while the installed scripts run chrooted with the arguments dpkg passes (policy §6.5);
    // deb-systemd-invoke (init-system-helpers) is the real one and calls it.
    const log = join(root, "systemctl.log");
    const recorder = join(root, "usr/bin/systemctl");
    mkdirSync(join(root, "run/systemd/system"), { recursive: true });
    writeFileSync(recorder, '#!/bin/sh\necho "$*" >> /systemctl.log\n', { mode: 0o755 });
    const script = (name: string, ...args: string[]) => {
      writeFileSync(log, "");
      // the environment dpkg gives a maintainer script (deb-systemd-helper refuses to run without it)
      const env = ["PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C", "DPKG_MAINTSCRIPT_PACKAGE=vigil", `DPKG_MAINTSCRIPT_NAME=${name}`, "DPKG_MAINTSCRIPT_ARCH=amd64"];
      sh(["chroot", root, "/bin/env", "-i", ...env, "/bin/sh", `/var/lib/dpkg/info/vigil.${name}`, ...args]);
      return readFileSync(log, "utf8").split("\n").filter(Boolean);
    };
    // what the scripts ask systemd to do to vigil; daemon-reloads (the scripts' and the helpers') apart
    const actions = (lines: string[]) => lines.filter((l) => !l.endsWith("daemon-reload"));
    try {
      const first = script("postinst", "configure", "");
      expect({ actions: actions(first), reload: first.includes("--system daemon-reload") }).toEqual({ actions: [], reload: true });
      expect(actions(script("postinst", "configure", "0.0.9"))).toEqual(["try-restart vigil.service"]);
      expect(actions(script("prerm", "upgrade", "9.9.9"))).toEqual([]);
      expect(actions(script("prerm", "remove"))).toEqual(["stop vigil.service"]);
      expect(actions(script("postrm", "remove"))).toEqual([]);
      // remove masked the unit (as dh_installsystemd does); configuring again unmasks it
      expect(readlinkSync(join(root, "etc/systemd/system/vigil.service"))).toBe("/dev/null");
      expect(actions(script("postinst", "configure", VERSION))).toEqual(["try-restart vigil.service"]);
      expect(existsSync(join(root, "etc/systemd/system/vigil.service"))).toBe(false);
    } finally {
      rmSync(recorder, { force: true });
      rmSync(log, { force: true });
      rmSync(join(root, "run/systemd"), { recursive: true, force: true });
    }
  });

  test("systemd-analyze verify passes on the unit as installed (the installed binary at /usr/sbin/vigil)", () => {
    // a read-only overlay puts the root's /usr/sbin over the host's, in a private mount namespace only
    const script = `mount -t overlay vigil-sbin -o "lowerdir=$1/usr/sbin:/usr/sbin" /usr/sbin || exit 96; exec systemd-analyze verify "$1/lib/systemd/system/vigil.service"`;
    const r = sh(["unshare", "--mount", "--propagation", "private", "sh", "-c", script, "verify", root], { allowFail: true });
    expect(r).toEqual({ code: 0, out: "", err: "" });
  });

  test("the installed binary (checkout hidden) checks every shipped example, and the commented one uncommented", () => {
    const bin = join(root, "usr/sbin/vigil");
    const examples = join(root, "usr/share/doc/vigil/examples");
    for (const f of readdirSync(examples)) {
      const r = runHidden([bin, "config", "check", "--strict", join(examples, f)]);
      expect({ f, code: r.code, out: r.out }).toEqual({ f, code: 0, out: expect.stringContaining(": OK") });
    }
    // the example inside the conffile, uncommented, is a config that checks
    const lines = readFileSync(join(root, "etc/vigil/vigil.conf"), "utf8").split("\n");
    const from = lines.findIndex((l) => l.startsWith("# Example:"));
    expect(from).toBeGreaterThan(0);
    const body = lines.slice(from + 2).map((l) => l.replace(/^# ?/, "")).join("\n");
    writeFileSync(join(scratch, "uncommented.conf"), body);
    const u = runHidden([bin, "config", "check", "--strict", join(scratch, "uncommented.conf")]);
    expect({ code: u.code, out: u.out }).toEqual({ code: 0, out: expect.stringContaining("2 vrrp_instance") });
  });

  describe("runs as the unit runs it, in a network namespace", () => {
    const ns = `vt-pkg-${process.pid}`;
    const peer = `vt-pkgp-${process.pid}`;
    const lockDir = join(scratch, "run");
    const socket = join(scratch, "run", "vigil.sock");
    const VIP = "198.18.9.100";
    let daemon: Subprocess | undefined;
    let sink: SyslogSink | undefined;

    const unit = unitDirectives(readFileSync(UNIT, "utf8"));
    // setpriv flags for the unit's CapabilityBoundingSet and NoNewPrivileges
    const caps = unit.get("CapabilityBoundingSet")![0]!.split(/\s+/).map((c) => `+${c.replace(/^CAP_/, "").toLowerCase()}`);
    const sandbox = ["setpriv", `--bounding-set=-all,${caps.join(",")}`, ...(unit.get("NoNewPrivileges")?.[0] === "yes" ? ["--no-new-privs"] : [])];
    // the unit's commands, with the installed binary's path inside the root
    const command = (directive: string) => unit.get(directive)![0]!.split(/\s+/).map((w) => (w === "/usr/sbin/vigil" ? join(root, "usr/sbin/vigil") : w));
    // in the namespace, checkout hidden, the root's /etc over the host's (so no -f reads the installed vigil.conf)
    const asUnit = (argv: string[]) => [
      "ip", "netns", "exec", ns,
      ...hiddenCheckout(["sh", "-c", 'mount -t overlay vigil-etc -o "lowerdir=$1/etc:/etc" /etc || exit 96; shift; exec "$@"', "etc", root, ...sandbox, ...argv]),
    ];
    // /run/vigil is the host's: this daemon's socket and locks go to the scratch directory
    const paths = ["--lock-dir", lockDir, "--status-socket", socket, "--state-dir", join(root, "var/lib/vigil")];
    const vipOnEth0 = () => sh(["ip", "-n", ns, "-4", "addr", "show", "dev", "eth0"]).out.includes(`${VIP}/32`);

    beforeAll(() => {
      // two namespaces joined by a veth pair: the daemon's eth0 and a peer that hears its adverts
      sh(["ip", "netns", "add", ns]);
      sh(["ip", "netns", "add", peer]);
      sh(["ip", "-n", ns, "link", "add", "eth0", "type", "veth", "peer", "name", "eth0", "netns", peer]);
      for (const n of [ns, peer]) {
        sh(["ip", "-n", n, "link", "set", "lo", "up"]);
        sh(["ip", "-n", n, "link", "set", "eth0", "up"]);
      }
      sh(["ip", "-n", ns, "addr", "add", "198.18.9.1/24", "dev", "eth0"]);
      sh(["ip", "-n", peer, "addr", "add", "198.18.9.2/24", "dev", "eth0"]);
    });

    afterAll(async () => {
      if (daemon && daemon.exitCode === null) {
        daemon.kill("SIGKILL");
        await daemon.exited;
      }
      sink?.close();
      for (const n of [ns, peer]) sh(["ip", "netns", "del", n], { allowFail: true });
    });

    test("ExecCondition skips the start while vigil.conf is the shipped one", () => {
      const r = runHiddenNs(asUnit(command("ExecCondition")));
      expect({ code: r.code, err: r.err.replace(/^\S+ vigil\[\d+\] /gm, "") }).toEqual({
        code: 1,
        err: "INFO not starting: no vrrp_instance or virtual_server configured in /etc/vigil/vigil.conf\n",
      });
    });

    test("configured: ExecCondition passes, ExecStart becomes MASTER and adds the VIP; SIGTERM removes it", async () => {
      // the user's edit of the conffile
      writeFileSync(join(root, "etc/vigil/vigil.conf"), [
        "# gw-a", "global_defs {", "  router_id gw-a", "}", "vrrp_instance LAN {", "  state MASTER", "  interface eth0", "  virtual_router_id 9",
        "  priority 200", "  advert_int 1", "  version 3", "  virtual_ipaddress {", `    ${VIP}/32`, "  }", "}", "",
      ].join("\n"));
      expect(runHiddenNs(asUnit(command("ExecCondition")))).toMatchObject({ code: 0 });
      sink = new SyslogSink(join(scratch, "log.sock"));
      daemon = spawn(asUnit([...command("ExecStart"), ...paths, "-l", "--syslog-socket", sink.path]), { stdout: "pipe", stderr: "pipe", stdin: "ignore" });
      const log = new Response(daemon.stderr as ReadableStream).text();
      let state = "";
      for (let i = 0; i < 150 && state !== "MASTER" && daemon.exitCode === null; i++) {
        await Bun.sleep(100);
        const s = runHidden([join(root, "usr/sbin/vigil"), "status", "--socket", socket, "--json"], { timeoutMs: 10_000 });
        if (s.code === 0) state = JSON.parse(s.out).instances?.[0]?.state ?? "";
      }
      if (state !== "MASTER") daemon.kill("SIGKILL");
      expect({ state, log: state === "MASTER" ? "" : await log }).toEqual({ state: "MASTER", log: "" });
      expect(vipOnEth0()).toBe(true);
      // the daemon itself (every wrapper execs in place) runs inside the unit's limits
      const status = readFileSync(`/proc/${daemon.pid}/status`, "utf8");
      const capNumber = (name: string) => {
        const n = CAP_NUMBERS[name];
        if (n === undefined) throw new Error(`the unit names ${name}: add its number to CAP_NUMBERS`);
        return BigInt(n);
      };
      const mask = caps.reduce((m, c) => m | (1n << capNumber(c.slice(1))), 0n);
      expect({ bnd: /^CapBnd:\s*(\w+)/m.exec(status)?.[1], nnp: /^NoNewPrivs:\s*(\d)/m.exec(status)?.[1] }).toEqual({ bnd: mask.toString(16).padStart(16, "0"), nnp: "1" });
      // the transition also went to syslog, facility daemon, severity info: <30>
      const line = await sink.waitFor("LAN: BACKUP -> MASTER");
      expect({ line, received: line ? [] : sink.received }).toEqual({ line: expect.stringMatching(/^<30>/), received: [] });

      daemon.kill("SIGTERM");
      const code = await Promise.race([daemon.exited, Bun.sleep(10_000).then(() => "still running after 10 s")]);
      const text = await log;
      expect({ code, vip: vipOnEth0() }).toEqual({ code: 0, vip: false });
      expect(text).toContain("INFO config /etc/vigil/vigil.conf (no -f)");
      expect(text).toContain("INFO stopped");
    }, 60_000);
  });

  test("an upgrade keeps a changed vigil.conf: same shipped conffile (no question), then a new one (--force-confold)", () => {
    const conf = join(root, "etc/vigil/vigil.conf");
    writeFileSync(conf, `${readFileSync(conf, "utf8")}# changed on this board\n`);
    const mine = readFileSync(conf, "utf8");
    // a second version with the same conffile: dpkg keeps the local one without asking
    const v2 = `${VERSION}+upgrade1`;
    build("deb", "x64", v2);
    expect(dpkg(["-i", deb(v2, "amd64")]).out).toContain(`Unpacking vigil (${v2}) over (${VERSION})`);
    expect(readFileSync(conf, "utf8")).toBe(mine);
    expect(existsSync(`${conf}.dpkg-dist`)).toBe(false);
    // a third whose shipped conffile changed too: non-interactive, the local one stays and the new one lands beside it
    const v3 = `${VERSION}+upgrade2`;
    const stage = join(scratch, "v3");
    sh(["dpkg-deb", "-R", deb(v2, "amd64"), stage]);
    writeFileSync(join(stage, "DEBIAN/control"), readFileSync(join(stage, "DEBIAN/control"), "utf8").replace(`Version: ${v2}`, `Version: ${v3}`));
    const shipped3 = `${readFileSync(join(stage, "etc/vigil/vigil.conf"), "utf8")}# a line the new version ships\n`;
    writeFileSync(join(stage, "etc/vigil/vigil.conf"), shipped3);
    sh(["dpkg-deb", "--root-owner-group", "-Znone", "-b", stage, deb(v3, "amd64")]);
    rmSync(stage, { recursive: true, force: true });
    const r = dpkg(["--force-confdef", "--force-confold", "-i", deb(v3, "amd64")]);
    expect(r.out).toContain(`Setting up vigil (${v3})`);
    expect(readFileSync(conf, "utf8")).toBe(mine);
    expect(readFileSync(`${conf}.dpkg-dist`, "utf8")).toBe(shipped3);
    expect(mode("usr/sbin/vigil")).toMatchObject({ mode: "0755", uid: 0 });
    expect(sh(["dpkg-query", `--root=${root}`, "-W", "-f=${Version}", "vigil"]).out).toBe(v3);
  });

  test("remove keeps config and state; purge deletes /var/lib/vigil, /etc/vigil and the enable link", () => {
    writeFileSync(join(root, "var/lib/vigil/current"), "a pushed config");
    mkdirSync(join(root, "run/vigil"), { recursive: true });
    writeFileSync(join(root, "run/vigil/vrrp-1-eth0-4-9.lock"), "1\n");
    dpkg(["-r", "vigil"]);
    expect(existsSync(join(root, "usr/sbin/vigil"))).toBe(false);
    expect(existsSync(join(root, "etc/vigil/vigil.conf"))).toBe(true);
    expect(existsSync(join(root, "var/lib/vigil/current"))).toBe(true);
    dpkg(["--purge", "vigil"]);
    for (const gone of [
      "var/lib/vigil", "run/vigil", "etc/vigil", "etc/systemd/system/multi-user.target.wants/vigil.service", "etc/systemd/system/vigil.service",
      "lib/systemd/system/vigil.service", "var/lib/systemd/deb-systemd-helper-enabled/vigil.service.dsh-also",
    ]) {
      expect({ gone, exists: existsSync(join(root, gone)) }).toEqual({ gone, exists: false });
    }
    expect(sh(["dpkg-query", `--root=${root}`, "-W", "vigil"], { allowFail: true }).code).not.toBe(0);
  });
});

describe("the arm64 package", () => {
  test(`vigil_${VERSION}_arm64.deb: Architecture arm64, an AArch64 binary at /usr/sbin/vigil, the same files as amd64`, () => {
    expect(sh(["dpkg-deb", "-f", deb(VERSION, "arm64"), "Architecture", "Version", "Package"]).out).toBe(`Architecture: arm64\nVersion: ${VERSION}\nPackage: vigil\n`);
    const head = Bun.spawnSync(["sh", "-c", `dpkg-deb --fsys-tarfile "$1" | tar -xOf - ./usr/sbin/vigil | head -c 64`, "x", deb(VERSION, "arm64")]).stdout;
    expect(elfMachine(head)).toBe(183);
    const list = (arch: string) => sh(["dpkg-deb", "-c", deb(VERSION, arch)]).out.split("\n").filter(Boolean).map((l) => `${l.split(/\s+/)[0]} ${l.split(/\s+/).at(-1)}`);
    expect(list("arm64")).toEqual(list("amd64"));
  });
});

describe("tarballs", () => {
  for (const [arch, machine] of [["x64", 62], ["arm64", 183]] as const) {
    test(`vigil-${VERSION}-linux-${arch}.tar.gz: binary, unit, procd script, manual, examples, LICENSE, README`, () => {
      const top = `vigil-${VERSION}-linux-${arch}`;
      const entries = readTar(gunzipSync(readFileSync(tarball(arch))));
      expect(entries.map((e) => `${e.mode} ${e.uid}/${e.gid} ${e.name}`)).toEqual([
        `0755 0/0 ${top}/`,
        `0644 0/0 ${top}/LICENSE`,
        `0644 0/0 ${top}/README.md`,
        `0755 0/0 ${top}/examples/`,
        `0644 0/0 ${top}/examples/fleet.conf`,
        `0644 0/0 ${top}/examples/lvs-http.conf`,
        `0644 0/0 ${top}/examples/vigil.conf`,
        `0644 0/0 ${top}/examples/vrrp-pair.conf`,
        `0755 0/0 ${top}/vigil`,
        `0644 0/0 ${top}/vigil.8`,
        `0755 0/0 ${top}/vigil.procd`,
        `0644 0/0 ${top}/vigil.service`,
      ]);
      const file = (rel: string) => entries.find((e) => e.name === `${top}/${rel}`)!.data;
      const text = (rel: string) => new TextDecoder().decode(file(rel));
      expect(elfMachine(file("vigil"))).toBe(machine);
      expect(Buffer.compare(file("vigil"), readFileSync(join(ROOT, "dist", `vigil-linux-${arch}`)))).toBe(0);
      expect(text("vigil.service")).toBe(readFileSync(UNIT, "utf8"));
      expect(text("vigil.procd")).toBe(readFileSync(join(ROOT, "board/init/vigil.procd"), "utf8"));
      expect(text("LICENSE")).toBe(readFileSync(join(ROOT, "LICENSE"), "utf8"));
      expect(text("vigil.8")).toBe(readFileSync(join(ROOT, "board/pkg/vigil.8"), "utf8"));
      expect(text("README.md")).toContain("apt install ./vigil_<version>_arm64.deb");
      expect(text("README.md")).toContain("install -m 0755 vigil.procd /etc/init.d/vigil");
      expect(text("README.md")).not.toContain("package-readme");
      // the tarball's vigil.conf is the .deb's conffile
      const shipped = Bun.spawnSync(["sh", "-c", `dpkg-deb --fsys-tarfile "$1" | tar -xOf - ./etc/vigil/vigil.conf`, "x", deb(VERSION, arch === "x64" ? "amd64" : "arm64")]).stdout.toString();
      expect(text("examples/vigil.conf")).toBe(shipped);
    });
  }
});

/** The entries of a ustar/GNU tar archive (POSIX.1-1988 headers: 512-byte blocks, octal fields). */
function readTar(tar: Uint8Array): { name: string; mode: string; uid: number; gid: number; data: Uint8Array }[] {
  const field = (b: Uint8Array, at: number, len: number) => new TextDecoder().decode(b.subarray(at, at + len)).replace(/\0.*$/s, "").trim();
  const entries = [];
  for (let off = 0; off + 512 <= tar.length && entries.length < 10_000; ) {
    const h = tar.subarray(off, off + 512);
    if (h.every((x) => x === 0)) break;
    const size = parseInt(field(h, 124, 12) || "0", 8);
    const prefix = field(h, 345, 155);
    entries.push({
      name: (prefix ? `${prefix}/` : "") + field(h, 0, 100),
      mode: parseInt(field(h, 100, 8), 8).toString(8).padStart(4, "0"),
      uid: parseInt(field(h, 108, 8), 8),
      gid: parseInt(field(h, 116, 8), 8),
      data: tar.subarray(off + 512, off + 512 + size),
    });
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return entries;
}

/** runHidden for an argv that already carries its own `ip netns exec` and hiding */
function runHiddenNs(argv: string[]) {
  const r = Bun.spawnSync(argv, { stdout: "pipe", stderr: "pipe", stdin: "ignore", timeout: 30_000 });
  return { code: r.exitCode, out: r.stdout.toString(), err: r.stderr.toString() };
}
