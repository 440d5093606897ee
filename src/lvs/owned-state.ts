// The text of the owned-services state file: which IPVS services vigil created
// or adopted, so a restart after SIGKILL or a crash still knows which kernel
// services are its own (and deletes the ones its new config no longer has)
// without touching an operator's ipvsadm rules. Pure: text in, keys out.
//
// Format (JSON, one document):
//   {"version":1,"services":["tcp:198.18.0.10:80","udp:[fd00::1]:53","fwm:4:7"]}
// Keys are serviceKeyString() spellings. The parser accepts exactly that
// spelling (canonical addresses, no leading zeros), so every key it returns
// matches the reconcile's keys byte for byte.
import { errorText } from "../error-text.ts";
import type { IpvsProtocol, IpvsServiceKey } from "./ipvs-model.ts";
import { serviceKeyString } from "./ipvs-model.ts";
import { canonicalAddress } from "./reconcile-address.ts";

export const OWNED_STATE_VERSION = 1;
/** A router board's table is thousands of services at most; anything far larger is not ours. */
export const OWNED_STATE_MAX_BYTES = 4 << 20;
export const OWNED_STATE_MAX_SERVICES = 100_000;

export class OwnedStateError extends Error {
  constructor(reason: string) {
    super(`IPVS owned-services state: ${reason}`);
    this.name = "OwnedStateError";
  }
}

const PROTOCOLS: readonly IpvsProtocol[] = ["tcp", "udp", "sctp"];

/** Parses one serviceKeyString() spelling back into its key; throws OwnedStateError naming what is wrong. */
export function parseServiceKey(s: string): IpvsServiceKey {
  const fw = /^fwm:([46]):([1-9][0-9]{0,9})$/.exec(s);
  if (fw) {
    const mark = Number(fw[2]);
    if (mark > 0xffffffff) throw new OwnedStateError(`service "${s}": fwmark above 2^32-1`);
    return { family: fw[1] === "6" ? 6 : 4, protocol: "tcp", address: "", port: 0, fwmark: mark };
  }
  const m = /^(tcp|udp|sctp):(?:\[([0-9a-f:.]+)\]|([0-9.]+)):(0|[1-9][0-9]{0,4})$/.exec(s);
  if (!m) throw new OwnedStateError(`service "${s}" is not "<tcp|udp|sctp>:<address>:<port>" or "fwm:<4|6>:<mark>"`);
  const port = Number(m[4]);
  if (port > 65535) throw new OwnedStateError(`service "${s}": port above 65535`);
  const raw = m[2] ?? m[3]!;
  let address: string;
  try {
    address = canonicalAddress(raw);
  } catch (e) {
    throw new OwnedStateError(`service "${s}": ${errorText(e)}`);
  }
  const family = m[2] !== undefined ? 6 : 4;
  if ((family === 6) !== address.includes(":")) throw new OwnedStateError(`service "${s}": brackets are for IPv6 addresses only`);
  const key: IpvsServiceKey = { family, protocol: PROTOCOLS.find((p) => p === m[1])!, address, port, fwmark: 0 };
  if (serviceKeyString(key) !== s) throw new OwnedStateError(`service "${s}" is not in canonical form ("${serviceKeyString(key)}")`);
  return key;
}

export function encodeOwnedState(keys: Iterable<string>): string {
  return `${JSON.stringify({ version: OWNED_STATE_VERSION, services: [...keys].sort() })}\n`;
}

/** Parses the file's text; throws OwnedStateError with the reason on anything but a well-formed document. */
export function parseOwnedState(text: string): Set<string> {
  if (text.length > OWNED_STATE_MAX_BYTES) throw new OwnedStateError(`${text.length} bytes, more than the ${OWNED_STATE_MAX_BYTES} a state file can need`);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new OwnedStateError(`not JSON (${errorText(e)})`);
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) throw new OwnedStateError("not a JSON object");
  const o = doc as Record<string, unknown>;
  if (o.version !== OWNED_STATE_VERSION) throw new OwnedStateError(`version ${JSON.stringify(o.version)}, this vigil reads version ${OWNED_STATE_VERSION}`);
  if (!Array.isArray(o.services)) throw new OwnedStateError(`"services" is not a list`);
  if (o.services.length > OWNED_STATE_MAX_SERVICES) throw new OwnedStateError(`${o.services.length} services, more than ${OWNED_STATE_MAX_SERVICES}`);
  const out = new Set<string>();
  for (const s of o.services) {
    if (typeof s !== "string") throw new OwnedStateError(`service ${JSON.stringify(s)?.slice(0, 40)} is not a string`);
    parseServiceKey(s);
    out.add(s);
  }
  return out;
}
