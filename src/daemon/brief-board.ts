// The brief board: the few numbers of `vigil status`'s table that change with no
// message to the main thread (the advert counters, and the master a backup hears),
// in memory the VRRP worker shares with the main thread. The worker copies them in
// a few times a second without allocating; the main thread reads them for the
// status file (status-file.ts) without a round trip to the worker, so refreshing
// that file never takes a turn of the advert loop. State and priority changes are
// not read from here: they reach the main thread as messages, in order.
//
// One board per set of instance plans (the daemon's start and each reload): slot i
// is plans[i], config order. A seqlock (an odd sequence number while the worker
// writes) lets the reader see every slot as of one publish, never half of one.

/** per slot, Float64 fields */
const F_PRESENT = 0; // 1: a running instance wrote the slot (0: waiting to start, or not published yet)
const F_STATE = 1; // State (src/vrrp/actions.ts)
const F_SENT = 2;
const F_RECEIVED = 3;
const F_DROPPED = 4;
const F_MASTER_PRIORITY = 5;
/** length of the master's address in the slot's address bytes; 0 = no master known */
const F_MASTER_LEN = 6;
const FIELDS = 7;
const ADDR_BYTES = 16;
const SLOT_BYTES = FIELDS * 8 + ADDR_BYTES;
/** Int32 header: [sequence, publishes, master changes] */
const HEADER_BYTES = 16;
/** a reader that keeps meeting a writer gives up (the caller asks the worker instead) */
const READ_ATTEMPTS = 8;

/** One instance as the worker last published it. */
export interface BriefSlot {
  state: number;
  advertsSent: number;
  advertsReceived: number;
  dropped: number;
  masterPriority: number;
  /** the master's address bytes (4 or 16), or null when none is known */
  master: Uint8Array | null;
}

/** What the worker publishes of one running instance: what the reader gets back. */
export type BriefSource = BriefSlot;

export class BriefBoard {
  readonly slots: number;
  private readonly header: Int32Array;
  private readonly f: Float64Array;
  private readonly bytes: Uint8Array;
  /** worker: a slot's master changed in the publish under way */
  private masterChanged = false;

  constructor(readonly buffer: SharedArrayBuffer) {
    this.slots = Math.floor((buffer.byteLength - HEADER_BYTES) / SLOT_BYTES);
    this.header = new Int32Array(buffer, 0, 4);
    this.f = new Float64Array(buffer, HEADER_BYTES, (this.slots * SLOT_BYTES) / 8);
    this.bytes = new Uint8Array(buffer, HEADER_BYTES);
  }

  static create(slots: number): BriefBoard {
    return new BriefBoard(new SharedArrayBuffer(HEADER_BYTES + slots * SLOT_BYTES));
  }

  /** Worker: a publish starts (readers retry until it ends). */
  begin(): void {
    Atomics.add(this.header, 0, 1);
  }

  /** Worker, between begin() and end(): slot i holds `s` (null: the instance is not running). */
  write(i: number, s: BriefSource | null): void {
    const o = (i * SLOT_BYTES) / 8;
    const f = this.f;
    if (!s) {
      f[o + F_PRESENT] = 0;
      return;
    }
    f[o + F_PRESENT] = 1;
    f[o + F_STATE] = s.state;
    f[o + F_SENT] = s.advertsSent;
    f[o + F_RECEIVED] = s.advertsReceived;
    f[o + F_DROPPED] = s.dropped;
    f[o + F_MASTER_PRIORITY] = s.masterPriority;
    const len = s.master ? Math.min(s.master.length, ADDR_BYTES) : 0;
    if (f[o + F_MASTER_LEN] !== len) this.masterChanged = true;
    f[o + F_MASTER_LEN] = len;
    // byte by byte: a subarray would allocate on every publish
    const at = i * SLOT_BYTES + FIELDS * 8;
    const bytes = this.bytes;
    for (let k = 0; k < len; k++) {
      const b = s.master![k]!;
      if (bytes[at + k] !== b) {
        bytes[at + k] = b;
        this.masterChanged = true;
      }
    }
  }

  /** Worker: the publish is complete. */
  end(): void {
    if (this.masterChanged) Atomics.add(this.header, 2, 1);
    this.masterChanged = false;
    Atomics.add(this.header, 0, 1);
    Atomics.add(this.header, 1, 1);
  }

  /** Main thread: how many publishes the worker has made to this board (it moves while the advert loop runs). */
  get publishes(): number {
    return Atomics.load(this.header, 1);
  }

  /** Main thread: how many publishes changed some slot's master (a backup heard a new one; no message says so). */
  get masterChanges(): number {
    return Atomics.load(this.header, 2);
  }

  /** Main thread: every slot as of one publish; null before the worker's first publish to this board or when a writer kept it busy. */
  read(): Array<BriefSlot | null> | null {
    for (let attempt = 0; attempt < READ_ATTEMPTS; attempt++) {
      if (Atomics.load(this.header, 1) === 0) return null;
      const seq = Atomics.load(this.header, 0);
      if (seq & 1) continue;
      const out: Array<BriefSlot | null> = [];
      for (let i = 0; i < this.slots; i++) out.push(this.readSlot(i));
      if (Atomics.load(this.header, 0) === seq) return out;
    }
    return null;
  }

  private readSlot(i: number): BriefSlot | null {
    const o = (i * SLOT_BYTES) / 8;
    const f = this.f;
    if (f[o + F_PRESENT] !== 1) return null;
    const len = f[o + F_MASTER_LEN];
    const at = i * SLOT_BYTES + FIELDS * 8;
    return {
      state: f[o + F_STATE],
      advertsSent: f[o + F_SENT],
      advertsReceived: f[o + F_RECEIVED],
      dropped: f[o + F_DROPPED],
      masterPriority: f[o + F_MASTER_PRIORITY],
      master: len > 0 ? this.bytes.slice(at, at + len) : null,
    };
  }
}
