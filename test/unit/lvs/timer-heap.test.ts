import { describe, expect, test } from "bun:test";
import { mulberry32 } from "../../../src/lvs/checkers/prng.ts";
import { TimerHeap } from "../../../src/lvs/timer-heap.ts";

describe("TimerHeap", () => {
  test("pops in order of time, every entry exactly once (seeded random pushes and pops against a sorted list)", () => {
    const rnd = mulberry32(7);
    for (let round = 0; round < 50; round++) {
      const h = new TimerHeap();
      const model: { at: number; id: number; gen: number }[] = [];
      for (let step = 0; step < 400; step++) {
        if (rnd() < 0.6 || model.length === 0) {
          const e = { at: Math.floor(rnd() * 100), id: step, gen: round };
          h.push(e.at, e.id, e.gen);
          model.push(e);
        } else {
          const min = Math.min(...model.map((m) => m.at));
          expect(h.peekAt()).toBe(min);
          const i = model.findIndex((m) => m.id === h.peekId());
          expect(i).toBeGreaterThanOrEqual(0);
          expect(model[i]!.at).toBe(min);
          expect(h.peekGen()).toBe(round);
          model.splice(i, 1);
          h.pop();
        }
        expect(h.size).toBe(model.length);
      }
      const rest: number[] = [];
      while (h.peekAt() !== undefined) {
        rest.push(h.peekAt()!);
        h.pop();
      }
      expect(rest).toEqual(model.map((m) => m.at).sort((a, b) => a - b));
    }
  });

  test("empty heap: peek is undefined and pop does nothing", () => {
    const h = new TimerHeap();
    expect(h.peekAt()).toBeUndefined();
    h.pop();
    expect(h.size).toBe(0);
  });
});
