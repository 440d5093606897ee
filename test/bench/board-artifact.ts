// What board.bench.ts measures: the shipped artifact, never the source. If
// `make package` has made dist/vigil_<version>_amd64.deb, it is unpacked into a
// private root with `dpkg-deb -x` and that installed /usr/sbin/vigil is the x64
// daemon measured; otherwise the copy of dist/vigil-linux-x64 that the board test
// tier runs (test/helpers/board.ts). Either way it runs with the checkout hidden.
// Sizes: the binaries, their xz -9 compression (what a firmware image or an
// update channel would carry) and the packages, when present.
import { spawnSync } from "bun";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { ARM64_SYSROOT, type Arch, hiddenCheckout, ROOT, shippedBinary } from "../helpers/board.ts";

const DIST = join(ROOT, "dist");

export interface Artifact {
  arch: Arch;
  /** what was measured, for the report */
  label: string;
  /** the executable file */
  path: string;
  /** argv that runs it (arm64: under qemu-user); append vigil's arguments */
  run: string[];
  /** the same with the checkout hidden: what every measurement runs */
  argv: string[];
}

/** dist files whose names match, newest first (a stale package from an older version sorts last). */
function distFiles(re: RegExp): string[] {
  if (!existsSync(DIST)) return [];
  return readdirSync(DIST).filter((f) => re.test(f)).map((f) => join(DIST, f))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
}

export const debFile = (arch: Arch) => distFiles(new RegExp(`^vigil_[^_]+_${arch === "x64" ? "amd64" : "arm64"}\\.deb$`))[0];
export const tarballFile = (arch: Arch) => distFiles(new RegExp(`^vigil-.+-linux-${arch}\\.tar\\.gz$`))[0];

let unpacked: string | null = null;

/** Unpacks a .deb into a fresh directory (removed when the process exits) and returns its root. */
function unpackDeb(deb: string): string {
  const root = mkdtempSync(join(tmpdir(), "vigil-bench-deb-"));
  process.on("exit", () => rmSync(root, { recursive: true, force: true }));
  const r = spawnSync(["dpkg-deb", "-x", deb, root], { stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`dpkg-deb -x ${deb}: ${r.stderr.toString().trim()}`);
  return root;
}

export function artifact(arch: Arch): Artifact {
  const deb = arch === "x64" ? debFile("x64") : undefined;
  if (deb) {
    unpacked ??= unpackDeb(deb);
    const path = join(unpacked, "usr", "sbin", "vigil");
    if (!existsSync(path)) throw new Error(`${deb} has no /usr/sbin/vigil`);
    // a package left from before the last `make build` ships another binary: say so
    const bin = join(DIST, "vigil-linux-x64");
    const same = existsSync(bin) && Buffer.compare(readFileSync(path), readFileSync(bin)) === 0;
    const stale = same ? ", the same bytes as dist/vigil-linux-x64" : "; NOTE: not the bytes of dist/vigil-linux-x64 (run make package)";
    return { arch, label: `/usr/sbin/vigil installed from dist/${deb.split("/").pop()} (dpkg-deb -x into a temp root)${stale}`, path, run: [path], argv: hiddenCheckout([path]) };
  }
  const path = shippedBinary(arch);
  const label = `dist/vigil-linux-${arch} copied out of the checkout${arch === "arm64" ? ", under qemu-aarch64-static" : ""}`;
  const run = arch === "arm64" ? ["qemu-aarch64-static", "-L", ARM64_SYSROOT, path] : [path];
  return { arch, label, path, run, argv: hiddenCheckout(run) };
}

const XZ_CACHE = join(ROOT, "build", "bench", "xz-sizes.json");

/**
 * Bytes of `file` compressed by `xz -9`, and whether the figure was computed now or
 * read back from an earlier run on a file with the same SHA-256 (xz output is
 * deterministic; -9 takes 1-2 minutes per binary on this host).
 */
export function xzBytes(file: string): { bytes: number; cached: boolean } {
  const sha = new Bun.CryptoHasher("sha256").update(readFileSync(file)).digest("hex");
  let cache: Record<string, number> = {};
  try { cache = JSON.parse(readFileSync(XZ_CACHE, "utf8")); } catch { /* first run */ }
  const hit = cache[sha];
  if (typeof hit === "number" && hit > 0) return { bytes: hit, cached: true };
  // -T0: -9's blocks are 3 × its 64 MiB dictionary, so a ~110 MiB binary is one block and
  // compresses as single-threaded -9 would.
  const r = spawnSync(["xz", "-9", "-T0", "-c", "--", file], { stdout: "pipe", stderr: "pipe", timeout: 600_000 });
  const n = r.stdout.length;
  if (r.exitCode !== 0 || n <= 0) throw new Error(`xz -9 ${file}: ${r.stderr.toString().trim() || `exit ${r.exitCode}`}`);
  cache[sha] = n;
  mkdirSync(dirname(XZ_CACHE), { recursive: true });
  writeFileSync(XZ_CACHE, JSON.stringify(cache, null, 1));
  return { bytes: n, cached: false };
}

export interface SizeRow {
  what: string;
  bytes: number;
  xzBytes?: number;
  /** the xz figure was read back for an identical file (same SHA-256) */
  xzCached?: boolean;
}

/** Sizes of the binaries (with xz -9) and of whichever packages `make package` has made. */
export function artifactSizes(): SizeRow[] {
  const rows: SizeRow[] = [];
  for (const arch of ["x64", "arm64"] as const) {
    const bin = join(DIST, `vigil-linux-${arch}`);
    if (!existsSync(bin)) throw new Error(`${bin} is missing: run make build`);
    const xz = xzBytes(bin);
    rows.push({ what: `dist/vigil-linux-${arch}`, bytes: statSync(bin).size, xzBytes: xz.bytes, xzCached: xz.cached });
  }
  for (const arch of ["x64", "arm64"] as const) {
    for (const f of [debFile(arch), tarballFile(arch)]) if (f) rows.push({ what: `dist/${f.split("/").pop()}`, bytes: statSync(f).size });
  }
  return rows;
}
