// Trust store: the Ed25519 public keys allowed to sign config blobs.
// A key is named by its kid = first 16 bytes of SHA-256 over the SPKI DER, so the
// signer and every device derive the same id from the public key alone and no
// registry of key names has to be kept in sync.
import { nodeCrypto } from "../sys/lazy-builtins.ts";
import { errorText } from "../error-text.ts";
import type { KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";
import type { KeyLookup } from "./cose-sign.ts";

export const KID_BYTES = 16;

export function keyId(publicKey: KeyObject): Uint8Array {
  const der = publicKey.export({ type: "spki", format: "der" });
  return new Uint8Array(nodeCrypto().createHash("sha256").update(der).digest().subarray(0, KID_BYTES));
}

export function parsePublicKeyPem(pem: string, source: string): KeyObject {
  let key: KeyObject;
  try {
    key = nodeCrypto().createPublicKey({ key: pem, format: "pem" });
  } catch (e) {
    throw new Error(`${source}: not a PEM public key (${errorText(e)})`);
  }
  if (key.asymmetricKeyType !== "ed25519") {
    throw new Error(`${source}: key type is ${key.asymmetricKeyType}, only ed25519 may sign configs`);
  }
  return key;
}

export function parsePrivateKeyPem(pem: string, source: string): KeyObject {
  let key: KeyObject;
  try {
    key = nodeCrypto().createPrivateKey({ key: pem, format: "pem" });
  } catch (e) {
    throw new Error(`${source}: not a PEM private key (${errorText(e)})`);
  }
  if (key.asymmetricKeyType !== "ed25519") {
    throw new Error(`${source}: key type is ${key.asymmetricKeyType}, expected ed25519`);
  }
  return key;
}

export class TrustStore implements KeyLookup {
  private readonly keys = new Map<string, KeyObject>();

  static fromFiles(paths: string[]): TrustStore {
    const t = new TrustStore();
    for (const p of paths) {
      let pem: string;
      try {
        pem = readFileSync(p, "utf8");
      } catch (e) {
        throw new Error(`trust_key ${p}: ${(e as NodeJS.ErrnoException).code ?? errorText(e)}`);
      }
      t.add(parsePublicKeyPem(pem, `trust_key ${p}`));
    }
    return t;
  }

  add(key: KeyObject): Uint8Array {
    const kid = keyId(key);
    this.keys.set(Buffer.from(kid).toString("hex"), key);
    return kid;
  }

  get size(): number {
    return this.keys.size;
  }

  lookup(kid: Uint8Array): KeyObject | undefined {
    return this.keys.get(Buffer.from(kid).toString("hex"));
  }
}
