// What the VRRP worker tells the main thread: every message goes through post(),
// and workerHooks is how an InstanceRuntime reports its transitions, events and
// logs. A waiting instance (no runtime yet) reports through the same messages.
import { monotonicNs, NS_PER_MS } from "../sys/clock.ts";
import { State, STATE_NAMES } from "../vrrp/actions.ts";
import { reportedFrom } from "./state-report.ts";
import type { RuntimeHooks } from "./vrrp-runtime.ts";
import type { WaitingInstance } from "./waiting-instance.ts";
import type { FromWorker } from "./worker-protocol.ts";

declare const self: Worker;

export function post(m: FromWorker): void {
  self.postMessage(m);
}

/** The worker's clock: milliseconds on CLOCK_MONOTONIC, the time every core and timer here runs on. */
export function nowMs(): number {
  return monotonicNs() / NS_PER_MS;
}

export const workerHooks: RuntimeHooks = {
  transition(rt, from, to, now) {
    const f = rt.fsm;
    const fromName = reportedFrom(from, to, rt.reportFromFault);
    rt.reportFromFault = false;
    if (fromName === null) return;
    post({
      type: "transition", instance: rt.name, from: fromName, to: STATE_NAMES[to],
      priority: rt.plan.params.priority, effectivePriority: f.priority,
      master: rt.status().masterAddress, at: now,
      ...(to === State.Fault ? { reason: rt.faultCause() } : {}),
    });
  },
  log(level, msg) {
    post({ type: "log", level, msg });
  },
  event(kind, rt, detail) {
    post({ type: "event", kind, instance: rt.name, detail });
  },
  priority(rt) {
    post({ type: "priority", instance: rt.name, master: rt.fsm.state === State.Master, effectivePriority: rt.fsm.priority });
  },
  lowerPriority(rt) {
    post({ type: "lower-priority", instance: rt.name, effectivePriority: rt.fsm.priority });
  },
};

/** A waiting instance's transition: INIT -> FAULT when it first fails to start, FAULT -> INIT when it stops. */
export function postWaitingTransition(w: WaitingInstance, from: "INIT" | "FAULT", to: "INIT" | "FAULT", now: number, reason?: string): void {
  const p = w.plan.params;
  post({
    type: "transition", instance: w.plan.name, from, to,
    priority: p.priority, effectivePriority: p.priority, master: "", at: now, ...(reason !== undefined ? { reason } : {}),
  });
}
