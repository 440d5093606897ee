import { describe, expect, test } from "bun:test";
import { State } from "../../../src/vrrp/actions.ts";
import { PRIORITY_OWNER } from "../../../src/vrrp/fsm.ts";
import { masterDownInterval, masterDownIntervalV2, skewTimeV2, skewTimeV3 } from "../../../src/vrrp/timing.ts";
import { advert, fsm, kinds, step } from "./helpers.ts";

// priority 100 at 1 s: Skew_Time = 156/256 s = 609.375 ms
const MDI_100 = 3000 + 609.375;

describe("RFC 5798 §6.1 timers", () => {
  test("RFC 5798 §6.1: Skew_Time = ((256 - Priority) * Master_Adver_Interval) / 256", () => {
    expect(skewTimeV3(100, 1000)).toBe(609.375);
    expect(skewTimeV3(254, 10)).toBeCloseTo(0.078125, 9);
    expect(skewTimeV3(1, 1000)).toBeCloseTo(996.09375, 9);
  });
  test("RFC 5798 §6.1: Master_Down_Interval = 3 * Master_Adver_Interval + Skew_Time", () => {
    expect(masterDownInterval(3, 100, 1000)).toBe(MDI_100);
    expect(masterDownInterval(3, 150, 10)).toBeCloseTo(30 + (106 * 10) / 256, 9);
  });
  test("RFC 3768 §6.1: v2 Skew_Time is (256 - Priority)/256 seconds whatever the interval", () => {
    expect(skewTimeV2(100)).toBe(609.375);
    expect(masterDownIntervalV2(100, 3000)).toBe(9000 + 609.375);
    expect(masterDownInterval(2, 100, 3000)).toBe(9000 + 609.375);
  });
});

describe("RFC 5798 §6.4.1 Initialize", () => {
  test("RFC 5798 §6.4.1: non-owner startup goes to Backup with Master_Down_Timer = Master_Down_Interval", () => {
    const f = fsm();
    const a = step(f, (x) => x.startup(1000));
    expect(f.state).toBe(State.Backup);
    expect(a).toEqual([
      { kind: "SetTimer", timer: "master_down", at: 1000 + MDI_100 },
      { kind: "NotifyTransition", from: "INIT", to: "BACKUP" },
    ]);
  });
  test("RFC 5798 §6.4.1: the address owner (priority 255) becomes Master at once", () => {
    const f = fsm({ priority: 255 });
    const a = step(f, (x) => x.startup(0));
    expect(f.state).toBe(State.Master);
    expect(a).toEqual([
      { kind: "SendAdvert", priority: 255 },
      { kind: "AddVips", accept: false },
      { kind: "SendGratuitous", vip: -1, count: 5 },
      { kind: "SetTimer", timer: "garp", at: 5000 },
      { kind: "SetTimer", timer: "adver", at: 1000 },
      { kind: "NotifyTransition", from: "INIT", to: "MASTER" },
    ]);
  });
  test("a fault present at startup puts the instance in FAULT", () => {
    const f = fsm();
    f.faultRaised(0);
    const a = step(f, (x) => x.startup(0));
    expect(f.state).toBe(State.Fault);
    expect(a).toEqual([{ kind: "NotifyTransition", from: "INIT", to: "FAULT" }]);
  });
  test("keepalived state MASTER: Master_Down fires at once after startup", () => {
    const f = fsm({ initialState: "master" });
    step(f, (x) => x.startup(0));
    expect(f.masterDownAt).toBe(0);
    step(f, (x) => x.tick(0));
    expect(f.state).toBe(State.Master);
    const g = fsm({ initialState: "master", preempt: false }); // nopreempt wins over state MASTER
    step(g, (x) => x.startup(0));
    expect(g.masterDownAt).toBe(MDI_100);
  });
});

