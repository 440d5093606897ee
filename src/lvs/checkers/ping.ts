// PING_CHECK (keepalived 2.2.7 check_ping.c): one ICMP or ICMPv6 echo request
// to the real server (or connect_ip), from bindto if set; up when the echo
// reply comes back within connect_timeout. Runs on the shared raw sockets of
// src/sys/icmp-pinger.ts.
import { errorText } from "../../error-text.ts";
import { parseIP } from "../../net/ip-address.ts";
import { icmpPinger, type PingTarget } from "../../sys/icmp-pinger.ts";
import type { CheckOutcome } from "../scheduler.ts";
import type { CancelSignal } from "./cancel.ts";

export interface PingAddress {
  host: string;
  localAddress?: string;
}

export function checkPing(target: PingAddress, stepTimeoutMs: number, deadline: number, signal?: CancelSignal): Promise<CheckOutcome> {
  let t: PingTarget;
  try {
    const remote = parseIP(target.host);
    t = { family: remote.family, address: remote.bytes };
    if (target.localAddress !== undefined) {
      const local = parseIP(target.localAddress);
      if (local.family !== remote.family) return Promise.resolve({ ok: false, reason: `bindto ${target.localAddress} is not of the family of ${target.host}` });
      t.source = local.bytes;
    }
  } catch (e) {
    return Promise.resolve({ ok: false, reason: errorText(e) });
  }
  if (signal?.aborted) return Promise.resolve({ ok: false, reason: "aborted" });
  const expiresAt = Math.min(performance.now() + stepTimeoutMs, deadline);
  return new Promise((resolve) => {
    const onAbort = () => {
      handle.cancel();
      resolve({ ok: false, reason: "aborted" });
    };
    const handle = icmpPinger().ping(t, expiresAt, (r) => {
      signal?.removeEventListener("abort", onAbort);
      resolve(r.ok ? { ok: true } : { ok: false, reason: r.reason });
    });
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
