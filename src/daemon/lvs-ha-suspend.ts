// ha_suspend for the LVS half of the daemon: while some virtual server has
// ha_suspend, the local addresses are watched, and a virtual server whose
// address is not on this box has its health checks paused (which ones is
// src/lvs/ha-suspend.ts's decision). If rtnetlink cannot be read, nothing is
// suspended: checking a server needlessly is harmless, leaving a dead one in the
// table is not.
import type { VirtualServer } from "../config/model.ts";
import { errorText } from "../error-text.ts";
import { suspendedServers, usesHaSuspend } from "../lvs/ha-suspend.ts";
import { LocalAddressWatch } from "../sys/rtnetlink/address-watch.ts";
import { log } from "./log.ts";

export class HaSuspend {
  private addressWatch: LocalAddressWatch | null = null;
  /** virtual servers (virtualServerName) whose checks ha_suspend has paused */
  suspended: ReadonlySet<string> = new Set();

  /**
   * @param vss the virtual servers in effect, read when an address changes
   * @param apply hands the suspended set to the checkers
   * @param onEvent lvs-suspended / lvs-resumed, per virtual server
   */
  constructor(
    private readonly vss: () => VirtualServer[],
    private readonly apply: (suspended: ReadonlySet<string>) => void,
    private readonly onEvent: (kind: string, detail: string) => void,
  ) {}

  /** Starts or stops the local-address watch as the virtual servers need it, and applies the current suspension. */
  follow(): void {
    const vss = this.vss();
    if (!usesHaSuspend(vss)) {
      this.stop();
      this.set(new Set());
      return;
    }
    if (!this.addressWatch) {
      const w = new LocalAddressWatch(() => this.set(suspendedServers(this.vss(), w.addresses)), {
        onWarning: (m) => log.warn(`lvs ha_suspend: ${m}`),
      });
      try {
        w.start();
        this.addressWatch = w;
      } catch (e) {
        log.error(`lvs ha_suspend: cannot watch local addresses (${errorText(e)}); no health checker is suspended`);
        this.set(new Set());
        return;
      }
    }
    this.set(suspendedServers(vss, this.addressWatch.addresses));
  }

  private set(next: ReadonlySet<string>): void {
    for (const name of next) {
      if (this.suspended.has(name)) continue;
      log.info(`lvs ${name}: suspending health checkers (ha_suspend: the address is not on this box)`);
      this.onEvent("lvs-suspended", name);
    }
    for (const name of this.suspended) {
      if (next.has(name)) continue;
      log.info(`lvs ${name}: activating health checkers (ha_suspend: the address is on this box)`);
      this.onEvent("lvs-resumed", name);
    }
    this.suspended = next;
    this.apply(next);
  }

  stop(): void {
    this.addressWatch?.stop();
    this.addressWatch = null;
  }
}
