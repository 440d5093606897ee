// `-i ID` / `--config-id ID` / `--config-id=ID`: keepalived's option naming the
// config id that `@ID` lines of a keepalived.conf are compared with. Shared by
// every command that reads a config file.

/**
 * Reads the option at argv[i] if it is one: returns the id and how many
 * arguments it took, an error text, or undefined when argv[i] is another option.
 */
export function parseConfigIdArg(argv: readonly string[], i: number): { id: string; used: number } | string | undefined {
  const a = argv[i]!;
  let id: string | undefined;
  let used = 1;
  if (a === "-i" || a === "--config-id") {
    id = argv[i + 1];
    used = 2;
    if (id === undefined) return `${a} needs a value`;
  } else if (a.startsWith("--config-id=")) id = a.slice("--config-id=".length);
  else return undefined;
  // keepalived compares the word after `@` up to a blank: an id with a blank could never match
  if (!id || /\s/.test(id)) return `${a}: the config id must be one word, got '${id}'`;
  return { id, used };
}

export const CONFIG_ID_USAGE = "  -i, --config-id ID   for `@ID` lines of a keepalived.conf (default: the hostname up to its first dot)\n";
