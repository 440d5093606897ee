// keepalived's static track groups (vrrp_static_track.c): the top-level block
//   track_group NAME { group { VI_1 VI_2 } }
// and the `track_group NAME` option of static_ipaddress / static_routes /
// static_rules lines that names it. Reader and writer side by side; what it does
// is the daemon's (plan.ts: the members track the entry's interface).
import type { TrackGroup } from "./model.ts";
import type { Ctx, Raw } from "./kc-context.ts";
import type { Stmt } from "./syntax-tree.ts";
import { type Out, word } from "./keepalived-writer.ts";

export function readTrackGroup(c: Ctx, s: Stmt): Raw | undefined {
  const block = c.needBlock(s);
  if (s.args.length !== 1) {
    // keepalived: "track_group must have a name - skipping"
    c.error(s, `'track_group' needs exactly one name, got ${s.args.length}`);
    return undefined;
  }
  if (!block) return undefined;
  const o: Raw = { name: s.args[0]!.text };
  c.mark(o, "", s);
  c.mark(o, "name", s, s.args[0]);
  c.dispatch(block, `track_group ${s.args[0]!.text}`, o, {
    group: (st, x) => {
      const list = (x.group as string[] | undefined) ?? [];
      for (const w of c.words(st)) {
        c.mark(list, list.length, st, w);
        list.push(w.text);
      }
      c.putList(x, "group", list, st);
    },
  });
  c.missing(s, o, "group", `track_group ${s.args[0]!.text}: missing 'group { ... }'`);
  return o;
}

/**
 * keepalived looks a track_group up while it reads the static entry naming it
 * ("track_group X not found" otherwise): the groups are written before them.
 */
export function writeTrackGroups(o: Out, groups: readonly TrackGroup[]): void {
  for (const g of groups) {
    o.line("");
    o.block(`track_group ${word(g.name)}`, () => o.block("group", () => g.group.forEach((m) => o.line(word(m)))));
  }
}

/** The ` track_group NAME` suffix of a static entry's line. */
export function trackGroupSuffix(name: string | undefined): string[] {
  return name === undefined ? [] : ["track_group", word(name)];
}
