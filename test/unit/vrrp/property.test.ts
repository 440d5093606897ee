// Property tests: seeded random event sequences against invariants of the FSM,
// and a simulated LAN of routers exchanging real encoded/validated adverts.
import { describe, expect, test } from "bun:test";
import { ActionKind, State } from "../../../src/vrrp/actions.ts";
import { AdvertEncoder } from "../../../src/vrrp/packet-encode.ts";
import { AdvertValidator, RxMeta } from "../../../src/vrrp/packet-validate.ts";
import { Drop } from "../../../src/vrrp/drop-reasons.ts";
import { VrrpFsm } from "../../../src/vrrp/fsm.ts";
import { resolveParams } from "../../../src/vrrp/params.ts";
import { compareBytes } from "../../../src/vrrp/addr.ts";
import { BASE, ip } from "./helpers.ts";
import { Prng } from "./prng.ts";

/** Checks the actions of one step against the instance's history; returns a violation or null. */
class Checker {
  vipsHeld = false;
  state = State.Initialize;
  lastAdvertAt = NaN;
  check(f: VrrpFsm, now: number, lowerAdvert: boolean): string | null {
    const acts = f.actions;
    const stateBefore = this.state;
    for (let i = 0; i < acts.length; i++) {
      const k = acts.kind[i];
      if (k === ActionKind.AddVips) {
        if (this.vipsHeld) return "AddVips twice without RemoveVips";
        this.vipsHeld = true;
      } else if (k === ActionKind.RemoveVips) {
        if (!this.vipsHeld) return "RemoveVips without AddVips";
        this.vipsHeld = false;
      } else if (k === ActionKind.SetTimer) {
        if (acts.b[i] < now) return `timer ${acts.a[i]} set in the past (${acts.b[i]} < ${now})`;
      } else if (k === ActionKind.NotifyTransition) {
        if (acts.a[i] !== this.state) return `transition from ${acts.a[i]} but state was ${this.state}`;
        this.state = acts.b[i];
      } else if (k === ActionKind.SendAdvert && acts.a[i] !== 0) {
        if (f.state !== State.Master) return "non-zero advert outside Master";
      }
    }
    if (this.state !== f.state) return `reported state ${this.state} != ${f.state}`;
    if (this.vipsHeld !== (f.state === State.Master)) return `VIPs held=${this.vipsHeld} in state ${f.state}`;
    if (lowerAdvert && stateBefore === State.Master && f.state !== State.Master) return "a lower-priority advert demoted a master";
    if (f.state === State.Master && !(f.adverAt < Infinity)) return "Master without Adver_Timer";
    if (f.state === State.Backup && !(f.masterDownAt < Infinity)) return "Backup without Master_Down_Timer";
    if ((f.state === State.Fault || f.state === State.Initialize) && (f.adverAt !== Infinity || f.masterDownAt !== Infinity)) {
      return "timer armed in FAULT/INIT";
    }
    return null;
  }
}

describe("FSM properties over seeded random event sequences", () => {
  for (const seed of [1, 2, 3, 42, 1234, 99991]) {
    test(`invariants hold (seed ${seed}): VIPs only in Master, Add/Remove alternate, lower adverts never demote`, () => {
      const r = new Prng(seed);
      const version = r.pick([2, 3] as const);
      const f = new VrrpFsm(resolveParams({
        ...BASE, version, advertIntMs: version === 3 ? r.pick([10, 100, 1000]) : 1000,
        priority: r.pick([1, 50, 100, 254, 255]), preempt: r.chance(0.7), preemptDelayMs: r.pick([0, 0, 2000]),
        initialState: r.pick(["backup", "master"] as const), garp: { intervalMs: r.pick([0, 5]), masterRefreshMs: r.pick([0, 3000]) },
      }));
      const c = new Checker();
      let now = 0;
      let adverts = 0, steps = 0;
      for (let n = 0; n < 4000; n++) {
        now += r.int(0, 3) === 0 ? 0 : r.next() * f.p.advertIntMs;
        f.actions.clear();
        let lower = false;
        const ev = r.int(0, 9);
        if (ev <= 3) {
          const prio = r.pick([0, 1, f.priority - 1, f.priority, f.priority + 1, 255].filter((p) => p >= 0 && p <= 255));
          lower = prio > 0 && prio < f.priority;
          f.advertReceived(now, prio, f.p.advertIntMs, ip(`198.18.0.${r.pick([1, 3])}`));
          adverts++;
        } else if (ev <= 6) {
          const next = f.nextDeadline();
          if (next < Infinity) now = Math.max(now, next);
          f.tick(now);
        } else if (ev === 7) {
          if (r.chance(0.5)) f.faultRaised(now, r.pick([1, 2]));
          else f.faultCleared(now, r.pick([1, 2]));
        } else if (ev === 8) {
          f.setPriority(now, r.int(1, 254));
        } else {
          if (f.state === State.Initialize) f.startup(now);
          else if (r.chance(0.2)) f.shutdown(now);
        }
        const v = c.check(f, now, lower);
        if (v) throw new Error(`seed ${seed} step ${n}: ${v}`);
        steps++;
      }
      expect(steps).toBe(4000);
      expect(adverts).toBeGreaterThan(500);
      expect(f.transitions).toBeGreaterThan(0);
    });
  }

  test("Master always emits adverts at Advertisement_Interval when woken on its deadlines", () => {
    for (const interval of [10, 1000, 40950]) {
      const f = new VrrpFsm(resolveParams({ ...BASE, priority: 255, advertIntMs: interval, garp: { masterDelayMs: 0 } }));
      f.startup(0);
      const sent: number[] = [];
      let now = 0;
      for (let n = 0; n < 1000; n++) {
        for (let i = 0; i < f.actions.length; i++) if (f.actions.kind[i] === ActionKind.SendAdvert) sent.push(now);
        f.actions.clear();
        now = f.nextDeadline();
        f.tick(now);
      }
      for (let i = 1; i < sent.length; i++) expect(sent[i] - sent[i - 1]).toBe(interval);
      expect(sent.length).toBe(1000);
    }
  });
});

