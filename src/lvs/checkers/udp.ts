// UDP_CHECK (keepalived 2.2.7 check_udp.c, layer4.c): one datagram to the real
// server on a connected socket that receives ICMP errors.
//  - an ICMP(v6) destination unreachable for it: down (also time exceeded:
//    the datagram never arrived; keepalived counts that one as up);
//  - a reply: up; with a require_reply pattern the reply must match it over
//    the shorter of the two lengths ('x' nibbles not compared), and its length
//    must lie within min_reply_length..max_reply_length;
//  - nothing within connect_timeout: up, unless require_reply.
import { errorText } from "../../error-text.ts";
import type { UdpCheck } from "../../config/model.ts";
import { hexBytes } from "../../config/kc-hex.ts";
import { parseIP } from "../../net/ip-address.ts";
import { ffiCopy } from "../../sys/ffi-memory.ts";
import { isDestUnreachable, SO_EE_ORIGIN_ICMP, SO_EE_ORIGIN_ICMP6 } from "../../sys/udp-errqueue.ts";
import { DEFAULT_UDP_PAYLOAD, udpProbe, type UdpProbeEvent, type UdpProbeTarget } from "../../sys/udp-probe.ts";
import type { CheckOutcome } from "../scheduler.ts";
import type { CancelSignal } from "./cancel.ts";
import { describe } from "./icmp-codec.ts";
import type { Target } from "./target.ts";

type UdpRules = Pick<UdpCheck, "requireReply" | "replyData" | "minReplyLength" | "maxReplyLength">;

/** What one probe's event means for the check (`waitedMs`: how long it was given). */
export function judgeUdp(c: UdpRules, e: UdpProbeEvent, waitedMs: number): CheckOutcome {
  switch (e.kind) {
    case "reply":
      return c.replyData === undefined ? { ok: true } : matchReply(c, e.data);
    case "timeout":
      return c.requireReply ? { ok: false, reason: `no UDP reply within ${Math.round(waitedMs)} ms` } : { ok: true };
    case "failed":
      return { ok: false, reason: e.reason };
    case "error": {
      const icmp = e.err.origin === SO_EE_ORIGIN_ICMP ? 4 : e.err.origin === SO_EE_ORIGIN_ICMP6 ? 6 : 0;
      const what = icmp ? describe(icmp, e.err.type, e.err.code) : `local error ${e.err.errno}`;
      const from = e.err.offender ? ` from ${e.err.offender}` : "";
      const exceeded = (icmp === 4 && e.err.type === 11) || (icmp === 6 && e.err.type === 3);
      if (isDestUnreachable(e.err) || exceeded || !icmp) return { ok: false, reason: `${what}${from}` };
      // other ICMP errors do not say the datagram was lost (keepalived: up)
      return c.requireReply ? { ok: false, reason: `no UDP reply: ${what}${from}` } : { ok: true };
    }
  }
}

/** keepalived check_udp_reply: length bounds, then the pattern over the shorter length. */
export function matchReply(c: UdpRules, data: Uint8Array): CheckOutcome {
  if (data.length < c.minReplyLength || data.length > c.maxReplyLength) {
    return { ok: false, reason: `UDP reply of ${data.length} bytes, expected ${c.minReplyLength}..${c.maxReplyLength}` };
  }
  const { bytes, mask } = hexBytes(c.replyData ?? "");
  const n = Math.min(bytes.length, data.length);
  for (let i = 0; i < n; i++) {
    if ((data[i]! ^ bytes[i]!) & mask[i]!) return { ok: false, reason: `UDP reply differs from require_reply at byte ${i}` };
  }
  return { ok: true };
}

/** Payload bytes by their hex text: every check of a real server sends the same ones. */
const payloads = new Map<string, Uint8Array>();

function payloadOf(hex: string | undefined): Uint8Array {
  if (hex === undefined) return DEFAULT_UDP_PAYLOAD;
  let p = payloads.get(hex);
  if (!p) {
    if (payloads.size >= 4096) payloads.clear();
    payloads.set(hex, (p = ffiCopy(hexBytes(hex).bytes)));
  }
  return p;
}

export function checkUdp(c: UdpCheck, target: Target, stepTimeoutMs: number, deadline: number, signal?: CancelSignal): Promise<CheckOutcome> {
  let t: UdpProbeTarget;
  try {
    const remote = parseIP(target.host);
    t = { family: remote.family, address: remote.bytes, port: target.port };
    if (target.localAddress !== undefined) {
      const local = parseIP(target.localAddress);
      if (local.family !== remote.family) return Promise.resolve({ ok: false, reason: `bindto ${target.localAddress} is not of the family of ${target.host}` });
      t.localAddress = local.bytes;
    }
    if (target.localPort !== undefined) t.localPort = target.localPort;
  } catch (e) {
    return Promise.resolve({ ok: false, reason: errorText(e) });
  }
  if (signal?.aborted) return Promise.resolve({ ok: false, reason: "aborted" });
  const started = performance.now();
  const expiresAt = Math.min(started + stepTimeoutMs, deadline);
  return new Promise((resolve) => {
    const onAbort = () => {
      probe.cancel();
      resolve({ ok: false, reason: "aborted" });
    };
    const probe = udpProbe(t, payloadOf(c.payload), c.requireReply ? c.maxReplyLength : 0, expiresAt, (e) => {
      signal?.removeEventListener("abort", onAbort);
      resolve(judgeUdp(c, e, expiresAt - started));
    });
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
