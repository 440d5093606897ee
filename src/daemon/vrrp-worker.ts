// The VRRP advert worker (a Bun Worker thread). It owns every VRRP socket, the
// rtnetlink sockets and the instance FSMs, and waits in ppoll on absolute
// CLOCK_MONOTONIC deadlines under SCHED_FIFO, so adverts leave on time while the main
// thread parses configs, talks MQTT or runs checkers. The loop is synchronous; it
// yields to its event loop only when the main thread has signalled the eventfd,
// so the steady state (timers, adverts, receives) allocates nothing.
import { monotonicNs, sleepUntil } from "../sys/clock.ts";
import { EventFd } from "../sys/eventfd.ts";
import type { NetlinkSocket } from "../sys/netlink/socket.ts";
import { listLinks } from "../sys/rtnetlink/link.ts";
import { RtMonitor } from "../sys/rtnetlink/monitor.ts";
import { openRtnetlink } from "../sys/rtnetlink/socket.ts";
import { lockMemory, setThreadFifo, setThreadNice } from "../sys/sched.ts";
import { ReadinessWaiter } from "../sys/vrrp-socket-poll.ts";
import { STATE_NAMES } from "../vrrp/actions.ts";
import { SyncGroup } from "../vrrp/sync-group.ts";
import type { InstancePlan, SyncGroupPlan } from "./plan.ts";
import { AdvertReceiver, receiverKey } from "./advert-receiver.ts";
import { InstanceRuntime, type RuntimeHooks } from "./vrrp-runtime.ts";
import type { FromWorker, ToWorker, WorkerInit } from "./worker-protocol.ts";

declare const self: Worker;

const NS_PER_MS = 1e6;
/** Longest sleep without a deadline: bounds how stale the progress counter can get. */
const IDLE_WAKE_MS = 250;

function post(m: FromWorker): void {
  self.postMessage(m);
}

function nowMs(): number {
  return monotonicNs() / NS_PER_MS;
}

const hooks: RuntimeHooks = {
  transition(rt, from, to, now) {
    const f = rt.fsm;
    post({
      type: "transition", instance: rt.name, from: STATE_NAMES[from], to: STATE_NAMES[to],
      priority: rt.plan.params.priority, effectivePriority: f.priority,
      master: rt.status().masterAddress, at: now,
    });
  },
  log(level, msg) {
    post({ type: "log", level, msg });
  },
  event(kind, rt, detail) {
    post({ type: "event", kind, instance: rt.name, detail });
  },
};

class Engine {
  runtimes: InstanceRuntime[] = [];
  private groups: SyncGroupPlan[] = [];
  private waiter!: ReadinessWaiter;
  private readonly receivers = new Map<string, AdvertReceiver>();
  /** fd handlers in poll order after [wake, monitor] */
  private handlers: Array<[number, (now: number) => void]> = [];
  private readonly nl: NetlinkSocket;
  private readonly monitor: RtMonitor;
  private readonly wake: EventFd;
  stopping = false;
  private readonly progress: Int32Array;
  private stallUntil = 0;

  constructor(private readonly init: WorkerInit) {
    this.nl = openRtnetlink();
    this.monitor = new RtMonitor();
    this.wake = new EventFd(init.wakeFd);
    this.progress = new Int32Array(init.progress);
  }

