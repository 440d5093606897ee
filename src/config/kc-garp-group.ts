// keepalived's garp_group (top level; keepalived.conf(5), vrrp_parser.c
// garp_group_*): the least time between two gratuitous ARPs (garp_interval) and
// between two unsolicited NAs (gna_interval) sent on one interface
// (`interface NAME`) or on several together (`interfaces { NAME ... }`: an
// aggregate, e.g. behind one switch), whichever instance sends them. Reader and
// writer side by side; src/vrrp/garp-pacing.ts says which lane a VIP's messages take.
import type { GarpGroup } from "./model.ts";
import { type Ctx, hSec, type Raw } from "./kc-context.ts";
import type { Stmt } from "./syntax-tree.ts";
import { type Out, seconds, word } from "./keepalived-writer.ts";

/** `garp_group { garp_interval S  gna_interval S  interface NAME | interfaces { NAME ... } }` */
export function readGarpGroup(c: Ctx, s: Stmt): Raw | undefined {
  const block = c.needBlock(s);
  if (!block) return undefined;
  if (s.args.length) c.error(s, "'garp_group' takes no value before its block", s.args[0]);
  const o: Raw = {};
  const ifs: string[] = [];
  const add = (st: Stmt, t: Stmt["kw"]) => {
    c.mark(ifs, ifs.length, st, t);
    ifs.push(t.text);
  };
  c.dispatch(block, "garp_group", o, {
    garp_interval: hSec(c, "garpIntervalMs"),
    gna_interval: hSec(c, "gnaIntervalMs"),
    interface: (st) => {
      const t = c.one(st);
      if (t) add(st, t);
    },
    interfaces: (st) => {
      if (st.args.length) c.error(st, "'interfaces' takes its names in a { ... } block", st.args[0]);
      const names = c.words(st);
      // keepalived: "Warning - empty garp_group interfaces block"
      if (st.block && names.length === 0) c.warn(st, "empty garp_group interfaces block");
      for (const t of names) add(st, t);
    },
  });
  c.putList(o, "interfaces", ifs, s);
  return o;
}

/** The groups back, one `interface` for a single one and `interfaces { }` for an aggregate. */
export function writeGarpGroups(o: Out, groups: readonly GarpGroup[]): void {
  for (const g of groups) {
    o.line("");
    o.block("garp_group", () => {
      o.opt("garp_interval", g.garpIntervalMs, seconds);
      o.opt("gna_interval", g.gnaIntervalMs, seconds);
      if (g.interfaces.length === 1) o.line("interface", word(g.interfaces[0]!));
      else if (g.interfaces.length > 1) o.block("interfaces", () => g.interfaces.forEach((i) => o.line(word(i))));
    });
  }
}
