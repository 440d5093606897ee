// Users of a shared thing counted by key: the first user sets it up, the last one
// undoes it, with what the set-up left (keepalived counts instances per interface
// this way for the sysctls it changes: vrrp_if_config.c). Pure: the caller does the
// setting up and the undoing; this only decides who is first and who is last.
export class UseCounts<T> {
  private readonly uses = new Map<string, { users: number; state: T }>();

  /** One more user of `key`; `setUp` runs for the first one only, and what it returns is kept for the last. */
  join(key: string, setUp: () => T): void {
    const use = this.uses.get(key);
    if (use) {
      use.users++;
      return;
    }
    this.uses.set(key, { users: 1, state: setUp() });
  }

  /**
   * One user of `key` fewer. The last one gets the first one's state back (to undo
   * what it set up); any other, or a key nobody joined, gets null.
   */
  leave(key: string): { state: T } | null {
    const use = this.uses.get(key);
    if (!use || --use.users > 0) return null;
    this.uses.delete(key);
    return { state: use.state };
  }

  /** Keys in use now, with their user counts (status and tests). */
  users(): Map<string, number> {
    return new Map([...this.uses].map(([key, use]) => [key, use.users]));
  }
}
