// What a node says of a config blob or rollback request on config/state: the
// reporter publishes it, the rollout engine and the fleet views read it. A type
// only, so the pure rollout core (src/fleet/rollout/) can name it.
export interface ConfigResult {
  /** true while the blob's config runs (applied, or still proving itself) */
  accepted: boolean;
  /**
   * applied: runs and confirmed; confirming: runs, on probation for confirm_ms;
   * rejected: never ran; rolled-back: ran and was undone (probation failed, or a
   * signed rollback request); rollback-refused: a rollback request was not acted on
   */
  state?: "applied" | "confirming" | "rejected" | "rolled-back" | "rollback-refused";
  /** the serial and hash of the blob (or request) this result is about */
  serial?: number;
  hash?: string;
  reason?: string;
  message?: string;
  /** what runs now, whatever happened to this blob */
  running_serial?: number;
  running_hash?: string;
  /** the probation window of a `confirming` config */
  confirm_ms?: number;
}