  build(plans: InstancePlan[], groups: SyncGroupPlan[], keep: InstanceRuntime[] = []): void {
    const now = nowMs();
    this.groups = groups;
    const fresh: InstanceRuntime[] = [];
    for (const plan of plans) {
      const old = keep.find((r) => r.name === plan.name);
      if (old) {
        fresh.push(old);
        continue;
      }
      try {
        fresh.push(new InstanceRuntime(plan, this.nl, hooks));
      } catch (e) {
        hooks.log("error", `vrrp_instance ${plan.name}: cannot start: ${e instanceof Error ? e.message : e}`);
      }
    }
    const started = fresh.filter((r) => !keep.includes(r));
    this.runtimes = fresh;
    for (const g of groups) {
      const members = g.members.map((m) => fresh.find((r) => r.name === m)).filter((r): r is InstanceRuntime => !!r);
      // only fresh groups can be formed; a kept member already has its observer
      if (members.length && members.every((m) => !m.fsm.observer)) new SyncGroup(g.name, members.map((m) => m.fsm));
    }
    this.syncLinks(now);
    this.syncReceivers(fresh);
    // RFC 5798 §6.4.1: Master_Down_Timer starts when the instance starts listening (its
    // receive socket is open by now), not when this build began: building many
    // instances (sockets, vmacs) takes longer than a 10 ms advert's Master_Down_Interval.
    for (const rt of started) rt.start(nowMs());
    this.handlers = [
      ...[...this.receivers.values()].map((r): [number, (now: number) => void] => [r.sock.fd, (t) => r.drain(t)]),
      ...fresh.flatMap((r) => r.pollEntries()),
    ];
    this.waiter = new ReadinessWaiter([this.wake.fd, this.monitor.fd, ...this.handlers.map(([fd]) => fd)]);
  }

  /** One AdvertReceiver per (advert interface, family) in use; kept across reloads, closed when unused. */
  private syncReceivers(runtimes: InstanceRuntime[]): void {
    const groups = new Map<string, InstanceRuntime[]>();
    for (const rt of runtimes) {
      const k = receiverKey(rt.sock.ifindex, rt.plan.params.family);
      (groups.get(k) ?? groups.set(k, []).get(k)!).push(rt);
    }
    for (const [k, r] of this.receivers) {
      if (!groups.has(k)) {
        r.close();
        this.receivers.delete(k);
      }
    }
    for (const [k, members] of groups) {
      let r = this.receivers.get(k);
      if (!r) {
        try {
          r = new AdvertReceiver(members[0].sock.ifname, members[0].plan.params.family, (m) => hooks.log("warn", m));
        } catch (e) {
          hooks.log("error", `cannot receive adverts on ${members[0].sock.ifname}: ${e instanceof Error ? e.message : e}`);
          continue;
        }
        this.receivers.set(k, r);
      }
      r.setMembers(members);
    }
  }

  /** Link state of every instance's own interface and tracked interfaces, from a fresh dump. */
  private syncLinks(now: number): void {
    const links = listLinks(this.nl);
    for (const rt of this.runtimes) {
      const up = (idx: number) => {
        const l = links.find((x) => x.index === idx);
        return !!l && l.up && l.running;
      };
      rt.linkUp = up(rt.plan.ifindex);
      rt.plan.trackInterfaces.forEach((t, i) => rt.tracker.setInterface(i, up(t.ifindex)));
      rt.applyTracking(now);
    }
  }

  private onMonitor(now: number): void {
    const events = this.monitor.read();
    let resync = false;
    // links deleted in this batch: their addresses' deletions are no VIP to restore
    const gone = new Set<number>();
    for (const ev of events) if (ev.kind === "link" && ev.op === "del") gone.add(ev.link.index);
    const vmacLost = this.runtimes.filter((rt) => rt.vmacIndex !== 0 && gone.has(rt.vmacIndex));
    for (const ev of events) {
      if (ev.kind === "link") {
        const l = ev.link;
        const up = ev.op === "new" && l.up && l.running;
        for (const rt of this.runtimes) {
          let changed = false;
          if (rt.plan.ifindex === l.index && rt.linkUp !== up) {
            rt.linkUp = up;
            changed = true;
          }
          rt.plan.trackInterfaces.forEach((t, i) => {
            if (t.ifindex === l.index && rt.tracker.setInterface(i, up)) changed = true;
          });
          if (changed) rt.applyTracking(now);
        }
      } else if (ev.kind === "address") {
        const a = ev.address;
        if (gone.has(a.index)) continue;
        for (const rt of this.runtimes) rt.addressChanged(now, ev.op, a.index, a.address, a.prefixlen);
      } else if (ev.kind === "overrun") {
        resync = true;
      }
    }
    if (resync) this.syncLinks(now);
    for (const rt of vmacLost) this.recreate(rt, now);
  }

