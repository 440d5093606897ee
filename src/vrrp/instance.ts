// One VRRP instance as the daemon holds it: parameters, the advert encoder, the
// receive validator and the FSM, wired so a received packet is validated in place
// and, if accepted, fed to the FSM. Still pure: no socket, no clock.
import { formatAddress } from "./addr.ts";
import { STATE_NAMES } from "./actions.ts";
import type { Drop } from "./drop-reasons.ts";
import { VrrpFsm } from "./fsm.ts";
import { AhCounter } from "./packet-ah.ts";
import { AdvertEncoder, type EncoderOptions } from "./packet-encode.ts";
import { checksumCompatFor } from "./unicast-checksum.ts";
import { AdvertValidator, type RxMeta } from "./packet-validate.ts";
import { resolveParams, type ResolvedParams, type VrrpParams } from "./params.ts";

/** The core's own snapshot of one instance; the daemon's InstanceStatus (src/daemon/status-types.ts) is built from it. */
export interface CoreStatus {
  name: string;
  vrid: number;
  state: string;
  basePriority: number;
  effectivePriority: number;
  master: string | null;
  masterPriority: number;
  advertsSent: number;
  transitions: number;
  counters: Record<string, number>;
}

export class VrrpInstance {
  readonly p: ResolvedParams;
  readonly encoder: AdvertEncoder;
  readonly validator: AdvertValidator;
  readonly fsm: VrrpFsm;

  constructor(params: VrrpParams, opts: EncoderOptions = {}) {
    this.p = resolveParams(params);
    // auth_type AH: one sequence counter for what is sent and what is accepted (keepalived's ipsecah_counter)
    const ahCounter = opts.ahCounter ?? (this.p.authAh ? new AhCounter() : undefined);
    // old_unicast_checksum: what the validator learns from an old peer, the encoder sends (keepalived vrrp_csum_mcast)
    const checksumCompat = opts.checksumCompat ?? checksumCompatFor(this.p);
    this.encoder = new AdvertEncoder(this.p, { ...opts, ...(ahCounter ? { ahCounter } : {}), checksumCompat });
    this.validator = new AdvertValidator(this.p, ahCounter, checksumCompat);
    this.fsm = new VrrpFsm(this.p);
  }

  /**
   * A packet arrived: buf[off, off+len) is the VRRP message, meta its ingress data.
   * Returns the drop reason (Drop.None = accepted and handed to the FSM).
   */
  receive(now: number, buf: Uint8Array, off: number, len: number, meta: RxMeta): Drop {
    const v = this.validator;
    const r = v.check(buf, off, len, meta);
    if (r !== 0) return r;
    const lower = this.fsm.lowerPriorityHeard;
    this.fsm.advertReceived(now, v.priority, v.advertIntMs, v.lastSource);
    // keepalived vrrp_state_master_rx, auth_type AH: a master hearing a lower-priority
    // advert moves its counter past that advert's sequence number ("Syncing seq_num")
    if (v.ah && this.fsm.lowerPriorityHeard !== lower) v.ah.counter.seq = Math.min(v.ahSeq + 1, 0xffffffff);
    return r;
  }

  /** Snapshot for `vigil status` and the fleet (allocates; not for the hot path). */
  status(): CoreStatus {
    const f = this.fsm;
    return {
      name: this.p.name,
      vrid: this.p.vrid,
      state: STATE_NAMES[f.state],
      basePriority: this.p.priority,
      effectivePriority: f.priority,
      master: f.haveMaster ? formatAddress(f.masterAddr) : null,
      masterPriority: f.haveMaster ? f.masterPriority : 0,
      advertsSent: f.advertsSent,
      transitions: f.transitions,
      counters: this.validator.counters.toRecord(),
    };
  }
}
