// SMTP_CHECK: one SMTP conversation (smtp-dialog.ts) over the checkers' TCP
// exchange, each step bounded by connect_timeout as in keepalived. An
// SMTP_CHECK with host { } blocks is run as one check per host by the runner
// (smtp-hosts.ts), as keepalived 2.2.7 makes one checker of each.
import { errorText } from "../../error-text.ts";
import type { CheckOutcome } from "../scheduler.ts";
import type { CancelSignal } from "./cancel.ts";
import { SmtpDialog } from "./smtp-dialog.ts";
import { exchange } from "./stream.ts";
import type { Target } from "./target.ts";

export async function checkSmtp(heloName: string, target: Target, stepTimeoutMs: number, deadline: number, signal?: CancelSignal): Promise<CheckOutcome> {
  const dialog = new SmtpDialog(heloName);
  let verdict: CheckOutcome | undefined;
  try {
    await exchange(
      { host: target.host, port: target.port, localAddress: target.localAddress, localPort: target.localPort, stepTimeoutMs, deadline, signal },
      undefined,
      (chunk, send) => {
        const step = dialog.feed(chunk);
        if (step.send) send(step.send);
        if (step.done) verdict = step.done;
        return step.done !== undefined;
      },
    );
  } catch (e) {
    return { ok: false, reason: errorText(e) };
  }
  return verdict ?? dialog.closed();
}