describe("RFC 5798 §6.4.2 Backup", () => {
  test("RFC 5798 §6.4.2: backup transitions to master when Master_Down_Timer fires", () => {
    const f = fsm({ accept: true });
    step(f, (x) => x.startup(0));
    expect(step(f, (x) => x.tick(MDI_100 - 1))).toEqual([]);
    const a = step(f, (x) => x.tick(MDI_100));
    expect(f.state).toBe(State.Master);
    expect(kinds(a)).toEqual(["CancelTimer", "SendAdvert", "AddVips", "SendGratuitous", "SetTimer", "SetTimer", "NotifyTransition"]);
    expect(a[2]).toEqual({ kind: "AddVips", accept: true });
  });
  test("RFC 5798 §6.4.2: an advert with priority >= local resets Master_Down_Timer", () => {
    const f = fsm();
    step(f, (x) => x.startup(0));
    expect(advert(f, 500, 150)).toEqual([{ kind: "SetTimer", timer: "master_down", at: 500 + MDI_100 }]);
    expect(advert(f, 700, 100, "198.18.0.1")).toEqual([{ kind: "SetTimer", timer: "master_down", at: 700 + MDI_100 }]);
    expect(f.masterPriority).toBe(100);
  });
  test("RFC 5798 §6.4.2: v3 backup learns Master_Adver_Interval from the advert", () => {
    const f = fsm();
    step(f, (x) => x.startup(0));
    advert(f, 100, 200, "198.18.0.1", 100);
    expect(f.masterAdverIntMs).toBe(100);
    expect(f.masterDownAt).toBe(100 + 300 + (156 * 100) / 256);
  });
  test("RFC 3768 §6.4.2: v2 backup keeps its own interval (no learning)", () => {
    const f = fsm({ version: 2, advertIntMs: 1000 });
    step(f, (x) => x.startup(0));
    advert(f, 100, 200, "198.18.0.1", 1000);
    expect(f.masterDownAt).toBe(100 + MDI_100);
  });
  test("RFC 5798 §6.4.2: priority 0 sets Master_Down_Timer to Skew_Time", () => {
    const f = fsm();
    step(f, (x) => x.startup(0));
    expect(advert(f, 2000, 0)).toEqual([{ kind: "SetTimer", timer: "master_down", at: 2000 + 609.375 }]);
    step(f, (x) => x.tick(2000 + 609.375));
    expect(f.state).toBe(State.Master);
  });
  test("RFC 5798 §6.4.2: with Preempt_Mode a lower-priority advert is discarded", () => {
    const f = fsm();
    step(f, (x) => x.startup(0));
    expect(advert(f, 1000, 50)).toEqual([]);
    expect(f.masterDownAt).toBe(MDI_100);
    step(f, (x) => x.tick(MDI_100));
    expect(f.state).toBe(State.Master);
  });
  test("RFC 5798 §6.4.2: without Preempt_Mode (nopreempt) a lower-priority master is kept", () => {
    const f = fsm({ preempt: false });
    step(f, (x) => x.startup(0));
    for (let t = 1000; t <= 20000; t += 1000) advert(f, t, 50);
    step(f, (x) => x.tick(20000));
    expect(f.state).toBe(State.Backup);
    expect(f.masterDownAt).toBe(20000 + MDI_100);
  });
  test("keepalived preempt_delay: a lower master is tolerated for preempt_delay after startup", () => {
    const f = fsm({ preemptDelayMs: 5000 });
    step(f, (x) => x.startup(0));
    for (let t = 1000; t < 5000; t += 1000) {
      advert(f, t, 50);
      expect(f.masterDownAt).toBe(t + MDI_100);
    }
    expect(advert(f, 5000, 50)).toEqual([]); // delay over: discard, timer runs out
    step(f, (x) => x.tick(4000 + MDI_100));
    expect(f.state).toBe(State.Master);
  });
  test("keepalived preempt_delay: the delay starts when a lower master is first seen after a good one", () => {
    const f = fsm({ preemptDelayMs: 3000 });
    step(f, (x) => x.startup(0));
    advert(f, 100, 200); // legitimate master resets the delay
    for (let t = 10000; t < 13000; t += 1000) {
      advert(f, t, 50);
      expect(f.masterDownAt).toBe(t + MDI_100);
    }
    expect(advert(f, 13000, 50)).toEqual([]);
  });
  test("backup shutdown cancels Master_Down_Timer and returns to Initialize", () => {
    const f = fsm();
    step(f, (x) => x.startup(0));
    expect(step(f, (x) => x.shutdown(10))).toEqual([
      { kind: "CancelTimer", timer: "master_down" },
      { kind: "NotifyTransition", from: "BACKUP", to: "INIT" },
    ]);
  });
});

