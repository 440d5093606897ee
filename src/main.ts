#!/usr/bin/env bun
// vigil CLI entry: dispatches `vigil <command> ...` to src/cli/<command>.ts.
// Each command module exports `run(argv: string[]): Promise<number>` (the exit code),
// so the compiled binary carries every command and tests can call them in-process.
import { errorText } from "./error-text.ts";
import { commands, usage } from "./cli/registry.ts";
import { flushOutput, writeErr, writeOut } from "./cli/out.ts";

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "-h" || name === "--help" || name === "help") {
    writeOut(usage());
    return name ? 0 : 2;
  }
  const command = commands[name];
  if (!command) {
    writeErr(`vigil: unknown command '${name}'\n${usage()}`);
    return 2;
  }
  const mod = await command.load();
  return mod.run(rest);
}

// process.exit() only once the output has reached its reader (src/cli/out.ts)
const exitAfterFlush = (code: number) => flushOutput().then(() => process.exit(code), () => process.exit(code));
main(process.argv.slice(2)).then(exitAfterFlush, (err) => {
  writeErr(`vigil: ${errorText(err)}\n`);
  return exitAfterFlush(1);
});
