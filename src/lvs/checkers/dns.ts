// DNS_CHECK: one UDP query to the real server; up when a matching NOERROR reply
// arrives within connect_timeout.
import { errorText } from "../../error-text.ts";
import { nodeDgram } from "../../sys/lazy-builtins.ts";
import type { DnsCheck } from "../../config/model.ts";
import type { CheckOutcome } from "../scheduler.ts";
import { encodeQuery, judgeReply } from "./dns-codec.ts";
import type { Target } from "./target.ts";
import type { CancelSignal } from "./cancel.ts";

export function checkDns(c: Pick<DnsCheck, "name" | "dnsType">, target: Target, stepTimeoutMs: number, deadline: number, signal?: CancelSignal): Promise<CheckOutcome> {
  const id = (Math.random() * 0x10000) & 0xffff;
  let query: Uint8Array;
  try {
    query = encodeQuery(id, c.name, c.dnsType);
  } catch (e) {
    return Promise.resolve({ ok: false, reason: errorText(e) });
  }
  return new Promise((resolve) => {
    const sock = nodeDgram().createSocket(target.host.includes(":") ? "udp6" : "udp4");
    let done = false;
    const wait = Math.max(1, Math.min(stepTimeoutMs, deadline - performance.now()));
    const finish = (o: CheckOutcome) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      try {
        sock.close();
      } catch {
        // already closed
      }
      resolve(o);
    };
    const onAbort = () => finish({ ok: false, reason: "aborted" });
    const timer = setTimeout(() => finish({ ok: false, reason: `no DNS reply within ${Math.round(wait)} ms` }), wait);
    signal?.addEventListener("abort", onAbort, { once: true });
    sock.on("error", (e) => finish({ ok: false, reason: `DNS socket: ${e.message}` }));
    sock.on("message", (msg) => {
      const v = judgeReply(id, msg);
      if (v.ok === "ignore") return;
      finish(v);
    });
    const send = () => sock.send(query, target.port, target.host, (e) => e && finish({ ok: false, reason: `DNS send: ${e.message}` }));
    if (target.localAddress !== undefined || target.localPort !== undefined) sock.bind({ address: target.localAddress, port: target.localPort ?? 0 }, send);
    else send();
  });
}