describe("RFC 5798 §6.4.3 Master", () => {
  const master = (over = {}) => {
    const f = fsm({ ...over });
    step(f, (x) => x.startup(0));
    step(f, (x) => x.tick(f.masterDownAt));
    expect(f.state).toBe(State.Master);
    return f;
  };
  test("RFC 5798 §6.4.3: master sends an advert every Advertisement_Interval on an absolute schedule", () => {
    const f = master({ garp: { masterDelayMs: 0 } }); // no delayed GARP burst in the way
    const t0 = f.adverAt - 1000;
    for (let k = 1; k <= 5; k++) {
      const late = k === 3 ? 7 : 0; // a late wake-up does not shift the schedule
      const a = step(f, (x) => x.tick(t0 + k * 1000 + late));
      expect(a).toEqual([
        { kind: "SendAdvert", priority: 100 },
        { kind: "SetTimer", timer: "adver", at: t0 + (k + 1) * 1000 },
      ]);
    }
  });
  test("RFC 5798 §6.4.3: master steps down on a higher-priority advert", () => {
    const f = master();
    const now = f.adverAt;
    const a = advert(f, now, 150);
    expect(f.state).toBe(State.Backup);
    expect(a).toEqual([
      { kind: "CancelTimer", timer: "adver" },
      { kind: "CancelTimer", timer: "garp" },
      { kind: "RemoveVips" },
      { kind: "SetTimer", timer: "master_down", at: now + MDI_100 },
      { kind: "NotifyTransition", from: "MASTER", to: "BACKUP" },
    ]);
  });
  test("RFC 5798 §6.4.3: equal priority, greater sender address wins the tie", () => {
    const f = master({ primary: "198.18.0.2" });
    advert(f, f.adverAt, 100, "198.18.0.3");
    expect(f.state).toBe(State.Backup);
  });
  test("RFC 5798 §6.4.3: equal priority, lower sender address does not demote", () => {
    const f = master({ primary: "198.18.0.2" });
    advert(f, f.adverAt, 100, "198.18.0.1");
    expect(f.state).toBe(State.Master);
  });
  test("keepalived: master answers a lower-priority master with an advert and gratuitous ARPs", () => {
    const f = master();
    const now = f.adverAt - 500;
    const a = advert(f, now, 50);
    expect(f.state).toBe(State.Master);
    expect(a).toEqual([
      { kind: "SendAdvert", priority: 100 },
      { kind: "SetTimer", timer: "adver", at: now + 1000 },
      { kind: "SendGratuitous", vip: -1, count: 5 },
    ]);
  });
  test("RFC 5798 §6.4.3: master sends priority 0 on shutdown", () => {
    const f = master();
    const a = step(f, (x) => x.shutdown(9000));
    expect(f.state).toBe(State.Initialize);
    expect(a).toEqual([
      { kind: "CancelTimer", timer: "adver" },
      { kind: "SendAdvert", priority: 0 },
      { kind: "CancelTimer", timer: "garp" },
      { kind: "RemoveVips" },
      { kind: "NotifyTransition", from: "MASTER", to: "INIT" },
    ]);
  });
  test("RFC 5798 §6.4.3: master answers a priority 0 advert with its own advert at once", () => {
    const f = master();
    expect(advert(f, 4000.5, 0)).toEqual([
      { kind: "SendAdvert", priority: 100 },
      { kind: "SetTimer", timer: "adver", at: 5000.5 },
    ]);
  });
  test("a changed priority is carried by the next advert", () => {
    const f = master();
    step(f, (x) => x.setPriority(f.adverAt - 1, 80));
    const a = step(f, (x) => x.tick(f.adverAt));
    expect(a[0]).toEqual({ kind: "SendAdvert", priority: 80 });
  });
  test("keepalived: two address owners is a conflict: the one that hears the other backs off to 254", () => {
    const f = fsm({ priority: 255, primary: "198.18.0.2" });
    step(f, (x) => x.startup(0));
    const a = advert(f, 10, 255, "198.18.0.1"); // lower address, but 255 > our new 254
    expect(f.priority).toBe(254);
    expect(f.state).toBe(State.Backup);
    expect(a).toContainEqual({ kind: "RemoveVips" });
  });
  test("keepalived preempt_delay restarts when the instance re-enters Backup", () => {
    const f = master({ preemptDelayMs: 3000 });
    advert(f, 20000, 200); // steps down
    expect(Number.isNaN(f.preemptAllowedAt)).toBe(true);
    advert(f, 21000, 50); // lower master seen: delay starts now
    expect(f.preemptAllowedAt).toBe(24000);
  });
  test("the owner's priority is never changed by tracking", () => {
    const f = fsm({ priority: 255 });
    step(f, (x) => x.startup(0));
    f.setPriority(1, 10);
    expect(f.priority).toBe(255);
  });
});

