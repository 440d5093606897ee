// Instance parameters: plain data the daemon fills from the config model, checked
// once by resolveParams() into the byte form the codec and FSM use.
import { toAddressBytes, AddressError, formatAddress } from "./addr.ts";
import { isMulticast } from "../net/ip-address.ts";
import { MCAST_V4, MCAST_V6 } from "./packet-layout.ts";
import type { OldUnicastChecksum } from "./unicast-checksum.ts";

/** The priority of the RFC 5798 §5.2.4 address owner. */
export const PRIORITY_OWNER = 255;

export interface GarpParams {
  /** keepalived garp_master_delay: second burst this long after becoming master; 0 = none */
  masterDelayMs: number;
  /** keepalived garp_master_repeat: gratuitous ARPs/NAs per burst */
  masterRepeat: number;
  /** keepalived garp_master_refresh: periodic burst while master; 0 = off */
  masterRefreshMs: number;
  /** keepalived garp_master_refresh_repeat */
  masterRefreshRepeat: number;
  /** vrrp_garp_interval (IPv4) / vrrp_gna_interval (IPv6): spacing between messages; 0 = back to back */
  intervalMs: number;
  /** keepalived garp_lower_prio_repeat: gratuitous ARPs/NAs per burst when the master hears a lower priority; absent = masterRepeat; 0 = none */
  lowerPrioRepeat?: number;
  /**
   * keepalived garp_lower_prio_delay: with lowerPrioRepeat > 0, a second burst this long
   * after each lower-priority advert (keepalived vrrp.c vrrp_state_master_rx); 0 = none;
   * absent = masterDelayMs
   */
  lowerPrioDelayMs?: number;
}

export const DEFAULT_GARP: Readonly<GarpParams> = {
  masterDelayMs: 5000,
  masterRepeat: 5,
  masterRefreshMs: 0,
  masterRefreshRepeat: 1,
  intervalMs: 0,
};

export interface VrrpParams {
  /** instance name, used only in error messages */
  name?: string;
  vrid: number;
  version: 2 | 3;
  family: 4 | 6;
  /** 1..254, or 255 for the address owner */
  priority: number;
  /** v3: 10..40950 ms in 10 ms steps; v2: whole seconds 1..255 (RFC 3768 §5.3.7) */
  advertIntMs: number;
  preempt: boolean;
  /** keepalived preempt_delay: after startup or after first seeing a lower master */
  preemptDelayMs: number;
  /** RFC 5798 §6.1 Accept_Mode; passed through on AddVips for the adapter */
  accept: boolean;
  /** keepalived `state MASTER`: take over at once after startup unless a better master speaks */
  initialState?: "backup" | "master";
  /** VRRPv2 auth_pass (RFC 2338: the PASS text, or the AH key); absent = auth_type 0 */
  authPass?: string;
  /** with authPass: PASS (default) or AH, the IPsec Authentication Header keepalived still runs (packet-ah.ts) */
  authType?: "PASS" | "AH";
  vips: (string | Uint8Array)[];
  /** our source address for adverts; the §6.4.3 tie-break compares it */
  primary: string | Uint8Array;
  /** non-empty = unicast mode (keepalived unicast_peer) */
  unicastPeers?: (string | Uint8Array)[];
  /** keepalived check_unicast_src: drop adverts from sources not in unicastPeers */
  checkUnicastSrc?: boolean;
  /** keepalived unicast_ttl: TTL of unicast adverts (default 255) */
  unicastTtl?: number;
  /** keepalived lower_prio_no_advert: a master hearing a lower priority does not answer with an advert */
  lowerPrioNoAdvert?: boolean;
  /** keepalived higher_prio_send_advert: a master hearing a higher priority sends one advert before stepping down */
  higherPrioSendAdvert?: boolean;
  /** ingress interface; 0 or absent = don't check */
  ifindex?: number;
  garp?: Partial<GarpParams>;
  /**
   * How many addresses the GARP/NA schedule cycles through: keepalived announces the
   * instance's family from virtual_ipaddress and virtual_ipaddress_excluded alike.
   * Default vips.length.
   */
  announceCount?: number;
  /** keepalived vrrp_skip_check_adv_addr */
  skipCheckAdvAddr?: boolean;
  /** keepalived vrrp_strict */
  strict?: boolean;
  /** keepalived vrrp_mcast_group4/6: the group of multicast adverts; absent = 224.0.0.18 / ff02::12 */
  mcastGroup?: string | Uint8Array;
  /** keepalived down_timer_adverts: advert intervals in Master_Down_Interval, 1..100; absent = 3 (RFC 5798 §6.1) */
  downTimerAdverts?: number;
  /** keepalived old_unicast_checksum [never] (unicast-checksum.ts): always = the pre-1.3.7 v3 unicast checksum; never = no auto-detection; absent = auto */
  oldUnicastChecksum?: "always" | "never";
}

