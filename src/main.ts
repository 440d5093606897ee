#!/usr/bin/env bun
// vigil CLI entry: dispatches `vigil <command> ...` to src/cli/<command>.ts.
// Each command module exports `run(argv: string[]): Promise<number>` (the exit code),
// so the compiled binary carries every command and tests can call them in-process.
import { errorText } from "./error-text.ts";
import { commands, usage } from "./cli/registry.ts";

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "-h" || name === "--help" || name === "help") {
    process.stdout.write(usage());
    return name ? 0 : 2;
  }
  const command = commands[name];
  if (!command) {
    process.stderr.write(`vigil: unknown command '${name}'\n${usage()}`);
    return 2;
  }
  const mod = await command.load();
  return mod.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`vigil: ${errorText(err)}\n`);
    process.exit(1);
  },
);