  /**
   * use_vmac: someone deleted the instance's vmac. Its sockets are bound to a link
   * that is gone, so the instance restarts on a new vmac (keepalived recreates it too);
   * a sync group it belongs to is formed again around the new instance.
   */
  private recreate(rt: InstanceRuntime, now: number): void {
    hooks.event("vmac-lost", rt, `${rt.plan.vmac?.name ?? "vmac"} was deleted outside vigil; recreating it and restarting the instance`);
    try {
      rt.stop(now);
    } catch (e) {
      hooks.log("warn", `${rt.name}: stop: ${e instanceof Error ? e.message : e}`);
    }
    rt.close();
    const keep = this.runtimes.filter((r) => r !== rt);
    const group = this.groups.find((g) => g.members.includes(rt.name));
    if (group) for (const r of keep) if (group.members.includes(r.name)) r.fsm.observer = null;
    this.build(this.runtimes.map((r) => r.plan), this.groups, keep);
  }

  /** One pass: read queued input if a Master_Down timer is due, fire due timers, sleep until the next deadline or readiness. */
  step(): boolean {
    let now = nowMs();
    if (now < this.stallUntil) {
      // debug hook (fault suite): a frozen worker blocks — no adverts, no refreshes, no
      // progress for the watchdog. Waiting on the fds instead spun at SCHED_FIFO on
      // every unread advert or netlink event, and each spin counted as progress.
      sleepUntil(this.stallUntil * NS_PER_MS);
      now = nowMs();
    }
    let woke = false;
    // RFC 5798 §6.4.2: an advert with priority >= ours resets Master_Down_Timer, so the
    // timer has expired at `now` only if no advert arrived before `now`. When it is due,
    // whatever is queued is read first, at this `now` (taken before the read), and only
    // then do timers fire. Otherwise a worker that lost the CPU between its last read
    // and this pass (SIGSTOP, starvation, the stall hook, a long start-up or pass) woke
    // with an expired timer and the master's adverts unread: it took over for one advert
    // interval (VIP added, GARP that pulls the clients), then read them and stepped down.
    // Only this timer makes a new holder; a master's advert timer needs no extra poll.
    if (this.masterDownDue(now)) woke = this.handleInput(this.waiter.waitUntil(0), now);
    let deadline = now + IDLE_WAKE_MS;
    for (let i = 0; i < this.runtimes.length; i++) {
      const rt = this.runtimes[i];
      rt.tick(now);
      const d = rt.nextDeadline();
      if (d < deadline) deadline = d;
    }
    Atomics.add(this.progress, 0, 1);
    // the main thread's command was read above (its eventfd is drained): run it before sleeping
    if (woke) return true;
    return this.handleInput(this.waiter.waitUntil(deadline * NS_PER_MS), nowMs());
  }

  private masterDownDue(now: number): boolean {
    for (let i = 0; i < this.runtimes.length; i++) if (this.runtimes[i].fsm.masterDownAt <= now) return true;
    return false;
  }

  /** Handles whatever the last wait found readable; true when the main thread woke us. */
  private handleInput(rc: number, now: number): boolean {
    if (rc <= 0) return false;
    for (let i = 0; i < this.handlers.length; i++) {
      if (this.waiter.ready(i + 2)) this.handlers[i][1](now);
    }
    if (this.waiter.ready(1)) this.onMonitor(now);
    if (this.waiter.ready(0)) {
      this.wake.drain();
      return true;
    }
    return false;
  }