export interface ResolvedParams {
  name: string;
  vrid: number;
  version: 2 | 3;
  family: 4 | 6;
  /** bytes per address: 4 or 16 */
  addrLen: number;
  priority: number;
  advertIntMs: number;
  preempt: boolean;
  preemptDelayMs: number;
  accept: boolean;
  initialState: "backup" | "master";
  /** 8 bytes NUL-padded, or null for auth_type 0 */
  authPass: Uint8Array | null;
  /** authPass is the key of an IPsec AH (HMAC-MD5-96) instead of a PASS password */
  authAh: boolean;
  vips: Uint8Array[];
  primary: Uint8Array;
  unicastPeers: Uint8Array[];
  checkUnicastSrc: boolean;
  /** TTL the adverts leave with: 255, or unicast_ttl for a unicast instance */
  sendTtl: number;
  lowerPrioNoAdvert: boolean;
  higherPrioSendAdvert: boolean;
  ifindex: number;
  garp: GarpParams;
  announceCount: number;
  skipCheckAdvAddr: boolean;
  strict: boolean;
  /** where multicast adverts go and which destination received ones must have (RFC 5798 §7.1 checks the TTL, keepalived the group) */
  mcastGroup: Uint8Array;
  downTimerAdverts: number;
  oldUnicastChecksum: OldUnicastChecksum;
}

export class VrrpParamsError extends Error {
  constructor(instance: string, msg: string) {
    super(`vrrp instance ${instance}: ${msg}`);
    this.name = "VrrpParamsError";
  }
}

function int(v: unknown, lo: number, hi: number): boolean {
  return typeof v === "number" && Number.isInteger(v) && v >= lo && v <= hi;
}

