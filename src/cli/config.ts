// `vigil config <sub>`: each subcommand lives in its own module.
import type { CommandModule } from "./registry.ts";
import { writeErr } from "./out.ts";

const subcommands: Record<string, { summary: string; load(): Promise<CommandModule> }> = {};

export function registerConfigSubcommand(name: string, summary: string, load: () => Promise<CommandModule>) {
  subcommands[name] = { summary, load };
}

// Registered statically so the compiled binary includes every module.
const table: Array<[string, string, () => Promise<CommandModule>]> = [
  ["check", "check a keepalived.conf, JSON or CBOR config", () => import("./config-check.ts")],
  ["convert", "convert a config to keepalived, json or cbor", () => import("./config-convert.ts")],
  ["keygen", "make an Ed25519 key pair for signing configs", () => import("./config-keygen.ts")],
  ["sign", "sign a config as a COSE_Sign1 blob for pushing", () => import("./config-sign.ts")],
  ["push", "publish a signed config blob to the fleet broker", () => import("./config-push.ts")],
];
for (const [name, summary, load] of table) registerConfigSubcommand(name, summary, load);

export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const entry = sub ? subcommands[sub] : undefined;
  if (!entry) {
    const lines = Object.entries(subcommands).map(([n, s]) => `  config ${n.padEnd(8)} ${s.summary}`);
    writeErr(`usage: vigil config <subcommand>\n${lines.join("\n")}\n`);
    return 2;
  }
  return (await entry.load()).run(rest);
}
