// `vigil config keygen --out PREFIX`: an Ed25519 signing key pair for config blobs.
// PREFIX.key is PKCS#8 PEM created with mode 0600 (never world-readable, not even
// briefly); PREFIX.pub is SPKI PEM, the file devices list as trust_key.
import { errorText } from "../error-text.ts";
import { generateKeyPairSync } from "node:crypto";
import { closeSync, openSync, writeFileSync, writeSync } from "node:fs";
import { keyId } from "../config-io/trust.ts";
import { parseArgs } from "node:util";
import { writeOut, writeErr } from "./out.ts";

export async function run(argv: string[]): Promise<number> {
  let prefix: string | undefined;
  try {
    prefix = parseArgs({ args: argv, options: { out: { type: "string" } }, strict: true }).values.out;
  } catch (e) {
    writeErr(`vigil config keygen: ${errorText(e)}\n`);
  }
  if (!prefix) {
    writeErr("usage: vigil config keygen --out PREFIX\n");
    return 2;
  }
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  let fd: number;
  try {
    // wx: refuse to overwrite an existing key (losing a fleet key is not undoable).
    fd = openSync(`${prefix}.key`, "wx", 0o600);
  } catch (e) {
    writeErr(`vigil config keygen: ${prefix}.key: ${(e as NodeJS.ErrnoException).code ?? errorText(e)}\n`);
    return 1;
  }
  try {
    writeSync(fd, privateKey.export({ type: "pkcs8", format: "pem" }) as string);
  } finally {
    closeSync(fd);
  }
  writeFileSync(`${prefix}.pub`, publicKey.export({ type: "spki", format: "pem" }) as string, { mode: 0o644 });
  writeOut(`wrote ${prefix}.key (private, 0600) and ${prefix}.pub; kid ${Buffer.from(keyId(publicKey)).toString("hex")}\n`);
  return 0;
}
