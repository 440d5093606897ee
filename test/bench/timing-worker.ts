// Advert-sender Worker for the timing benchmark: the shape the daemon's VRRP
// Worker will have. It optionally switches its own thread to SCHED_FIFO, then sends
// a preallocated advert on absolute CLOCK_MONOTONIC deadlines and records how late
// each send completed relative to its deadline.
import { monotonicNs } from "../../src/sys/clock.ts";
import { PeriodicSchedule } from "../../src/sys/periodic.ts";
import { setThreadFifo } from "../../src/sys/sched.ts";
import { VrrpSocket } from "../../src/sys/vrrp-socket.ts";

export interface TimingJob { ifname: string; fifoPriority: number; ticks: number; periodNs: number }
export interface TimingResult { lateNs: Float64Array; wakeNs: Float64Array; missed: number; sendErrors: number }

declare const self: Worker;

self.onmessage = (e: MessageEvent<TimingJob>) => {
  const { ifname, fifoPriority, ticks, periodNs } = e.data;
  if (fifoPriority > 0) setThreadFifo(fifoPriority);
  const sock = new VrrpSocket({ family: 4, ifname });
  // VRRPv3 advert (keepalived vector): VRID 51, priority 150, 198.18.0.100.
  const advert = Uint8Array.of(0x31, 0x33, 0x96, 0x01, 0x00, 0x01, 0xcb, 0xb0, 0xc6, 0x12, 0x00, 0x64);
  const lateNs = new Float64Array(ticks);
  const wakeNs = new Float64Array(ticks);
  const schedule = new PeriodicSchedule(periodNs);
  let sendErrors = 0;
  // Warm-up ticks (not recorded): the first iterations run in the interpreter and
  // compile; the daemon pays that once at start, not per advert.
  const WARMUP = 50;
  for (let i = -WARMUP; i < ticks; i++) {
    const due = schedule.deadline;
    const wake = schedule.waitNext();
    if (sock.send(advert, advert.length) < 0) sendErrors++;
    const late = monotonicNs() - due;
    if (i >= 0) { lateNs[i] = late; wakeNs[i] = wake; }
  }
  sock.close();
  const result: TimingResult = { lateNs, wakeNs, missed: schedule.missed, sendErrors };
  postMessage(result, [lateNs.buffer, wakeNs.buffer]);
};
