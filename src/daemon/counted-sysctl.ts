// A /proc/sys knob that several users (instances, vmacs) want at one value while
// they run, and that goes back when the last of them stops: keepalived does this for
// promote_secondaries and the parent's ARP knobs under use_vmac (vrrp_if_config.c:
// set_promote_secondaries / reset_promote_secondaries, set_interface_parameters /
// reset_interface_parameters). The rules:
// - the first user reads the knob; a knob already at the wanted value is left alone
//   and nothing is restored (someone else set it: it stays theirs);
// - a knob that cannot be read is warned about once and left as it is: with no value
//   to put back we would leave it changed for good;
// - a knob that cannot be written is warned about and not restored;
// - the last user puts back the value read before the first one changed it, unless
//   the knob no longer holds the value we wrote: then someone else changed it
//   meanwhile (or the interface is gone) and their value is newer than ours, so it
//   stays. keepalived writes its value back regardless.
// A crash leaves the knob changed; the next run finds it at the wanted value and has
// nothing to restore (keepalived behaves the same).
import { errorText } from "../error-text.ts";
import { procSysctl, type Sysctl } from "../sys/sysctl.ts";
import { knobName, setKnob } from "./sysctl-knob.ts";
import { UseCounts } from "./use-counts.ts";

type Warn = (msg: string) => void;

/** What we changed, for the last user to put back; null when we changed nothing. */
type Change = { was: string; wrote: string } | null;

export class CountedSysctl {
  private readonly uses = new UseCounts<Change>();

  /** `keyword` (the config keyword) starts every warning */
  constructor(private readonly keyword: string) {}

  /** One more user wants /proc/sys/`path` at `want`; the first one sets it. */
  hold(path: string, want: string, warn: Warn, sys: Sysctl = procSysctl): void {
    this.uses.join(path, () => {
      const was = sys.read(path);
      if (was === undefined) {
        warn(`${this.keyword}: cannot read ${knobName(path)}; left as it is`);
        return null;
      }
      if (was === want) return null;
      return setKnob(sys, path, want, warn, this.keyword) ? { was, wrote: want } : null;
    });
  }

  /** A user of `path` stopped; the last one puts back what the first one found. */
  release(path: string, warn: Warn, sys: Sysctl = procSysctl): void {
    const change = this.uses.leave(path)?.state;
    if (!change || sys.read(path) !== change.wrote) return;
    try {
      sys.write(path, change.was);
    } catch (e) {
      warn(`${this.keyword}: cannot put ${knobName(path)} back to ${change.was}: ${errorText(e)}`);
    }
  }

  /** Knobs held now (their /proc/sys paths), with their user counts. */
  held(): Map<string, number> {
    return this.uses.users();
  }
}
