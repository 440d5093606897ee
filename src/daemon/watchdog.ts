// Feeds systemd's watchdog (WATCHDOG=1) only while the VRRP worker's loop is
// making progress: a stalled advert thread must look dead to the supervisor even
// if the main thread is fine, because VIP lease refreshes live in that loop.
import { errorText } from "../error-text.ts";
import { SdNotifier } from "../sys/sd-notify.ts";
import { log } from "./log.ts";

export class Watchdog {
  private timer: ReturnType<typeof setInterval> | null = null;
  private last = -1;

  constructor(private readonly sd: SdNotifier, private readonly progress: () => number) {}

  /** Pings at half the period systemd asked for, when the progress counter moved. */
  start(periodMs: number): void {
    this.timer = setInterval(() => {
      const p = this.progress();
      if (p !== this.last) {
        this.last = p;
        try {
          this.sd.notify("WATCHDOG=1");
        } catch (e) {
          log.warn(`watchdog: ${errorText(e)}`);
        }
      } else {
        log.error("watchdog: VRRP worker made no progress; withholding WATCHDOG=1");
      }
    }, Math.max(50, periodMs / 2));
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
