// Setting one /proc/sys knob the way keepalived does: a knob that cannot be set is
// logged and skipped (a missing knob is no reason to stop VRRP).
import { errorText } from "../error-text.ts";
import type { Sysctl } from "../sys/sysctl.ts";

type Warn = (msg: string) => void;

/** net/ipv4/conf/eth0/arp_ignore -> net.ipv4.conf.eth0.arp_ignore, as sysctl(8) names it */
export const knobName = (path: string) => path.replaceAll("/", ".");

/** Writes `value`; one that cannot be written is warned about (`keyword` starts the message). True when written. */
export function setKnob(sys: Sysctl, path: string, value: string, warn: Warn, keyword: string): boolean {
  try {
    sys.write(path, value);
    return true;
  } catch (e) {
    warn(`${keyword}: cannot set ${knobName(path)} = ${value}: ${errorText(e)}`);
    return false;
  }
}
