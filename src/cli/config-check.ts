// `vigil config check FILE [--strict]`: reads keepalived.conf, JSON or CBOR and
// prints every warning and error (file:line:col for keepalived.conf).
// Exit 0 when the config is usable, 1 on errors, 2 on usage errors.
import { formatDiagnostic } from "../config/diagnostics.ts";
import { loadConfigFile } from "../config/load.ts";

const USAGE = "usage: vigil config check FILE [--strict]\n";

export async function run(argv: string[]): Promise<number> {
  let strict = false;
  const files: string[] = [];
  for (const a of argv) {
    if (a === "--strict") strict = true;
    else if (a === "-h" || a === "--help") {
      process.stdout.write(USAGE);
      return 0;
    } else if (a.startsWith("-") && a !== "-") {
      process.stderr.write(`vigil config check: unknown option '${a}'\n${USAGE}`);
      return 2;
    } else files.push(a);
  }
  if (files.length !== 1) {
    process.stderr.write(USAGE);
    return 2;
  }
  const file = files[0]!;
  const r = loadConfigFile(file, { strict });
  for (const d of [...r.errors, ...r.warnings]) process.stderr.write(`${formatDiagnostic(d, file)}\n`);
  if (!r.config) {
    process.stderr.write(`${file}: ${r.errors.length} error(s), ${r.warnings.length} warning(s)\n`);
    return 1;
  }
  const c = r.config;
  process.stdout.write(
    `${file}: OK (${r.format}: ${c.instances.length} vrrp_instance, ${c.virtualServers.length} virtual_server, ` +
      `${c.virtualServers.reduce((n, v) => n + v.realServers.length, 0)} real_server; ${r.warnings.length} warning(s))\n`,
  );
  return 0;
}
