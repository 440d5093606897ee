// /proc/sys access for the few per-interface knobs vigil sets as keepalived does
// (vrrp_if_config.c): read a value, write one. Behind an interface so a caller can
// log instead of writing the real box's files, and a test can count the writes.
// libc rather than node:fs: the VRRP worker holds these knobs and loads no node:fs (fd-file.ts).
import { readText, writeText } from "./fd-file.ts";

export interface Sysctl {
  /** the value under /proc/sys/`path` (e.g. net/ipv4/conf/eth0/promote_secondaries), or undefined when it cannot be read */
  read(path: string): string | undefined;
  write(path: string, value: string): void;
}

export const procSysctl: Sysctl = {
  read(path) {
    try {
      return readText(`/proc/sys/${path}`).trim();
    } catch {
      return undefined;
    }
  },
  write(path, value) {
    writeText(`/proc/sys/${path}`, value);
  },
};
