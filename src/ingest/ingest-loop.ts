import { sql } from 'kysely';
import { TurnGate } from '../core/turn-gate.ts';
import type { Deps } from '../deps.ts';
import { anyPendingEvent, eventBacklog, markEvents, pendingEvents } from './event-store.ts';
import type { InlineIngest } from './event-writer.ts';
import { INGEST_LOCK, IngestTurns } from './ingest-lock.ts';
import { PendingHint } from './pending-hint.ts';
import { MAX_EVENT_ATTEMPTS, processEvents, processWebhook } from './process-events.ts';

// Small enough that a webhook's insert never waits long behind a batch holding the connection;
// smaller still while webhooks are arriving, so a batch is a short unit between acknowledgements.
const BATCH = 50;
const BATCH_UNDER_LOAD = 8;

/** Runs in every server process: picks up stored events, oldest first, in batches. */
export class IngestLoop {
  private running = false;
  private scheduled = false;
  private again = false;
  private stopped = true;
  private timer: NodeJS.Timeout | undefined;
  private current: Promise<void> = Promise.resolve();
  /** Whether an event may be pending (event-writer.ts); every pending insert in this process says so first. */
  readonly pending: PendingHint;
  /** PostgreSQL: this process's ingest-lock transactions, one at a time, shared with the acknowledgements. */
  private readonly turns = new IngestTurns();

  constructor(
    private readonly deps: Deps,
    /** Shared with the job runner: background work takes turns with the acknowledgements. */
    readonly gate: TurnGate = new TurnGate(),
  ) {
    this.pending = new PendingHint(!deps.storage.dialect.multiProcess && deps.config.role === 'all');
  }

  start(): void {
    this.stopped = false;
    this.timer = setInterval(() => this.wake(), 250);
    this.timer.unref();
    this.wake();
  }

  /** For the webhook route: process events in their acknowledgement's transaction while this loop runs. */
  inline(): InlineIngest {
    const { deps } = this;
    return {
      active: () => !this.stopped,
      process: async (db, event, now) => {
        const { problem, keptAsStatuses } = await processWebhook(deps, db, event, now);
        return { ...(problem ? { problem } : {}), keptElsewhere: keptAsStatuses };
      },
      committed: () => deps.jobs.wake(),
      now: () => deps.clock.now(),
      warn: (obj, msg) => deps.logger.warn(obj, msg),
      pending: this.pending,
      turns: this.turns,
    };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.current;
  }

  /** Coalesced: every webhook stored in one turn of the event loop joins one batch. */
  wake(): void {
    if (this.stopped || this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (this.stopped) return;
      if (this.running) {
        this.again = true;
        return;
      }
      this.running = true;
      this.current = this.drain().finally(() => {
        this.running = false;
      });
    });
  }

  async idle(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while ((await eventBacklog(this.deps.storage.db)).count > 0 || this.running || this.scheduled) {
      if (Date.now() > deadline) throw new Error(`webhook events still pending after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  private async drain(): Promise<void> {
    do {
      this.again = false;
      try {
        // Each batch waits its turn: acknowledgements come before processing.
        for (;;) {
          await this.gate.turn();
          if (this.stopped) break;
          const size = this.gate.recentRequests > 0 ? BATCH_UNDER_LOAD : BATCH;
          if ((await this.batch(size)) < size) break;
        }
      } catch (err) {
        this.deps.logger.error({ err }, 'ingest loop error');
      }
    } while (this.again && !this.stopped);
  }

  /** One batch in one transaction; a batch that fails is retried event by event. */
  private async batch(size: number): Promise<number> {
    const { db } = this.deps.storage;
    const pg = this.deps.storage.dialect.multiProcess; // other processes ingest too: one batch at a time
    // SQLite: no pending event can exist (pending-hint.ts), so no transaction to find none (the 250 ms tick's cost).
    if (!pg && this.pending.knownNone()) return 0;
    // PostgreSQL: no lock and no transaction to find nothing pending (every tick and every wake).
    if (pg && !(await anyPendingEvent(db))) return 0;
    let taken = 0;
    try {
      const run = (fn: () => Promise<void>) => (pg ? this.turns.run(fn) : fn());
      await run(() =>
        db.transaction().execute(async (trx) => {
          if (pg) {
            const lock = await sql<{ ok: boolean }>`select pg_try_advisory_xact_lock(${INGEST_LOCK}) as ok`.execute(trx);
            if (!lock.rows[0]?.ok) return;
          }
          const mark = this.pending.mark();
          const events = await pendingEvents(trx, size);
          if (events.length === 0 && !pg) this.pending.sawNone(mark);
          taken = events.length;
          if (events.length) await processEvents(this.deps, events, trx);
        }),
      );
    } catch (err) {
      this.deps.logger.warn({ err }, 'ingest batch failed; retrying events one at a time');
      taken = await this.oneByOne();
    }
    if (taken) this.deps.jobs.wake();
    return taken;
  }

  private async oneByOne(): Promise<number> {
    const { db } = this.deps.storage;
    const events = await pendingEvents(db, BATCH);
    for (const event of events) {
      try {
        await db.transaction().execute((trx) => processEvents(this.deps, [event], trx));
      } catch (err) {
        const attempts = event.attempts + 1;
        const message = err instanceof Error ? err.message : String(err);
        this.deps.logger.error({ event: event.id, attempts, err: message }, 'webhook event failed');
        if (attempts >= MAX_EVENT_ATTEMPTS) await markEvents(db, [event.id], 'failed', this.deps.clock.now(), message);
        else await db.updateTable('webhook_events').set({ attempts, error: message }).where('id', '=', event.id).execute();
      }
    }
    return 0;
  }
}
