// Resolves MISC_CHECK `user NAME [GROUP]` to numeric ids from /etc/passwd and
// /etc/group (no NSS: router images use flat files). Numeric names pass through.

export interface Ids {
  uid: number;
  gid: number;
}

/** Parses passwd/group text: name:x:id[:gid...]; malformed lines are skipped. */
export function lookupId(text: string, name: string, idField: number, gidField?: number): { id: number; gid?: number } | undefined {
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const f = line.split(":");
    if (f[0] !== name) continue;
    const id = Number(f[idField]);
    if (!Number.isInteger(id) || id < 0) continue;
    if (gidField === undefined) return { id };
    const gid = Number(f[gidField]);
    return Number.isInteger(gid) && gid >= 0 ? { id, gid } : { id };
  }
  return undefined;
}

export async function resolveIds(user: string, group: string | undefined, files = { passwd: "/etc/passwd", group: "/etc/group" }): Promise<Ids> {
  let uid: number;
  let gid: number | undefined;
  if (/^\d+$/.test(user)) uid = Number(user);
  else {
    const u = lookupId(await Bun.file(files.passwd).text(), user, 2, 3);
    if (!u) throw new Error(`unknown user '${user}'`);
    uid = u.id;
    gid = u.gid;
  }
  if (group !== undefined) {
    if (/^\d+$/.test(group)) gid = Number(group);
    else {
      const g = lookupId(await Bun.file(files.group).text(), group, 2);
      if (!g) throw new Error(`unknown group '${group}'`);
      gid = g.id;
    }
  }
  if (gid === undefined) throw new Error(`user '${user}' has no primary group: give one`);
  return { uid, gid };
}
