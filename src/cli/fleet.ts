// `vigil fleet <sub>`: operating a fleet through its broker. Each subcommand
// lives in its own module, loaded only when it runs.
import type { CommandModule } from "./registry.ts";
import { writeErr } from "./out.ts";

// Registered statically so the compiled binary includes every module.
const subcommands: Record<string, { summary: string; load(): Promise<CommandModule> }> = {
  rollout: { summary: "push a signed config in waves with health gates (--dry-run: what would change)", load: () => import("./fleet-rollout.ts") },
  web: { summary: "serve a live page of the fleet (nodes, VRRP groups, LVS, events, rollouts)", load: () => import("./fleet-web.ts") },
  show: { summary: "show a rollout from its state file or retained record", load: () => import("./fleet-show.ts") },
};

export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const entry = sub ? subcommands[sub] : undefined;
  if (!entry) {
    const lines = Object.entries(subcommands).map(([n, s]) => `  fleet ${n.padEnd(8)} ${s.summary}`);
    writeErr(`usage: vigil fleet <subcommand>\n${lines.join("\n")}\n`);
    return 2;
  }
  return (await entry.load()).run(rest);
}
