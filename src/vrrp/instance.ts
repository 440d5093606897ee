// One VRRP instance as the daemon holds it: parameters, the advert encoder, the
// receive validator and the FSM, wired so a received packet is validated in place
// and, if accepted, fed to the FSM. Still pure: no socket, no clock.
import { formatAddress } from "./addr.ts";
import { STATE_NAMES } from "./actions.ts";
import type { Drop } from "./drop-reasons.ts";
import { VrrpFsm } from "./fsm.ts";
import { AdvertEncoder, type EncoderOptions } from "./packet-encode.ts";
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
    this.encoder = new AdvertEncoder(this.p, opts);
    this.validator = new AdvertValidator(this.p);
    this.fsm = new VrrpFsm(this.p);
  }

  /**
   * A packet arrived: buf[off, off+len) is the VRRP message, meta its ingress data.
   * Returns the drop reason (Drop.None = accepted and handed to the FSM).
   */
  receive(now: number, buf: Uint8Array, off: number, len: number, meta: RxMeta): Drop {
    const r = this.validator.check(buf, off, len, meta);
    if (r === 0) this.fsm.advertReceived(now, this.validator.priority, this.validator.advertIntMs, this.validator.lastSource);
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
