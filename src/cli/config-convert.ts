// `vigil config convert FILE --to keepalived|json|cbor [--out F] [--strict] [-i ID]`:
// reads any of the three formats and writes the same config in another. A
// keepalived.conf is written expanded: its $NAME definitions, ~SEQ lines and
// includes are replaced by what they stand for, and its `@ID` lines by the
// ones for this config id.
import { errorText } from "../error-text.ts";
import { writeFileSync } from "node:fs";
import { configToCbor } from "../config/config-cbor.ts";
import { formatDiagnostic } from "../config/diagnostics.ts";
import { configToJson } from "../config/json.ts";
import { writeKeepalived } from "../config/keepalived-writer.ts";
import { loadConfigFile } from "../config-io/load.ts";
import { CONFIG_ID_USAGE, parseConfigIdArg } from "./config-id-arg.ts";
import { writeOut, writeErr } from "./out.ts";

const USAGE = `usage: vigil config convert FILE --to keepalived|json|cbor [--out FILE] [--strict] [-i ID]\n${CONFIG_ID_USAGE}`;
const FORMATS = ["keepalived", "json", "cbor"] as const;

export async function run(argv: string[]): Promise<number> {
  let to: string | undefined;
  let out: string | undefined;
  let strict = false;
  let configId: string | undefined;
  const files: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const id = parseConfigIdArg(argv, i);
    if (typeof id === "string") {
      writeErr(`vigil config convert: ${id}\n${USAGE}`);
      return 2;
    }
    if (id) {
      configId = id.id;
      i += id.used - 1;
    } else if (a === "--to") to = argv[++i];
    else if (a.startsWith("--to=")) to = a.slice(5);
    else if (a === "--out" || a === "-o") out = argv[++i];
    else if (a.startsWith("--out=")) out = a.slice(6);
    else if (a === "--strict") strict = true;
    else if (a === "-h" || a === "--help") {
      writeOut(USAGE);
      return 0;
    } else if (a.startsWith("-")) {
      writeErr(`vigil config convert: unknown option '${a}'\n${USAGE}`);
      return 2;
    } else files.push(a);
  }
  if (files.length !== 1 || !to || (out !== undefined && out === "")) {
    writeErr(USAGE);
    return 2;
  }
  if (!FORMATS.includes(to as never)) {
    writeErr(`vigil config convert: --to must be one of ${FORMATS.join(", ")}, got '${to}'\n`);
    return 2;
  }
  const file = files[0]!;
  const r = loadConfigFile(file, { strict, ...(configId !== undefined ? { configId } : {}) });
  for (const d of [...r.errors, ...r.warnings]) writeErr(`${formatDiagnostic(d, file)}\n`);
  if (!r.config) return 1;
  let bytes: Uint8Array | string;
  try {
    bytes = to === "cbor" ? configToCbor(r.config) : to === "json" ? configToJson(r.config) : writeKeepalived(r.config);
  } catch (e) {
    writeErr(`vigil config convert: ${errorText(e)}\n`);
    return 1;
  }
  if (out === undefined) {
    if (typeof bytes === "string") writeOut(bytes);
    else await Bun.write(Bun.stdout, bytes);
  } else {
    try {
      writeFileSync(out, bytes);
    } catch (e) {
      writeErr(`vigil config convert: cannot write ${out}: ${(e as NodeJS.ErrnoException).code ?? String(e)}\n`);
      return 1;
    }
  }
  return 0;
}
