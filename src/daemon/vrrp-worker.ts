// The VRRP advert worker (a Bun Worker thread, and the compiled binary's second
// entry point). It owns every VRRP socket, the rtnetlink sockets and the instance
// FSMs, and waits in ppoll on absolute CLOCK_MONOTONIC deadlines under
// SCHED_FIFO, so adverts leave on time while the main thread parses configs,
// talks MQTT or runs checkers. The loop is synchronous; it yields to its event
// loop only when the main thread has signalled the eventfd, so the steady state
// (timers, adverts, receives) allocates nothing.
//
// This file is the loop and the wiring; each job is a part of its own:
// - worker-instances.ts: instances running and waiting to start (binding, retries);
// - advert-receivers.ts: the shared advert receive sockets;
// - link-events.ts: the rtnetlink monitor (links, addresses, routes, rules);
// - worker-commands.ts: the main thread's commands (reload, tracking, status);
// - tracking-inputs.ts: track_script/track_file/track_process values;
// - static-network.ts: static_ipaddress/static_routes/static_rules;
// - worker-post.ts: the messages to the main thread.
import { errorText } from "../error-text.ts";
import { NS_PER_MS, sleepUntil } from "../sys/clock.ts";
import { EventFd } from "../sys/eventfd.ts";
import type { NetlinkSocket } from "../sys/netlink/socket.ts";
import { openRtnetlink } from "../sys/rtnetlink/socket.ts";
import { lockMemory, setThreadFifo, setThreadNice } from "../sys/sched.ts";
import { ReadinessWaiter } from "../sys/readiness-waiter.ts";
import { AdvertReceivers } from "./advert-receivers.ts";
import { BriefPublisher } from "./brief-publisher.ts";
import { heapProbeRequested, markHeap, reportCells } from "./heap-probe.ts";
import { LinkEvents } from "./link-events.ts";
import { ownsRoutes } from "./plan-routes.ts";
import { StaticNetworkSlot } from "./static-network.ts";
import { TrackingInputs } from "./tracking-inputs.ts";
import { type CommandTarget, handleCommand } from "./worker-commands.ts";
import { WorkerInstances } from "./worker-instances.ts";
import { nowMs, post, workerHooks as hooks } from "./worker-post.ts";
import type { ToWorker, WorkerInit } from "./worker-protocol.ts";

declare const self: Worker;

/** VIGIL_HEAP_PROBE=1: the allocation bench's heap mark and cell counts (heap-probe.ts) */
const heapProbe = heapProbeRequested();
/** Longest sleep without a deadline: bounds how stale the progress counter can get. */
const IDLE_WAKE_MS = 250;

class WorkerLoop implements CommandTarget {
  readonly instances: WorkerInstances;
  readonly tracking: TrackingInputs;
  readonly statics: StaticNetworkSlot;
  readonly linkEvents: LinkEvents;
  readonly allowStall: boolean;
  readonly brief = new BriefPublisher();
  private readonly receivers: AdvertReceivers;
  private waiter!: ReadinessWaiter;
  /** fd handlers in poll order after [wake, monitor] */
  private handlers: Array<[number, (now: number) => void]> = [];
  private readonly nl: NetlinkSocket;
  private readonly wake: EventFd;
  stopping = false;
  private readonly progress: Int32Array;
  stallUntil = 0;

  constructor(init: WorkerInit) {
    this.nl = openRtnetlink();
    this.allowStall = init.allowStall;
    this.tracking = new TrackingInputs(init);
    this.statics = new StaticNetworkSlot(this.nl, (level, msg) => hooks.log(level, msg));
    this.receivers = new AdvertReceivers((m) => hooks.log("warn", m), (m) => hooks.log("info", m));
    this.instances = new WorkerInstances(this.nl, this.receivers, this.tracking, () => this.rebuildPollSet());
    this.linkEvents = new LinkEvents(this.nl, this.instances, this.statics, ownsRoutes(init.plans, init.statics));
    this.wake = new EventFd(init.wakeFd);
    this.progress = new Int32Array(init.progress);
  }

  /** After runtimes or receivers came or went: the fds to wait on, in poll order [wake, monitor, ...handlers]. */
  private rebuildPollSet(): void {
    this.handlers = [
      ...this.receivers.pollEntries(),
      ...this.instances.runtimes.flatMap((r) => r.pollEntries()),
    ];
    this.waiter = new ReadinessWaiter([this.wake.fd, this.linkEvents.fd, ...this.handlers.map(([fd]) => fd)]);
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
    // the backoff safety net for instances waiting to start (link/address events try them at once)
    const instances = this.instances;
    if (instances.waitingDue(now)) instances.retryWaiting(now);
    this.linkEvents.tick(now);
    let deadline = Math.min(now + IDLE_WAKE_MS, this.linkEvents.nextAt);
    for (let i = 0; i < instances.runtimes.length; i++) {
      const rt = instances.runtimes[i];
      rt.tick(now);
      const d = rt.nextDeadline();
      if (d < deadline) deadline = d;
    }
    for (let i = 0; i < instances.waiting.length; i++) {
      const d = instances.waiting[i].retry.nextAt;
      if (d < deadline) deadline = d;
    }
    // gratuitous ARPs/NAs waiting their turn on an interface (garp_group, vrrp_garp_interval)
    const pacer = instances.garpPacer;
    pacer.fire(now);
    if (pacer.deadline < deadline) deadline = pacer.deadline;
    this.brief.publish(now, instances.runtimes);
    Atomics.add(this.progress, 0, 1);
    // the main thread's command was read above (its eventfd is drained): run it before sleeping
    if (woke) return true;
    return this.handleInput(this.waiter.waitUntil(deadline * NS_PER_MS), nowMs());
  }

