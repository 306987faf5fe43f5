/**
 * Whether `webhook_events` may hold a pending event, known in process (SQLite: one process owns
 * the file), so the acknowledgement's transaction need not ask the database before processing
 * its group inline (issue #16: one statement per group). Every pending insert in this process
 * calls stored() before it writes; only a query that saw none, with no stored() since it began,
 * sets it to none. It starts unknown: a restart may find events left pending. On SQLite one
 * process owns the file and does both (README); a `worker`-role process, whose events another
 * process stores, never uses it.
 */
export class PendingHint {
  private none = false;
  private generation = 0;

  /** Off (always unknown) where another process may store events: PostgreSQL, or a `worker`-role process. */
  constructor(private readonly enabled: boolean) {}

  /** Before writing a pending event. */
  stored(): void {
    this.generation++;
    this.none = false;
  }

  /** True only when no pending event can exist. */
  knownNone(): boolean {
    return this.none;
  }

  /** Before a query for pending events: pass its answer to sawNone() afterwards. */
  mark(): number {
    return this.generation;
  }

  /** The query begun at `mark` found no pending event. */
  sawNone(mark: number): void {
    if (this.enabled && mark === this.generation) this.none = true;
  }
}
