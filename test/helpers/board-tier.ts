// Test helper: the one line a board test file prints about what it ran and on
// what: the shipped binary (version and target as the binary itself reports them
// with the checkout hidden, sha256 and size of the copy that ran), how it ran
// (natively or under which qemu-user), what it ran against, and the host kernel.
import { spawnSync } from "bun";
import { readFileSync, statSync } from "node:fs";
import { release } from "node:os";
import { type Arch, binaryArgv, runHidden, shippedBinary } from "./board.ts";

function firstLine(argv: string[]): string {
  const r = spawnSync(argv, { stdout: "pipe", stderr: "pipe" });
  return `${r.stdout.toString()}${r.stderr.toString()}`.split("\n").find((l) => l.trim()) ?? "";
}

export interface TierFacts {
  /** `vigil version` of the shipped binary, run with the checkout hidden */
  version: string;
  line: string;
}

/** What the board tier ran for `arch`; `against` names the peers (e.g. "keepalived 2.2.7 and vigil"). */
export function boardTier(arch: Arch, against: string): TierFacts {
  const bin = shippedBinary(arch);
  const v = runHidden([...binaryArgv(arch), "version"], { timeoutMs: 60_000 });
  if (v.code !== 0) throw new Error(`vigil version (${arch}, checkout hidden) -> exit ${v.code}: ${v.err.trim()}`);
  const version = v.out.trim();
  const sha = new Bun.CryptoHasher("sha256").update(readFileSync(bin)).digest("hex");
  const mib = Math.round(statSync(bin).size / 2 ** 20);
  const how = arch === "arm64"
    ? `under ${firstLine(["qemu-aarch64-static", "--version"]).replace(/ version /, " ").replace(/ \(.*$/, "")} (user mode, default CPU)`
    : "native";
  const line = `board tier: ${arch} ${version} sha256 ${sha.slice(0, 12)}… ${mib} MiB, copied out of the checkout, checkout hidden, ${how}; ` +
    `3-router netns lab vs ${against}; host kernel ${release()}`;
  return { version, line };
}

/** "keepalived 2.2.7", from the installed keepalived itself */
export function keepalivedVersion(): string {
  const m = /Keepalived v(\S+)/.exec(firstLine(["keepalived", "--version"]));
  return m ? `keepalived ${m[1]}` : "keepalived (version unknown)";
}
