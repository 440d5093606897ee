// The set of addresses configured on this box's interfaces, kept current from
// rtnetlink address notifications, for ha_suspend (src/lvs/ha-suspend.ts) on
// the daemon's main thread.
//
// Why a drain timer and not a readiness callback: the main thread runs Bun's
// event loop, which offers no callback for a raw netlink fd; the VRRP worker
// blocks in ppoll on its own monitor, but a second Worker just for this would
// cost megabytes of RSS on a router board. Suspension acts on the scale of
// delay_loop (seconds), so draining the non-blocking monitor every few hundred
// milliseconds (one recvmsg returning EAGAIN when idle) loses nothing. The
// monitor is subscribed before the first dump, so no change falls between them.
// A lost burst (ENOBUFS) or a malformed message triggers a fresh dump.
import { errorText } from "../../error-text.ts";
import { type Address, listAddresses } from "./address.ts";
import { RtMonitor } from "./monitor.ts";
import { openRtnetlink } from "./socket.ts";

export interface AddressWatchOptions {
  /** how often queued notifications are drained (ms) */
  pollMs?: number;
  /** a problem that does not stop the watch (a re-dump after lost notifications) */
  onWarning?(msg: string): void;
  /** watch another network namespace (name under /run/netns or a path) instead of the caller's */
  netns?: string;
}

const DEFAULT_POLL_MS = 300;

export class LocalAddressWatch {
  /** "<ifindex>|<address>|<prefixlen>" → address: the same address on two interfaces counts until both are gone */
  private readonly entries = new Map<string, string>();
  private monitor: RtMonitor | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  private current: ReadonlySet<string> = new Set();
  /** the last drain failure, so a persistent one is reported once, not every poll */
  private lastFailure = "";
  /** a re-read is owed (notifications were lost and the last attempt failed) */
  private stale = false;

  constructor(private readonly onChange: (addresses: ReadonlySet<string>) => void, private readonly opts: AddressWatchOptions = {}) {}

  /** Every local address (canonical text), as of the last dump or drain. */
  get addresses(): ReadonlySet<string> {
    return this.current;
  }

  /** Subscribes, dumps the current addresses (synchronously: the caller reads `addresses` next) and starts draining. Throws when rtnetlink cannot be opened. */
  start(): void {
    if (this.monitor) return;
    this.monitor = new RtMonitor(this.opts.netns ? { netns: this.opts.netns } : {});
    try {
      this.resync();
    } catch (e) {
      this.monitor.close();
      this.monitor = undefined;
      throw e;
    }
    this.timer = setInterval(() => this.drain(), this.opts.pollMs ?? DEFAULT_POLL_MS);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.monitor?.close();
    this.monitor = undefined;
  }

  /** Applies queued notifications now (the timer calls this; tests may too). */
  drain(): void {
    if (!this.monitor) return;
    let resync = this.stale;
    let touched = false;
    try {
      for (const ev of this.monitor.read()) {
        if (ev.kind === "address") {
          const a = ev.address;
          const key = `${a.index}|${a.address}|${a.prefixlen}`;
          if (ev.op === "new") this.entries.set(key, a.address);
          else this.entries.delete(key);
          touched = true;
        } else if (ev.kind === "link" && ev.op === "del") {
          // the kernel sends RTM_DELADDR for a deleted link's addresses, but a re-read costs little and trusts nothing
          resync = true;
        } else if (ev.kind === "overrun") {
          this.opts.onWarning?.("address notifications were lost (ENOBUFS); re-reading the local addresses");
          resync = true;
        } else if (ev.kind === "malformed") {
          this.opts.onWarning?.(`malformed address notification (${ev.reason}); re-reading the local addresses`);
          resync = true;
        }
      }
      if (resync) this.resync();
      else if (touched) this.publish();
      this.lastFailure = "";
    } catch (e) {
      const msg = `watching local addresses: ${errorText(e)}`;
      if (msg !== this.lastFailure) this.opts.onWarning?.(msg);
      this.lastFailure = msg;
    }
  }

  /** Re-reads every address; on failure the previous picture stays and the next drain tries again. */
  private resync(): void {
    this.stale = true;
    const nl = openRtnetlink(this.opts.netns ? { netns: this.opts.netns } : {});
    let fresh: Address[];
    try {
      fresh = listAddresses(nl);
    } finally {
      nl.close();
    }
    this.entries.clear();
    for (const a of fresh) this.entries.set(`${a.index}|${a.address}|${a.prefixlen}`, a.address);
    this.stale = false;
    this.publish();
  }

  private publish(): void {
    const next = new Set(this.entries.values());
    if (next.size === this.current.size && [...next].every((a) => this.current.has(a))) return;
    this.current = next;
    this.onChange(next);
  }
}
