// What the FSM asks the daemon to do. Actions are written into a preallocated,
// reusable list (parallel typed arrays) so steady-state events allocate nothing.

export enum State {
  Initialize = 0,
  Backup = 1,
  Master = 2,
  /** keepalived's FAULT: interface down or a weight-0 tracked object failed */
  Fault = 3,
}
export const STATE_NAMES: readonly string[] = ["INIT", "BACKUP", "MASTER", "FAULT"];

export enum ActionKind {
  /** a = priority to advertise (0 = release, RFC 5798 §6.4.3) */
  SendAdvert = 1,
  /** install the VIPs; a = 1 if Accept_Mode (RFC 5798 §6.1) */
  AddVips,
  /** remove the VIPs */
  RemoveVips,
  /** arm timer a (TimerKind) at absolute time b (ms, caller's monotonic clock) */
  SetTimer,
  /** disarm timer a (TimerKind) */
  CancelTimer,
  /** gratuitous ARP (IPv4) / unsolicited NA (IPv6): a = VIP index or -1 for all, b = how many rounds */
  SendGratuitous,
  /** state change: a = from (State), b = to (State); run notify scripts, publish to the fleet */
  NotifyTransition,
}
export const ACTION_NAMES: readonly string[] =
  ["", "SendAdvert", "AddVips", "RemoveVips", "SetTimer", "CancelTimer", "SendGratuitous", "NotifyTransition"];

export enum TimerKind {
  /** RFC 5798 §6.2 Adver_Timer (Master) */
  Adver = 0,
  /** RFC 5798 §6.2 Master_Down_Timer (Backup) */
  MasterDown = 1,
  /** gratuitous ARP/NA schedule (garp_master_delay, refresh, interval spacing) */
  Garp = 2,
}
export const TIMER_NAMES: readonly string[] = ["adver", "master_down", "garp"];

/** Decoded form of one action, for tests and logs (allocates). */
export type Action =
  | { kind: "SendAdvert"; priority: number }
  | { kind: "AddVips"; accept: boolean }
  | { kind: "RemoveVips" }
  | { kind: "SetTimer"; timer: string; at: number }
  | { kind: "CancelTimer"; timer: string }
  | { kind: "SendGratuitous"; vip: number; count: number }
  | { kind: "NotifyTransition"; from: string; to: string };

export class ActionList {
  kind: Uint8Array;
  a: Float64Array;
  b: Float64Array;
  length = 0;

  constructor(capacity = 32) {
    this.kind = new Uint8Array(capacity);
    this.a = new Float64Array(capacity);
    this.b = new Float64Array(capacity);
  }

  clear(): void {
    this.length = 0;
  }

  push(kind: ActionKind, a = 0, b = 0): void {
    if (this.length === this.kind.length) this.grow(); // only if the daemon never drains
    const i = this.length++;
    this.kind[i] = kind;
    this.a[i] = a;
    this.b[i] = b;
  }

  private grow(): void {
    const n = this.kind.length * 2;
    const k = new Uint8Array(n), a = new Float64Array(n), b = new Float64Array(n);
    k.set(this.kind);
    a.set(this.a);
    b.set(this.b);
    this.kind = k;
    this.a = a;
    this.b = b;
  }

  decode(i: number): Action {
    const a = this.a[i], b = this.b[i];
    switch (this.kind[i] as ActionKind) {
      case ActionKind.SendAdvert: return { kind: "SendAdvert", priority: a };
      case ActionKind.AddVips: return { kind: "AddVips", accept: a === 1 };
      case ActionKind.RemoveVips: return { kind: "RemoveVips" };
      case ActionKind.SetTimer: return { kind: "SetTimer", timer: TIMER_NAMES[a], at: b };
      case ActionKind.CancelTimer: return { kind: "CancelTimer", timer: TIMER_NAMES[a] };
      case ActionKind.SendGratuitous: return { kind: "SendGratuitous", vip: a, count: b };
      case ActionKind.NotifyTransition: return { kind: "NotifyTransition", from: STATE_NAMES[a], to: STATE_NAMES[b] };
    }
    throw new Error(`corrupt action list: kind ${this.kind[i]} at ${i}`);
  }

  toArray(): Action[] {
    const out: Action[] = [];
    for (let i = 0; i < this.length; i++) out.push(this.decode(i));
    return out;
  }
}
