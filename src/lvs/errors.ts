// The LVS core's errors, by what went wrong, so a caller (and a log reader) can
// tell a config the core cannot express from a table that contradicts itself.

/** A virtual_server or checker setting the core cannot turn into IPVS state or a schedule. */
export class LvsConfigError extends Error {
  override name = "LvsConfigError";
}

/** An IPVS table or checker index that is inconsistent in itself (a duplicate entry, an unknown checker). */
export class LvsStateError extends Error {
  override name = "LvsStateError";
}
