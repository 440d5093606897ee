// vrrp_sync_group notifications, keepalived 2.2.7 semantics (checked against
// Debian's keepalived in the lab): a group's notify scripts run when the group as
// a whole changes state — BACKUP once every member is BACKUP, MASTER once every
// member is MASTER, FAULT as soon as any member is, STOP when every member has
// stopped — and the generic `notify` gets "GROUP <name> <state> 0". Mixed states
// while members are still moving are not a group state. Pure: instance states in,
// group changes out.
import type { NotifyState } from "./notify.ts";

export interface GroupChange {
  group: string;
  state: NotifyState;
}

export class GroupStates {
  private readonly instances = new Map<string, NotifyState>();
  private members = new Map<string, string[]>();
  private readonly notified = new Map<string, NotifyState>();

  constructor(groups: { name: string; members: string[] }[]) {
    this.setGroups(groups);
  }

  /** After a reload: groups that keep their name keep their last notified state. */
  setGroups(groups: { name: string; members: string[] }[]): void {
    this.members = new Map(groups.map((g) => [g.name, [...g.members]]));
    for (const name of [...this.notified.keys()]) if (!this.members.has(name)) this.notified.delete(name);
  }

  /** An instance entered `state`; returns the groups whose state changed because of it. */
  update(instance: string, state: NotifyState): GroupChange[] {
    this.instances.set(instance, state);
    const out: GroupChange[] = [];
    for (const [group, members] of this.members) {
      if (!members.includes(instance)) continue;
      const s = groupState(members.map((m) => this.instances.get(m)));
      if (s && s !== this.notified.get(group)) {
        this.notified.set(group, s);
        out.push({ group, state: s });
      }
    }
    return out;
  }
}

/** The group's state from its members' states (undefined = not reported yet), or null while mixed. */
export function groupState(states: (NotifyState | undefined)[]): NotifyState | null {
  if (states.length === 0) return null;
  if (states.includes("FAULT")) return "FAULT";
  for (const s of ["MASTER", "BACKUP", "STOP"] as const) if (states.every((x) => x === s)) return s;
  return null;
}
