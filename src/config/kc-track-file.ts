// keepalived.conf reader for the top-level `track_file NAME { ... }` block
// (keepalived 2.2.7 trackers/track_file.c; `vrrp_track_file` is its deprecated
// synonym). Shared by whatever tracks the file: FILE_CHECK in a real_server, and
// VRRP's track_file.
import type { Stmt } from "./syntax-tree.ts";
import type { Ctx, Raw } from "./kc-context.ts";

export function readTrackFile(c: Ctx, s: Stmt): Raw | undefined {
  const block = c.needBlock(s);
  if (!block) return undefined;
  if (s.args.length !== 1) {
    c.error(s, `'${s.kw.text}' needs exactly one name, got ${s.args.length}`);
    return undefined;
  }
  if (s.kw.text === "vrrp_track_file") c.warn(s, "'vrrp_track_file' is deprecated, read as 'track_file' (as keepalived does)");
  const o: Raw = { name: s.args[0]!.text };
  c.mark(o, "", s);
  c.mark(o, "name", s, s.args[0]);
  c.dispatch(block, `track_file ${o.name}`, o, {
    file: (st, x) => {
      if (!c.noBlock(st)) return;
      if (!st.args.length) return c.error(st, "'file' needs a path");
      c.put(x, "file", st.args.map((t) => t.text).join(" "), st, st.args[0]);
    },
    weight: (st, x) => {
      if (!c.noBlock(st)) return;
      const [w, dir, ...extra] = st.args;
      if (!w || extra.length) return c.error(st, "'weight' takes W [reverse]");
      if (dir && dir.text !== "reverse") return c.error(st, `'weight' option must be reverse, got '${dir.text}'`, dir);
      c.put(x, "weight", c.int(st, w), st, w);
      if (dir) c.put(x, "weightReverse", true, st, dir);
    },
    init_file: (st, x) => {
      if (!c.noBlock(st)) return;
      const init: Raw = {};
      c.mark(init, "", st);
      for (const t of st.args) {
        if (t.text === "overwrite") {
          init.overwrite = true;
          c.mark(init, "overwrite", st, t);
        } else if (/^[-\d]/.test(t.text)) {
          init.value = c.int(st, t);
          c.mark(init, "value", st, t);
        } else return c.error(st, `'init_file' takes [VALUE] [overwrite], got '${t.text}'`, t);
      }
      c.put(x, "initFile", init, st);
    },
  });
  c.missing(s, o, "file", `track_file ${o.name}: missing 'file'`);
  return o;
}