export function resolveParams(p: VrrpParams): ResolvedParams {
  const name = p.name ?? `vrid ${p.vrid}`;
  const fail = (m: string): never => { throw new VrrpParamsError(name, m); };
  if (!int(p.vrid, 1, 255)) fail(`virtual_router_id ${p.vrid} out of range 1..255 (RFC 5798 §5.2.3)`);
  if (p.version !== 2 && p.version !== 3) fail(`version ${p.version} is not 2 or 3`);
  if (p.family !== 4 && p.family !== 6) fail(`family ${p.family} is not 4 or 6`);
  if (p.version === 2 && p.family === 6) fail("VRRPv2 (RFC 3768) is IPv4 only; use version 3 for IPv6");
  if (!int(p.priority, 1, PRIORITY_OWNER)) fail(`priority ${p.priority} out of range 1..255 (0 is reserved for release, RFC 5798 §5.2.4)`);
  if (p.version === 3) {
    if (!int(p.advertIntMs, 10, 40950) || p.advertIntMs % 10 !== 0)
      fail(`advert_int ${p.advertIntMs} ms: VRRPv3 needs 10..40950 ms in 10 ms steps (RFC 5798 §5.2.7, 12-bit centiseconds)`);
  } else if (!int(p.advertIntMs, 1000, 255000) || p.advertIntMs % 1000 !== 0) {
    fail(`advert_int ${p.advertIntMs} ms: VRRPv2 needs whole seconds 1..255 (RFC 3768 §5.3.7)`);
  }
  if (!int(p.preemptDelayMs, 0, 1000000)) fail(`preempt_delay ${p.preemptDelayMs} ms out of range 0..1000 s`);
  const strict = p.strict ?? false;
  let authPass: Uint8Array | null = null;
  if (p.authPass !== undefined) {
    if (p.version !== 2) fail("authentication exists only in VRRPv2 (RFC 5798 §9 removed it)");
    if (strict) fail("vrrp_strict forbids authentication (RFC 5798 has none)");
    const raw = new TextEncoder().encode(p.authPass);
    if (raw.length === 0 || raw.length > 8) fail(`auth_pass must be 1..8 bytes, got ${raw.length}`);
    authPass = new Uint8Array(8); // keepalived NUL-pads the password to 8 bytes
    authPass.set(raw);
  }
  const authAh = authPass !== null && p.authType === "AH";
  // keepalived: "Cannot use AH authentication with IPv6"; RFC 2338 §5.3.6.3 is VRRPv2 over IPv4
  if (authAh && p.family !== 4) fail("auth_type AH needs IPv4 (keepalived: cannot use AH authentication with IPv6)");
  const addr = (a: string | Uint8Array, what: string): Uint8Array => {
    try {
      return toAddressBytes(a, p.family);
    } catch (e) {
      return fail(`${what}: ${e instanceof AddressError ? e.message : String(e)}`);
    }
  };
  const vips = (p.vips ?? []).map((v, i) => addr(v, `virtual_ipaddress #${i + 1}`));
  const addrLen = p.family === 4 ? 4 : 16;
  if (vips.length > 255) fail(`${vips.length} virtual addresses: at most 255 fit the Count field (RFC 5798 §5.2.5)`);
  if (strict && vips.length === 0) fail("vrrp_strict needs at least one virtual address");
  const unicastPeers = (p.unicastPeers ?? []).map((v, i) => addr(v, `unicast_peer #${i + 1}`));
  if (strict && unicastPeers.length > 0) fail("vrrp_strict forbids unicast peers");
  const garp: GarpParams = { ...DEFAULT_GARP, ...(p.garp ?? {}) };
  for (const k of Object.keys(DEFAULT_GARP) as (keyof GarpParams)[]) {
    if (!int(garp[k], 0, 86400000)) fail(`garp ${k} ${garp[k]} is not a non-negative integer`);
  }
  if (garp.masterRepeat < 1) fail("garp_master_repeat must be at least 1");
  garp.lowerPrioRepeat = p.garp?.lowerPrioRepeat ?? garp.masterRepeat;
  if (!int(garp.lowerPrioRepeat, 0, 86400000)) fail(`garp_lower_prio_repeat ${garp.lowerPrioRepeat} is not a non-negative integer`);
  garp.lowerPrioDelayMs = p.garp?.lowerPrioDelayMs ?? garp.masterDelayMs;
  if (!int(garp.lowerPrioDelayMs, 0, 86400000)) fail(`garp_lower_prio_delay ${garp.lowerPrioDelayMs} ms is not a non-negative integer`);
  if (garp.masterRefreshRepeat < 1) fail("garp_master_refresh_repeat must be at least 1");
  if (p.ifindex !== undefined && !int(p.ifindex, 0, 0x7fffffff)) fail(`ifindex ${p.ifindex} invalid`);
  if (p.unicastTtl !== undefined && !int(p.unicastTtl, 1, 255)) fail(`unicast_ttl ${p.unicastTtl} out of range 1..255`);
  if (p.downTimerAdverts !== undefined && !int(p.downTimerAdverts, 1, 100)) fail(`down_timer_adverts ${p.downTimerAdverts} out of range 1..100`);
  const mcastGroup = p.mcastGroup === undefined ? (p.family === 4 ? MCAST_V4 : MCAST_V6) : addr(p.mcastGroup, "multicast group");
  if (!isMulticast(mcastGroup)) fail(`multicast group ${formatAddress(mcastGroup)} is not a multicast address`);
  if (p.announceCount !== undefined && !int(p.announceCount, 0, 0xffff)) fail(`announceCount ${p.announceCount} invalid`);
  if (p.oldUnicastChecksum !== undefined && p.oldUnicastChecksum !== "always" && p.oldUnicastChecksum !== "never") fail(`old_unicast_checksum ${String(p.oldUnicastChecksum)} is not always or never`);
  return {
    name,
    vrid: p.vrid,
    version: p.version,
    family: p.family,
    addrLen,
    priority: p.priority,
    advertIntMs: p.advertIntMs,
    preempt: p.preempt,
    preemptDelayMs: p.preemptDelayMs,
    accept: p.accept,
    initialState: p.initialState ?? "backup",
    authPass,
    authAh,
    vips,
    primary: addr(p.primary, "primary (source) address"),
    unicastPeers,
    checkUnicastSrc: p.checkUnicastSrc ?? false,
    sendTtl: unicastPeers.length > 0 ? p.unicastTtl ?? 255 : 255,
    lowerPrioNoAdvert: p.lowerPrioNoAdvert ?? false,
    higherPrioSendAdvert: p.higherPrioSendAdvert ?? false,
    ifindex: p.ifindex ?? 0,
    garp,
    announceCount: p.announceCount ?? vips.length,
    skipCheckAdvAddr: p.skipCheckAdvAddr ?? false,
    strict,
    mcastGroup,
    downTimerAdverts: p.downTimerAdverts ?? 3,
    oldUnicastChecksum: p.oldUnicastChecksum ?? "auto",
  };
}