describe("keepalived FAULT", () => {
  test("master entering FAULT sends priority 0 and removes its VIPs", () => {
    const f = fsm({ priority: 255 });
    step(f, (x) => x.startup(0));
    const a = step(f, (x) => x.faultRaised(10));
    expect(f.state).toBe(State.Fault);
    expect(kinds(a)).toEqual(["CancelTimer", "SendAdvert", "CancelTimer", "RemoveVips", "NotifyTransition"]);
    expect(a[1]).toEqual({ kind: "SendAdvert", priority: 0 });
  });
  test("adverts and timers are ignored in FAULT; clearing it goes to Backup (owner: Master)", () => {
    const f = fsm();
    step(f, (x) => x.startup(0));
    step(f, (x) => x.faultRaised(10));
    expect(advert(f, 20, 200)).toEqual([]);
    expect(step(f, (x) => x.tick(1e9))).toEqual([]);
    const a = step(f, (x) => x.faultCleared(30));
    expect(f.state).toBe(State.Backup);
    expect(a).toEqual([
      { kind: "SetTimer", timer: "master_down", at: 30 + MDI_100 },
      { kind: "NotifyTransition", from: "FAULT", to: "BACKUP" },
    ]);
    const o = fsm({ priority: 255 });
    step(o, (x) => x.startup(0));
    step(o, (x) => x.faultRaised(1));
    step(o, (x) => x.faultCleared(2));
    expect(o.state).toBe(State.Master);
  });
  test("FAULT persists until every fault source is cleared", () => {
    const f = fsm();
    step(f, (x) => x.startup(0));
    f.faultRaised(1, 1);
    f.faultRaised(2, 2);
    f.faultCleared(3, 1);
    expect(f.state).toBe(State.Fault);
    f.faultCleared(4, 2);
    expect(f.state).toBe(State.Backup);
  });
});

describe("reload: configured priority changed in place (setBasePriority)", () => {
  test("a backup takes the new base priority; the effective one follows through setPriority, state and timers kept", () => {
    const f = fsm({ priority: 100 });
    f.startup(0);
    expect(f.state).toBe(State.Backup);
    f.setBasePriority(150);
    expect(f.p.priority).toBe(150);
    expect(f.priority).toBe(100); // effective priority: what tracking gives next
    expect(f.state).toBe(State.Backup);
    step(f, (x) => x.setPriority(1, 150));
    expect(f.priority).toBe(150);
    expect(f.state).toBe(State.Backup);
  });

  test("the address owner (255) cannot be retuned, nor can an instance become the owner in place (RFC 5798 §5.2.4)", () => {
    expect(() => fsm({ priority: PRIORITY_OWNER }).setBasePriority(200)).toThrow(RangeError);
    const f = fsm({ priority: 100 });
    expect(() => f.setBasePriority(PRIORITY_OWNER)).toThrow(RangeError);
    expect(() => f.setBasePriority(0)).toThrow(RangeError);
    expect(f.p.priority).toBe(100);
    expect(f.isOwner).toBe(false);
  });
});
