// The part of AbortSignal the adapters use. The runner starts thousands of
// attempts per second and an AbortController per attempt showed up at ~4 % of
// the checker's CPU in profiles; Cancel is a one-listener stand-in. A real
// AbortSignal satisfies the same interface, so callers may pass either.

export interface CancelSignal {
  readonly aborted: boolean;
  addEventListener(type: "abort", listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: "abort", listener: () => void): void;
}

export class Cancel implements CancelSignal {
  private fired = false;
  private listeners: (() => void)[] | undefined;

  get aborted(): boolean {
    return this.fired;
  }

  addEventListener(_type: "abort", listener: () => void): void {
    if (this.fired) return;
    (this.listeners ??= []).push(listener);
  }

  removeEventListener(_type: "abort", listener: () => void): void {
    const l = this.listeners;
    if (!l) return;
    const i = l.indexOf(listener);
    if (i >= 0) l.splice(i, 1);
  }

  /** Fires every listener once; later calls do nothing. */
  abort(): void {
    if (this.fired) return;
    this.fired = true;
    const l = this.listeners;
    this.listeners = undefined;
    if (l) for (const f of l) f();
  }
}
