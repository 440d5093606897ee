// `vigil config check FILE [--strict] [-i ID] [--json] [--max N]`: reads
// keepalived.conf, JSON or CBOR and reports every problem it finds, errors and
// warnings in file order, one line each as `keepalived -t` does
// (file:line:col for keepalived.conf), at most --max of them (default 100)
// and then how many more. --json prints them as one JSON array instead, for
// editors and CI. Exit 0 when the config is usable, 1 on errors, 2 on usage errors.
import { diagnosticJson, formatDiagnostic, sortDiagnostics } from "../config/diagnostics.ts";
import { loadConfigFile } from "../config-io/load.ts";
import { CONFIG_ID_USAGE, parseConfigIdArg } from "./config-id-arg.ts";
import { withShortRunJit } from "./jit-policy.ts";
import { writeOut, writeErr } from "./out.ts";

const USAGE =
  "usage: vigil config check FILE [--strict] [-i ID] [--json] [--max N]\n" +
  "  --strict             unknown keywords and unsupported options are errors\n" +
  CONFIG_ID_USAGE +
  "  --json               the findings as a JSON array of {file,line,col,severity,message,code?}\n" +
  "  --max N              print at most N findings (default 100, 0 = all)\n";

export const DEFAULT_MAX_SHOWN = 100;

export async function run(argv: string[]): Promise<number> {
  let strict = false;
  let json = false;
  let max = DEFAULT_MAX_SHOWN;
  let configId: string | undefined;
  const files: string[] = [];
  const usage = (why: string) => {
    writeErr(`vigil config check: ${why}\n${USAGE}`);
    return 2;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const id = parseConfigIdArg(argv, i);
    if (typeof id === "string") return usage(id);
    if (id) {
      configId = id.id;
      i += id.used - 1;
    } else if (a === "--strict") strict = true;
    else if (a === "--json") json = true;
    else if (a === "--max" || a.startsWith("--max=")) {
      const v = a === "--max" ? argv[++i] : a.slice(6);
      if (v === undefined || !/^\d{1,9}$/.test(v)) return usage(`--max needs a count, got '${v ?? ""}'`);
      max = Number(v);
    } else if (a === "-h" || a === "--help") {
      writeOut(USAGE);
      return 0;
    } else if (a.startsWith("-") && a !== "-") return usage(`unknown option '${a}'`);
    else files.push(a);
  }
  if (files.length !== 1) {
    writeErr(USAGE);
    return 2;
  }
  const file = files[0]!;
  const r = withShortRunJit(() => loadConfigFile(file, { strict, ...(configId !== undefined ? { configId } : {}) }));
  const all = sortDiagnostics([...r.errors, ...r.warnings], file);
  if (json) {
    // one finding per line: as easy to read and grep as the text form
    writeOut(`[${all.map((d) => `\n${JSON.stringify(diagnosticJson(d, file))}`).join(",")}${all.length ? "\n" : ""}]\n`);
    return r.config ? 0 : 1;
  }
  const shown = max === 0 ? all : all.slice(0, max);
  for (const d of shown) writeErr(`${formatDiagnostic(d, file)}\n`);
  if (shown.length < all.length) {
    const rest = all.slice(shown.length);
    const errs = rest.filter((d) => d.severity === "error").length;
    writeErr(`… and ${rest.length} more (${errs} error(s), ${rest.length - errs} warning(s)); --max 0 shows all\n`);
  }
  if (!r.config) {
    writeErr(`${file}: ${r.errors.length} error(s), ${r.warnings.length} warning(s)\n`);
    return 1;
  }
  const c = r.config;
  writeOut(
    `${file}: OK (${r.format}: ${c.instances.length} vrrp_instance, ${c.virtualServers.length} virtual_server, ` +
      `${c.virtualServers.reduce((n, v) => n + v.realServers.length, 0)} real_server; ${r.warnings.length} warning(s))\n`,
  );
  return 0;
}