  handle(m: ToWorker): void {
    const now = nowMs();
    switch (m.type) {
      case "script": {
        const rt = this.runtimes.find((r) => r.name === m.instance);
        if (rt && rt.tracker.scriptResult(m.index, m.ok)) rt.applyTracking(now);
        break;
      }
      case "status":
        post({ type: "status", id: m.id, instances: this.runtimes.map((r) => r.status()) });
        break;
      case "reload": {
        const same = (a: InstancePlan, b: InstancePlan) =>
          JSON.stringify({ ...a, source: undefined }) === JSON.stringify({ ...b, source: undefined });
        // only the configured priority changed (and neither side is the 255 owner): retune in place
        const retunable = (a: InstancePlan, b: InstancePlan) =>
          a.params.priority !== 255 && b.params.priority !== 255 &&
          same({ ...a, params: { ...a.params, priority: b.params.priority } }, b);
        const retuned: InstanceRuntime[] = [];
        for (const r of this.runtimes) {
          const p = m.plans.find((x) => x.name === r.name);
          if (p && !same(p, r.plan) && retunable(p, r.plan)) {
            r.retune(now, p);
            retuned.push(r);
          }
        }
        const keep = this.runtimes.filter((r) => m.plans.some((p) => p.name === r.name && same(p, r.plan)));
        for (const r of this.runtimes) {
          if (!keep.includes(r)) {
            r.stop(now);
            r.close();
          }
        }
        // sync groups are rebuilt from scratch when any member changed
        for (const r of keep) if (r.fsm.observer && !m.syncGroups.some((g) => g.members.includes(r.name))) r.fsm.observer = null;
        this.build(m.plans, m.syncGroups, keep);
        hooks.log("info", `reload: ${keep.length} instance(s) kept running (${retuned.length} with a new priority), ${this.runtimes.length - keep.length} (re)started`);
        break;
      }
      case "stall":
        if (this.init.allowStall) {
          this.stallUntil = nowMs() + m.ms;
          hooks.log("warn", `worker stalled for ${m.ms} ms (debug hook)`);
        }
        break;
      case "shutdown":
        this.stopping = true;
        break;
      case "init":
        break;
    }
  }

  shutdown(): void {
    const now = nowMs();
    for (const rt of this.runtimes) {
      try {
        rt.stop(now); // RFC 5798 §6.4.3: priority 0 advert, then the VIPs go
      } catch (e) {
        hooks.log("error", `${rt.name}: stop: ${e instanceof Error ? e.message : e}`);
      }
      rt.close();
    }
    for (const r of this.receivers.values()) r.close();
    this.monitor.close();
    this.nl.close();
  }
}

let engine: Engine | null = null;
const pending: ToWorker[] = [];

self.onmessage = (e: MessageEvent<ToWorker>) => {
  if (e.data.type === "init" && !engine) {
    void run(e.data);
  } else {
    pending.push(e.data);
  }
};

/** Lets the worker's event loop deliver queued postMessage commands. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((r) => setTimeout(r, 0));
}

async function run(init: WorkerInit): Promise<void> {
  let realtime = false;
  let rtError: string | undefined;
  if (init.rtPriority > 0) {
    try {
      setThreadFifo(init.rtPriority);
      realtime = true;
    } catch (e) {
      rtError = e instanceof Error ? e.message : String(e);
    }
  }
  const tune = (what: string, f: () => void) => {
    try {
      f();
    } catch (e) {
      hooks.log("warn", `${what}: ${e instanceof Error ? e.message : e}`);
    }
  };
  if (init.nice !== undefined) tune("vrrp_priority", () => setThreadNice(init.nice!));
  if (init.noSwap) tune("vrrp_no_swap", lockMemory);
  try {
    engine = new Engine(init);
    engine.build(init.plans, init.syncGroups);
  } catch (e) {
    post({ type: "fatal", msg: e instanceof Error ? e.message : String(e) });
    return;
  }
  post({ type: "ready", realtime, ...(rtError ? { rtError } : {}) });
  const eng = engine;
  while (!eng.stopping) {
    let woke = false;
    try {
      woke = eng.step();
    } catch (e) {
      hooks.log("error", `vrrp worker: ${e instanceof Error ? e.stack ?? e.message : e}`);
    }
    if (woke || pending.length) {
      await yieldToEventLoop();
      while (pending.length) {
        try {
          eng.handle(pending.shift()!);
        } catch (e) {
          hooks.log("error", `vrrp worker command: ${e instanceof Error ? e.message : e}`);
        }
      }
    }
  }
  eng.shutdown();
  post({ type: "stopped" });
}
