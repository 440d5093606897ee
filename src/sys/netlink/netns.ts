// Runs a synchronous function with the calling thread switched into a network
// namespace, then switches back. Sockets keep the namespace they were created
// in, so a netlink socket opened inside `fn` keeps working on that namespace
// afterwards (keepalived's `net_namespace`, and lab tests, use this).
import { CLONE_NEWNET } from "../abi.ts";
import { SysError } from "../errno.ts";
import { openReadOnly } from "../fd-file.ts";
import { check, closeFd, errno, libc } from "../libc.ts";

/** `ns` is a name under /run/netns (as `ip netns add` makes) or an absolute path. */
export function inNetns<T>(ns: string, fn: () => T): T {
  const path = ns.startsWith("/") ? ns : `/run/netns/${ns}`;
  const home = openNs("/proc/thread-self/ns/net");
  try {
    const target = openNs(path);
    try {
      check(`setns ${path}`, libc.symbols.setns(target, CLONE_NEWNET));
    } finally {
      closeFd(target);
    }
    try {
      return fn();
    } finally {
      // failing to come back would leave this thread in the wrong namespace: fatal
      if (libc.symbols.setns(home, CLONE_NEWNET) < 0) throw new SysError("setns back to the original netns", errno());
    }
  } finally {
    closeFd(home);
  }
}

/** open(2) as a SysError (a missing namespace reads "open netns /run/netns/x: ENOENT (2)"); libc, not node:fs (fd-file.ts). */
function openNs(path: string): number {
  return openReadOnly(path, "open netns");
}
