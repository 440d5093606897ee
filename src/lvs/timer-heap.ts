// The scheduler's timers: a binary min-heap on `at`, kept in three parallel
// number arrays so arming a timer allocates nothing (thousands of checks each
// arm twice per delay_loop). Entries are (at, id, gen); the scheduler skips
// stale ones (gen moved on) when it pops them.
export class TimerHeap {
  private readonly at: number[] = [];
  private readonly id: number[] = [];
  private readonly gen: number[] = [];

  get size(): number {
    return this.at.length;
  }

  /** Earliest time, or undefined when empty. */
  peekAt(): number | undefined {
    return this.at[0];
  }

  peekId(): number {
    return this.id[0]!;
  }

  peekGen(): number {
    return this.gen[0]!;
  }

  push(at: number, id: number, gen: number): void {
    let i = this.at.length;
    this.at.push(at);
    this.id.push(id);
    this.gen.push(gen);
    // sift up, moving parents into the hole instead of swapping
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.at[p]! <= at) break;
      this.move(p, i);
      i = p;
    }
    this.put(i, at, id, gen);
  }

  /** Removes the earliest entry (peek first to read it). */
  pop(): void {
    const n = this.at.length - 1;
    if (n < 0) return;
    const at = this.at.pop()!;
    const id = this.id.pop()!;
    const gen = this.gen.pop()!;
    if (n === 0) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const m = r < n && this.at[r]! < this.at[l]! ? r : l;
      if (this.at[m]! >= at) break;
      this.move(m, i);
      i = m;
    }
    this.put(i, at, id, gen);
  }

  private move(from: number, to: number): void {
    this.at[to] = this.at[from]!;
    this.id[to] = this.id[from]!;
    this.gen[to] = this.gen[from]!;
  }

  private put(i: number, at: number, id: number, gen: number): void {
    this.at[i] = at;
    this.id[i] = id;
    this.gen[i] = gen;
  }
}