  private masterDownDue(now: number): boolean {
    const runtimes = this.instances.runtimes;
    for (let i = 0; i < runtimes.length; i++) if (runtimes[i].fsm.masterDownAt <= now) return true;
    return false;
  }

  /** Handles whatever the last wait found readable; true when the main thread woke us. */
  private handleInput(rc: number, now: number): boolean {
    if (rc <= 0) return false;
    const waiter = this.waiter;
    for (let i = 0; i < this.handlers.length; i++) {
      if (waiter.ready(i + 2)) this.handlers[i][1](now);
    }
    if (waiter.ready(1)) this.linkEvents.onMonitor(now);
    // the monitor may have rebuilt the poll set: the wake-up is read from the wait that saw it
    if (waiter.ready(0)) {
      this.wake.drain();
      if (heapProbe) reportCells("vrrp-worker", "wake"); // before the event loop turns (heap-probe.ts)
      return true;
    }
    return false;
  }

  shutdown(): void {
    this.instances.shutdown(nowMs());
    try {
      this.statics.current?.remove(); // keepalived removes static addresses, routes and rules on exit (measured)
    } catch (e) {
      hooks.log("error", `static: ${errorText(e)}`);
    }
    this.receivers.close();
    this.linkEvents.close();
    this.nl.close();
  }
}

let loop: WorkerLoop | null = null;
const pending: ToWorker[] = [];

self.onmessage = (e: MessageEvent<ToWorker>) => {
  if (e.data.type === "init" && !loop) {
    void run(e.data);
  } else {
    pending.push(e.data);
  }
};

/**
 * Lets the worker's event loop deliver queued postMessage commands. setImmediate runs
 * once the loop has dispatched the messages already queued, and the main thread posts
 * before it signals the eventfd that woke us; setTimeout(0) waited Bun's 1 ms timer
 * floor on every command (~1.1 ms of each `vigil status`, test/bench/cold-start.bench.ts).
 */
function yieldToEventLoop(): Promise<void> {
  return new Promise((r) => setImmediate(r));
}

/** The slower turn of the loop, for a wake-up whose message was not there yet. */
function yieldToTimers(): Promise<void> {
  return new Promise((r) => setTimeout(r, 0));
}

async function run(init: WorkerInit): Promise<void> {
  // the allocation bench's proof of which GC log lines are this thread's heap
  if (heapProbe) markHeap("vrrp-worker");
  let realtime = false;
  let rtError: string | undefined;
  if (init.rtPriority > 0) {
    try {
      setThreadFifo(init.rtPriority);
      realtime = true;
    } catch (e) {
      rtError = errorText(e);
    }
  }
  const tune = (what: string, f: () => void) => {
    try {
      f();
    } catch (e) {
      hooks.log("warn", `${what}: ${errorText(e)}`);
    }
  };
  if (init.nice !== undefined) tune("vrrp_priority", () => setThreadNice(init.nice!));
  if (init.noSwap) tune("vrrp_no_swap", lockMemory);
  try {
    loop = new WorkerLoop(init);
    loop.statics.set(init.statics);
    // keepalived vrrp_daemon.c start_vrrp: on the first start only (a reload keeps the time)
    if (init.startupDelayMs > 0) {
      loop.instances.startupHoldUntil = nowMs() + init.startupDelayMs;
      hooks.log("info", `Delaying startup for ${init.startupDelayMs / 1000} seconds (vrrp_startup_delay)`);
    }
    loop.instances.build(init.plans, init.syncGroups);
    loop.brief.adopt(init.brief, init.plans);
  } catch (e) {
    post({ type: "fatal", msg: errorText(e) });
    return;
  }
  post({ type: "ready", realtime, ...(rtError ? { rtError } : {}), ...loop.instances.counts() });
  const w = loop;
  while (!w.stopping) {
    let woke = false;
    try {
      woke = w.step();
    } catch (e) {
      hooks.log("error", `vrrp worker: ${e instanceof Error ? e.stack ?? e.message : e}`);
    }
    if (woke || pending.length) {
      await yieldToEventLoop();
      // woken but nothing delivered: give the loop one timer turn rather than sleep on it
      if (woke && !pending.length) await yieldToTimers();
      while (pending.length) {
        try {
          handleCommand(w, pending.shift()!);
        } catch (e) {
          hooks.log("error", `vrrp worker command: ${errorText(e)}`);
        }
      }
    }
  }
  w.shutdown();
  post({ type: "stopped" });
}
