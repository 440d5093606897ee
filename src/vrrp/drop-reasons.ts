// Why a received packet was dropped. One counter per reason, preallocated, so the
// receive path only increments an array slot.

export enum Drop {
  None = 0,
  /** shorter than the 8-byte header */
  TooShort,
  /** version nibble is not the instance's version */
  VersionMismatch,
  /** RFC 5798 §5.2.2: type other than 1 (ADVERTISEMENT) */
  BadType,
  /** RFC 5798 §5.1.1.3 / §5.1.2.3: TTL / hop limit is not 255 */
  BadTtl,
  /** received on another interface than the instance's */
  WrongInterface,
  /** our own advert looped back */
  OwnAdvert,
  /** RFC 5798 §7.1: VRID not configured for this instance */
  VridMismatch,
  /** length does not match Count (and the v2 auth trailer) */
  LengthMismatch,
  /** RFC 5798 §7.1 / RFC 3768 §7.1: checksum wrong */
  BadChecksum,
  /** v2 auth type 2 (IP Authentication Header) in a packet without an AH, to an instance without auth_type AH */
  AuthUnsupported,
  /** v2 auth type differs from ours */
  AuthTypeMismatch,
  /** v2 PASS auth data differs from ours */
  AuthFailure,
  /** RFC 3768 §7.1: advert interval differs from ours (v2) */
  IntervalMismatch,
  /** v3 max advert interval of 0 would collapse Master_Down_Interval */
  ZeroInterval,
  /** unicast with check_unicast_src: source is not a configured peer */
  UnknownSource,
  /** RFC 5798 §7.1: address list does not match ours and sender is not the owner */
  AddressMismatch,
  /** multicast instance got a unicast packet or vice versa (keepalived) */
  WrongDestination,
  /** auth_type AH: the HMAC-MD5-96 ICV is wrong (another key, or a field changed on the way) */
  AhBadIcv,
  /** auth_type AH: the SPI is not the sender's address (keepalived) */
  AhBadSpi,
  /** auth_type AH: sequence number not above the last one seen (RFC 2402 §3.4.3 anti-replay, as keepalived) */
  AhReplay,
}

export const DROP_COUNT = Drop.AhReplay + 1;

export const DROP_NAMES: readonly string[] = Array.from({ length: DROP_COUNT }, (_, i) =>
  i === 0 ? "accepted" : (Drop[i] as string).replace(/[A-Z]/g, (c, at: number) => (at ? "_" : "") + c.toLowerCase()),
);

/** Counters indexed by Drop; slot 0 counts accepted packets. */
export class DropCounters {
  readonly counts = new Uint32Array(DROP_COUNT);
  get accepted(): number {
    return this.counts[Drop.None];
  }
  get(reason: Drop): number {
    return this.counts[reason];
  }
  /** Snapshot for status/fleet reporting (allocates; not for the packet path). */
  toRecord(): Record<string, number> {
    const out: Record<string, number> = {};
    for (let i = 0; i < DROP_COUNT; i++) out[DROP_NAMES[i]] = this.counts[i];
    return out;
  }
}
