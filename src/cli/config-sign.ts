// `vigil config sign CONFIG --key PREFIX.key --serial N [--fleet F] [--node N]... --out BLOB`:
// load CONFIG (keepalived.conf, JSON or CBOR), refuse it if it has errors (a
// device would reject it anyway, better to learn it here), and sign its
// deterministic CBOR as a COSE_Sign1 blob (src/config/cose.ts).
import { errorText } from "../error-text.ts";
import { readFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { createPublicKey } from "node:crypto";
import { configToCbor } from "../config/config-cbor.ts";
import { signBlob } from "../config-io/cose-sign.ts";
import { formatDiagnostic } from "../config/diagnostics.ts";
import { loadConfigFile } from "../config-io/load.ts";
import { keyId, parsePrivateKeyPem } from "../config-io/trust.ts";
import { writeOut, writeErr } from "./out.ts";

const USAGE = "usage: vigil config sign CONFIG --key PREFIX.key --serial N [--fleet F] [--node N]... --out BLOB\n";

export async function run(argv: string[]): Promise<number> {
  let a;
  try {
    a = parseArgs({
      args: argv, allowPositionals: true, strict: true,
      options: { key: { type: "string" }, serial: { type: "string" }, fleet: { type: "string" }, node: { type: "string", multiple: true }, out: { type: "string" } },
    });
  } catch (e) {
    writeErr(`vigil config sign: ${errorText(e)}\n${USAGE}`);
    return 2;
  }
  const v = a.values;
  if (a.positionals.length !== 1 || !v.key || !v.serial || !v.out) {
    writeErr(USAGE);
    return 2;
  }
  const serial = Number(v.serial);
  if (!/^[0-9]+$/.test(v.serial) || !Number.isSafeInteger(serial) || serial < 1) {
    writeErr(`vigil config sign: --serial must be an integer >= 1, got '${v.serial}'\n`);
    return 2;
  }
  const loaded = loadConfigFile(a.positionals[0]);
  for (const w of loaded.warnings) writeErr(`${formatDiagnostic(w, a.positionals[0])}\n`);
  if (!loaded.config) {
    for (const e of loaded.errors) writeErr(`${formatDiagnostic(e, a.positionals[0])}\n`);
    writeErr(`vigil config sign: ${a.positionals[0]} has errors; nothing signed\n`);
    return 1;
  }
  const fleet = v.fleet ?? loaded.config.fleet?.fleet;
  if (!fleet) {
    writeErr("vigil config sign: no --fleet and the config has no vigil_fleet { fleet ... }\n");
    return 2;
  }
  let key;
  try {
    key = parsePrivateKeyPem(readFileSync(v.key, "utf8"), v.key);
  } catch (e) {
    writeErr(`vigil config sign: ${(e as NodeJS.ErrnoException).code ? `${v.key}: ${(e as NodeJS.ErrnoException).code}` : errorText(e)}\n`);
    return 1;
  }
  const kid = keyId(createPublicKey(key));
  let blob: Uint8Array;
  try {
    blob = signBlob({ serial, fleet, nodes: v.node?.length ? v.node : undefined, issuedAt: Math.floor(Date.now() / 1000), config: configToCbor(loaded.config) }, key, kid);
  } catch (e) {
    writeErr(`vigil config sign: ${errorText(e)}\n`);
    return 2;
  }
  writeFileSync(v.out, blob);
  writeOut(`signed serial ${serial} for fleet ${fleet}${v.node?.length ? ` nodes ${v.node.join(",")}` : ""}: ${v.out} (${blob.length} bytes, kid ${Buffer.from(kid).toString("hex")})\n`);
  return 0;
}
