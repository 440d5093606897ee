// TCP_CHECK: the server is up when a connection completes within connect_timeout.
import { errorText } from "../../error-text.ts";
import type { CheckOutcome } from "../scheduler.ts";
import { exchange } from "./stream.ts";
import type { Target } from "./target.ts";
import type { CancelSignal } from "./cancel.ts";

export async function checkTcp(target: Target, connectTimeoutMs: number, deadline: number, signal?: CancelSignal): Promise<CheckOutcome> {
  try {
    await exchange(
      { host: target.host, port: target.port, localAddress: target.localAddress, localPort: target.localPort, stepTimeoutMs: connectTimeoutMs, deadline, signal },
      undefined,
    );
    return { ok: true };
  } catch (e) {
    return { ok: false, reason: errorText(e) };
  }
}
