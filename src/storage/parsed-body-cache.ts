/**
 * The webhook route already parsed the body; keep that object for the ingest loop so the hot
 * path parses each event once. Bounded: after a restart (or overflow) the loop re-parses the
 * stored text, which is the source of truth.
 */
export class ParsedBodyCache {
  private readonly cache = new Map<number, unknown>();
  constructor(private readonly max = 10_000) {}

  remember(eventId: number, body: unknown): void {
    if (this.cache.size < this.max) this.cache.set(eventId, body);
  }

  take(eventId: number): unknown {
    const v = this.cache.get(eventId);
    this.cache.delete(eventId);
    return v;
  }
}
