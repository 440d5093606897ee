// keepalived.conf reader for vigil's own `vigil_fleet { ... }` block
// (docs/fleet.md).
import type { Stmt } from "./syntax-tree.ts";
import { hEnum, hSec, hStr, type Ctx, type Raw } from "./kc-context.ts";

export function readFleet(c: Ctx, s: Stmt, o: Raw) {
  const block = c.needBlock(s);
  if (!block) return;
  if (s.args.length) c.error(s, "'vigil_fleet' takes no value before its block", s.args[0]);
  c.mark(o, "", s);
  c.dispatch(block, "vigil_fleet", o, {
    broker: hStr(c, "broker"),
    fleet: hStr(c, "fleet"),
    node: hStr(c, "node"),
    ca_file: hStr(c, "caFile"),
    cert_file: hStr(c, "certFile"),
    key_file: hStr(c, "keyFile"),
    username: hStr(c, "username"),
    password_file: hStr(c, "passwordFile"),
    payload: hEnum(c, "payload", ["cbor", "json"], (x) => x.toLowerCase()),
    trust_key: (st, x) => {
      const t = c.one(st);
      if (!t) return;
      const list = (x.trustKey as string[] | undefined) ?? [];
      c.mark(list, list.length, st, t);
      list.push(t.text);
      x.trustKey = list;
    },
    state_dir: hStr(c, "stateDir"),
    // seconds, like keepalived's timers; 0 turns commit-confirm off
    confirm_timeout: hSec(c, "confirmTimeoutMs"),
    site: hStr(c, "site"),
    protocol_version: (st, x) => {
      const t = c.one(st);
      if (!t) return;
      const v = t.text === "5" ? 5 : t.text === "4" || t.text === "3.1.1" ? 4 : undefined;
      if (v === undefined) return c.error(st, `'protocol_version' expects 5 or 4 (3.1.1), got '${t.text}'`, t);
      c.put(x, "protocolVersion", v, st, t);
    },
  });
  for (const k of ["broker", "fleet"]) c.missing(s, o, k, `vigil_fleet: missing '${k}'`);
}