// ---------------------------------------------------------------- simulated LAN

/** one-way delay on the simulated segment, ms */
const LINK_DELAY = 0.2;

interface Node {
  f: VrrpFsm;
  enc: AdvertEncoder;
  val: AdvertValidator;
  meta: RxMeta;
  addr: Uint8Array;
  up: boolean;
  holdsVip: boolean;
}

/** Routers on one segment: adverts are encoded, "sent" to every other live node, validated and fed back in. */
class Lan {
  nodes: Node[] = [];
  now = 0;
  lossRate = 0;
  rnd: Prng;
  dropped = 0;
  wire: { at: number; from: Node; to: Node; bytes: Uint8Array }[] = [];
  constructor(seed: number, prios: number[], opts: { version: 2 | 3; advertIntMs: number; preempt: boolean }) {
    this.rnd = new Prng(seed);
    prios.forEach((prio, i) => {
      const p = resolveParams({ ...BASE, ...opts, priority: prio, primary: `198.18.0.${i + 1}`, authPass: opts.version === 2 ? "s3cret" : undefined });
      const meta = new RxMeta();
      meta.dst.set(ip("224.0.0.18"));
      meta.ttl = 255;
      this.nodes.push({ f: new VrrpFsm(p), enc: new AdvertEncoder(p), val: new AdvertValidator(p), meta, addr: p.primary, up: false, holdsVip: false });
    });
  }
  start(i: number) {
    const n = this.nodes[i];
    n.up = true;
    n.f.startup(this.now);
    this.drain(n);
  }
  /** SIGKILL-like: the node vanishes without a priority-0 advert (its VIP is gone with it: lifetime). */
  kill(i: number) {
    const n = this.nodes[i];
    n.up = false;
    n.holdsVip = false;
    this.wire = this.wire.filter((w) => w.from !== n);
    n.f = new VrrpFsm(n.f.p);
  }
  drain(n: Node) {
    const a = n.f.actions;
    for (let i = 0; i < a.length; i++) {
      const k = a.kind[i];
      if (k === ActionKind.AddVips) n.holdsVip = true;
      else if (k === ActionKind.RemoveVips) n.holdsVip = false;
      else if (k === ActionKind.SendAdvert) this.broadcast(n, a.a[i]);
    }
    a.clear();
  }
  /** Queues the encoded advert for every other live node, delivered after LINK_DELAY. */
  broadcast(from: Node, prio: number) {
    const len = from.enc.encode(prio);
    const bytes = from.enc.buf.slice(0, len);
    for (const to of this.nodes) {
      if (to === from || !to.up) continue;
      if (this.lossRate > 0 && this.rnd.chance(this.lossRate)) continue;
      this.wire.push({ at: this.now + LINK_DELAY, from, to, bytes });
    }
  }
  deliver(w: { from: Node; to: Node; bytes: Uint8Array }) {
    const to = w.to;
    if (!to.up) return;
    to.meta.src.set(w.from.addr);
    const r = to.val.check(w.bytes, 0, w.bytes.length, to.meta);
    if (r !== Drop.None) {
      this.dropped++;
      return;
    }
    to.f.advertReceived(this.now, to.val.priority, to.val.advertIntMs, to.val.lastSource);
    this.drain(to);
  }
  /** Advances to `until`, waking each node at its deadlines. Bounded. */
  run(until: number) {
    for (let guard = 0; guard < 500000; guard++) {
      let next = until, who: Node | null = null;
      for (const n of this.nodes) {
        if (!n.up) continue;
        const d = n.f.nextDeadline();
        if (d < next) { next = d; who = n; }
      }
      const w = this.wire.length > 0 ? this.wire[0] : null; // FIFO: equal delays keep send order
      if (w && w.at <= next) {
        this.now = Math.max(this.now, w.at);
        this.wire.shift();
        this.deliver(w);
        continue;
      }
      this.now = Math.max(this.now, next);
      if (!who) return;
      who.f.tick(this.now);
      this.drain(who);
    }
    throw new Error("simulation did not reach its end time");
  }
  masters(): number[] {
    return this.nodes.flatMap((n, i) => (n.up && n.f.state === State.Master ? [i] : []));
  }
}

