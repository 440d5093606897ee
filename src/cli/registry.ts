// The command table. Static `import()` strings keep every command inside the
// compiled binary while loading only the one that runs.
export interface CommandModule {
  run(argv: string[]): Promise<number>;
}

export interface Command {
  summary: string;
  load(): Promise<CommandModule>;
}

export const commands: Record<string, Command> = {
  config: { summary: "check, convert, keygen, sign, push configs", load: () => import("./config.ts") },
  fleet: { summary: "roll a signed config out in waves; show a rollout; serve a live fleet page", load: () => import("./fleet.ts") },
  run: { summary: "run the daemon ([-f CONFIG]; default /etc/vigil/vigil.conf)", load: () => import("./run.ts") },
  status: { summary: "show the running daemon's instances", load: () => import("./status.ts") },
  digest: { summary: "print the MD5 digest of a page, like keepalived's genhash", load: () => import("./digest.ts") },
  version: { summary: "print version, build target and runtime", load: () => import("./version.ts") },
};

export function usage(): string {
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`);
  return `usage: vigil <command> [args]\n\ncommands:\n${lines.join("\n")}\n`;
}
