// MISC_CHECK: a script decides. keepalived.conf(5): exit 0 = up, anything
// else = down; with misc_dynamic, 1 = down and 2..255 = up with weight
// (exit - 2). A script that outlives misc_timeout is killed and counts as down.
import { errorText } from "../../error-text.ts";
import type { MiscCheck } from "../../config/model.ts";
import type { CheckOutcome } from "../scheduler.ts";
import { runBounded } from "./spawn-bounded.ts";
import { resolveIds } from "./user-ids.ts";
import type { CancelSignal } from "./cancel.ts";

export function miscOutcome(exitCode: number, dynamic: boolean): CheckOutcome {
  if (exitCode === 0) return { ok: true };
  if (dynamic && exitCode >= 2 && exitCode <= 255) return { ok: true, weight: exitCode - 2 };
  return { ok: false, reason: `exit status ${exitCode}` };
}

export async function checkMisc(c: Pick<MiscCheck, "miscPath" | "miscDynamic" | "user" | "group">, timeoutMs: number, signal?: CancelSignal): Promise<CheckOutcome> {
  let ids;
  if (c.user !== undefined) {
    try {
      ids = await resolveIds(c.user, c.group);
    } catch (e) {
      return { ok: false, reason: `MISC_CHECK user: ${errorText(e)}` };
    }
  }
  const r = await runBounded(c.miscPath, timeoutMs, signal, undefined, ids);
  switch (r.kind) {
    case "exit":
      return miscOutcome(r.code, c.miscDynamic);
    case "signal":
      return { ok: false, reason: `killed by ${r.signal}` };
    case "timeout":
      return { ok: false, reason: `timed out after ${timeoutMs} ms` };
    case "error":
      return { ok: false, reason: r.message };
  }
}
