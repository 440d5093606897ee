// Bounded FIFO for events while the broker is away: memory stays flat however
// long the outage; the oldest events go first and are counted, so the fleet
// learns how many it missed.
export class BoundedQueue<T> {
  private items: T[] = [];
  private head = 0;
  dropped = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error(`queue capacity must be >= 1, got ${capacity}`);
  }

  get size(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    if (this.size >= this.capacity) {
      this.head++;
      this.dropped++;
    }
    this.items.push(item);
    this.compact();
  }

  /** Put back an item whose delivery failed, ahead of everything queued after it. */
  unshift(item: T): void {
    if (this.size >= this.capacity) { this.dropped++; return; }
    if (this.head > 0) this.items[--this.head] = item;
    else this.items.unshift(item);
  }

  shift(): T | undefined {
    if (this.size === 0) return undefined;
    const it = this.items[this.head];
    this.items[this.head++] = undefined as T;
    this.compact();
    return it;
  }

  /** Read and reset the drop counter. */
  takeDropped(): number {
    const d = this.dropped;
    this.dropped = 0;
    return d;
  }

  private compact() {
    // Amortised O(1): slice off the consumed prefix once it dominates the array.
    if (this.head > 64 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }
}