describe("simulated LAN: election and failover with real packets", () => {
  test("RFC 5798 §6.4: the highest priority wins; on its death the next takes over within Master_Down_Interval", () => {
    const lan = new Lan(7, [100, 200, 150], { version: 3, advertIntMs: 100, preempt: true });
    for (let i = 0; i < 3; i++) lan.start(i);
    lan.run(2000);
    expect(lan.masters()).toEqual([1]);
    expect(lan.nodes.map((n) => n.holdsVip)).toEqual([false, true, false]);
    const tKill = lan.now;
    lan.kill(1);
    // node 2 (150): Master_Down_Interval = 300 + (106*100)/256 ms after the last advert it heard
    lan.run(tKill + 300 + (106 * 100) / 256 + 1);
    expect(lan.masters()).toEqual([2]);
    lan.start(1); // preempts back: node 1 discards the lower adverts and its timer fires
    lan.run(lan.now + 2000);
    expect(lan.masters()).toEqual([1]);
  });
  test("RFC 3768: v2 with PASS auth elects and fails over through the codec", () => {
    const lan = new Lan(8, [100, 120], { version: 2, advertIntMs: 1000, preempt: true });
    lan.start(0);
    lan.start(1);
    lan.run(10000);
    expect(lan.masters()).toEqual([1]);
    expect(lan.dropped).toBe(0);
  });
  test("RFC 5798 §6.4.3: after a partition heals, equal-priority masters keep the higher primary address", () => {
    const lan = new Lan(9, [100, 100, 100], { version: 3, advertIntMs: 50, preempt: true });
    lan.lossRate = 1; // partitioned: everyone becomes master
    for (let i = 0; i < 3; i++) lan.start(i);
    lan.run(1000);
    expect(lan.masters()).toEqual([0, 1, 2]);
    lan.lossRate = 0;
    lan.run(1100); // one advert interval later the lower addresses have stepped down
    expect(lan.masters()).toEqual([2]);
  });
  test("split brain: after a partition heals the lower-priority master steps down within one advert interval", () => {
    for (const interval of [10, 100, 1000]) {
      const lan = new Lan(20 + interval, [150, 100], { version: 3, advertIntMs: interval, preempt: true });
      lan.lossRate = 1;
      lan.start(0);
      lan.start(1);
      lan.run(20 * interval);
      expect(lan.masters()).toEqual([0, 1]);
      lan.lossRate = 0;
      const healed = lan.now;
      lan.run(healed + interval + 2 * LINK_DELAY);
      expect(lan.masters()).toEqual([0]);
      expect(lan.nodes[1].holdsVip).toBe(false);
    }
  });
  test("RFC 5798 §6.4.2: a backup keeps an equal-priority master whatever its address", () => {
    const lan = new Lan(10, [100, 100], { version: 3, advertIntMs: 50, preempt: true });
    lan.start(0);
    lan.run(1000);
    lan.start(1);
    lan.run(3000);
    expect(lan.masters()).toEqual([0]);
  });
  for (const seed of [11, 12, 13, 14]) {
    test(`random kills, restarts and 20% loss always reconverge to one highest-priority master (seed ${seed})`, () => {
      const r = new Prng(seed);
      const prios = [r.int(1, 254), r.int(1, 254), r.int(1, 254)];
      const lan = new Lan(seed, prios, { version: 3, advertIntMs: 100, preempt: true });
      for (let i = 0; i < 3; i++) lan.start(i);
      for (let round = 0; round < 30; round++) {
        lan.lossRate = 0.2;
        const i = r.int(0, 2);
        if (lan.nodes[i].up && lan.nodes.filter((n) => n.up).length > 1) lan.kill(i);
        else if (!lan.nodes[i].up) lan.start(i);
        lan.run(lan.now + r.int(50, 1500));
        lan.lossRate = 0; // heal, then let it settle for a few Master_Down_Intervals
        lan.run(lan.now + 2000);
        const up = lan.nodes.map((n, k) => [n, k] as const).filter(([n]) => n.up);
        const best = up.reduce((a, b) =>
          b[0].f.p.priority > a[0].f.p.priority ||
          (b[0].f.p.priority === a[0].f.p.priority && compareBytes(b[0].addr, 0, a[0].addr, 0, 4) > 0) ? b : a);
        expect(lan.masters()).toEqual([best[1]]);
        expect(lan.nodes.filter((n) => n.holdsVip).length).toBe(1);
      }
      expect(lan.nodes.reduce((s, n) => s + n.val.counters.accepted, 0)).toBeGreaterThan(100);
    });
  }
});
