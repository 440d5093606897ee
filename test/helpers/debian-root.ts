// Test helper: a minimal Debian root to install packages into with `dpkg --root`.
// It holds the host's own files of a few packages (libc6 and perl-base for the
// Debian helpers, init-system-helpers for deb-systemd-helper/-invoke, busybox as
// /bin/sh and the coreutils the maintainer scripts call), laid out merged-/usr as
// Debian 12 is, and registered in the root's dpkg database so their dependents'
// dependencies hold. No systemd runs in it: maintainer scripts run there as they
// do in a chroot or an image build.
import { appendFileSync, chmodSync, copyFileSync, lstatSync, mkdirSync, readlinkSync, realpathSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { spawnSync } from "bun";

export const ROOT_PACKAGES = ["libc6", "libcrypt1", "perl-base", "init-system-helpers", "busybox-static"] as const;

function run(argv: string[]): string {
  const r = spawnSync(argv, { stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`${argv.join(" ")} -> exit ${r.exitCode}: ${r.stderr.toString().trim()}`);
  return r.stdout.toString();
}

/** Builds the root in `dir` (which must not exist yet or be empty). */
export function makeDebianRoot(dir: string, packages: readonly string[] = ROOT_PACKAGES): void {
  for (const d of ["usr/bin", "usr/sbin", "usr/lib", "usr/lib64", "etc", "dev", "tmp", "run", "var/lib/dpkg/info", "var/lib/dpkg/updates", "var/lib/dpkg/triggers"]) {
    mkdirSync(join(dir, d), { recursive: true });
  }
  for (const l of ["bin", "sbin", "lib", "lib64"]) symlinkSync(`usr/${l}`, join(dir, l));
  writeFileSync(join(dir, "var/lib/dpkg/status"), "");
  for (const pkg of packages) {
    const list = run(["dpkg", "-L", pkg]);
    // the root's database: the package's status stanza and its file list, as dpkg keeps them
    writeFileSync(join(dir, "var/lib/dpkg/info", `${run(["dpkg-query", "-W", "-f=${binary:Package}", pkg])}.list`), list);
    for (const listed of list.split("\n")) {
      if (!listed.startsWith("/")) continue;
      let st;
      try {
        st = lstatSync(listed);
        if (statSync(listed).isDirectory()) continue; // directories come with their files; /lib etc. are links here already
      } catch {
        continue; // a dangling link or a file the host removed
      }
      // the canonical path: /lib/x86_64-linux-gnu/libc.so.6 is /usr/lib/... on a merged-/usr host
      const path = join(realpathSync(dirname(listed)), basename(listed));
      const dst = join(dir, path);
      mkdirSync(dirname(dst), { recursive: true });
      if (st.isSymbolicLink()) {
        try {
          symlinkSync(readlinkSync(listed), dst);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
        }
      } else {
        copyFileSync(listed, dst);
        chmodSync(dst, st.mode & 0o7777);
      }
    }
    appendFileSync(join(dir, "var/lib/dpkg/status"), `${run(["dpkg-query", "-s", pkg]).trimEnd()}\n\n`);
  }
  // busybox's applets (sh, rm, mkdir, ...) where the root has no program of that name
  run(["chroot", dir, "/bin/busybox", "--install", "-s", "/bin"]);
  run(["mknod", "-m", "0666", join(dir, "dev/null"), "c", "1", "3"]);
}
