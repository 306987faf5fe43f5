import { type Kysely, sql } from 'kysely';
import type { Executor } from '../jobs/job-queue.ts';
import type { Database } from '../storage/database-types.ts';
import type { Dialect } from '../storage/dialect.ts';
import { rawQuery, runRaw } from '../storage/raw-query.ts';
import { ANY_PENDING } from './event-store.ts';
import { INGEST_LOCK, type IngestTurns } from './ingest-lock.ts';
import type { PendingHint } from './pending-hint.ts';

interface Waiting {
  provider: string;
  body: string;
  parsed: unknown;
  receivedAt: number;
  /** Accepted for processing in the acknowledgement's transaction (accept()), not only stored (store()). */
  inline: boolean;
  resolve(stored: StoredEvent): void;
  reject(err: unknown): void;
}

/** Webhooks waiting for their window's commit. */
interface Lane {
  waiting: Waiting[];
  scheduled: boolean;
  windowMs: number;
  /** A commit of this lane is under way: what arrives meanwhile joins the next one, which starts when it ends. */
  flushing: boolean;
}

// A commit's share of the waiting webhooks at most: the rest go in the next, at once.
const MAX_GROUP = 64;

/**
 * An acknowledged webhook: `pending` when the ingest loop still has to process it. `id` is its
 * `webhook_events` row, null for one applied with its acknowledgement and kept whole by what it
 * wrote (InlineOutcome.keptElsewhere), which has no row.
 */
export interface StoredEvent {
  id: number | null;
  pending: boolean;
}

/** What processing one webhook inline came to. */
export interface InlineOutcome {
  /** A partial problem to record on its event. */
  problem?: string;
  /**
   * Applied, and everything it carried is kept by the rows it wrote (a pure status webhook: each
   * status's JSON in `status_events`): no `webhook_events` row is written for it (issue #16).
   */
  keptElsewhere?: boolean;
}

/** Processing in the acknowledgement's own transaction (process-events.ts), where this process ingests. */
export interface InlineIngest {
  /** False where this process does not ingest (role web) or has stopped. */
  active(): boolean;
  /** One webhook's effects; throws when it cannot be processed. */
  process(db: Executor, event: { parsed: unknown; text: string; receivedAt: number }, now: number): Promise<InlineOutcome>;
  /** After a commit that processed events: the jobs they enqueued may run. */
  committed(): void;
  now(): number;
  warn(obj: object, msg: string): void;
  /** Where this process alone writes the events (SQLite): whether any may be pending, without a query. */
  pending?: PendingHint;
  /** PostgreSQL: this process's transactions that take the ingest lock, one at a time (ingest-lock.ts). */
  turns?: IngestTurns;
}

const INSERT_PENDING = rawQuery(
  `insert into "webhook_events" ("provider", "received_at", "body", "status", "attempts") values (?, ?, ?, 'pending', 0) returning "id"`,
);
const INSERT_PROCESSED = rawQuery(
  `insert into "webhook_events" ("provider", "received_at", "body", "status", "attempts", "processed_at", "error") values (?, ?, ?, 'processed', 0, ?, ?) returning "id"`,
);

/**
 * Group commit for acknowledgements: every webhook read within a short window (`windowMs` from
 * the first one; 0 = the rest of this event-loop turn) is stored by one transaction, and each
 * request's 200 waits for that commit. Where this process ingests and nothing older is still
 * pending, the same transaction also processes the group (contacts, conversations, messages,
 * statuses, the jobs they cause) and stores the events as processed: one commit instead of one for
 * the acknowledgement, one for the ingest batch and one marking the events. If processing fails,
 * that transaction is rolled back and a second one stores the events pending for the ingest loop,
 * which retries them as before: the acknowledgement never depends on processing.
 * Webhooks of status callbacks only (three per message sent, arriving tens of ms apart) wait in a
 * window of their own, `statusWindowMs`, longer than a customer message's: many messages' statuses
 * then share one commit, while a customer's message is not held back by it (issue #16).
 * Rows are inserted one by one so each request gets its own id for sure.
 */
export class EventWriter {
  private readonly main: Lane;
  private readonly status: Lane;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: Dialect,
    private readonly opts: {
      windowMs?: number;
      statusWindowMs?: number;
      inline?: InlineIngest;
      /** Runs a window's commit after `ms` (tests pass their own); setTimeout otherwise. */
      schedule?: (run: () => void, ms: number) => void;
    } = {},
  ) {
    this.main = { waiting: [], scheduled: false, windowMs: opts.windowMs ?? 0, flushing: false };
    this.status = { waiting: [], scheduled: false, windowMs: opts.statusWindowMs ?? opts.windowMs ?? 0, flushing: false };
  }

  /** Stores a webhook for the ingest loop (pending); resolves with its id once committed. */
  async store(provider: string, body: string, receivedAt: number): Promise<number> {
    return Number((await this.enqueue(this.main, provider, body, receivedAt, undefined, false)).id); // never processed inline: always a row
  }

  /**
   * Stores a WhatsApp webhook and, where this process ingests, processes it in the same
   * transaction (see the class comment); `parsed` is its body, already parsed by the route.
   * `statusOnly` (status-only-webhook.ts): it waits in the status callbacks' window.
   */
  accept(provider: string, body: string, receivedAt: number, parsed: unknown, statusOnly = false): Promise<StoredEvent> {
    return this.enqueue(statusOnly ? this.status : this.main, provider, body, receivedAt, parsed, true);
  }

  private enqueue(lane: Lane, provider: string, body: string, receivedAt: number, parsed: unknown, inline: boolean): Promise<StoredEvent> {
    return new Promise((resolve, reject) => {
      lane.waiting.push({ provider, body, parsed, receivedAt, inline, resolve, reject });
      this.schedule(lane, lane.windowMs);
    });
  }

  /**
   * One commit per lane at a time: webhooks that arrive while one is under way wait for it and
   * then share the next (group commit; on PostgreSQL two commits of one process at once also
   * fought over the ingest lock, and the loser's events went pending).
   */
  private schedule(lane: Lane, windowMs: number): void {
    if (lane.scheduled || lane.flushing) return;
    lane.scheduled = true;
    const run = () => {
      lane.scheduled = false;
      const group = lane.waiting.splice(0, MAX_GROUP);
      lane.flushing = true;
      void this.flush(group).finally(() => {
        lane.flushing = false;
        // They have waited a commit already: no second window.
        if (lane.waiting.length > 0) this.schedule(lane, 0);
      });
    };
    if (windowMs > 0) (this.opts.schedule ?? setTimeout)(run, windowMs);
    else setImmediate(run);
  }

  private async flush(group: Waiting[]): Promise<void> {
    if (group.length === 0) return;
    // All or nothing: a group with an event only stored (another provider) is left to the loop whole.
    const inline = this.opts.inline?.active() && group.every((w) => w.inline) ? this.opts.inline : undefined;
    let stored: StoredEvent[];
    const turns = inline && this.dialect.multiProcess ? inline.turns : undefined;
    try {
      const commit = () => this.db.transaction().execute((trx) => this.write(trx, group, inline));
      stored = await (turns ? turns.run(commit) : commit());
    } catch (err) {
      if (!inline) {
        for (const w of group) w.reject(err); // nothing was stored: each request answers 5xx, Meta retries
        return;
      }
      // Processing failed and took the transaction with it: store the events only, for the ingest
      // loop, which retries them one by one as it always did. Cheaper than a savepoint on every group.
      inline.warn({ err, events: group.length }, 'processing webhooks with their acknowledgement failed; the ingest loop retries them');
      try {
        stored = await this.db.transaction().execute((trx) => this.write(trx, group, undefined));
      } catch (again) {
        for (const w of group) w.reject(again);
        return;
      }
    }
    if (inline && !stored[0]?.pending) inline.committed();
    group.forEach((w, i) => w.resolve(stored[i]!));
  }

  private async write(trx: Executor, group: Waiting[], inline: InlineIngest | undefined): Promise<StoredEvent[]> {
    const outcome = inline ? await this.processInline(trx, inline, group) : undefined;
    if (!outcome) this.opts.inline?.pending?.stored(); // before the pending inserts
    const out: StoredEvent[] = [];
    for (let i = 0; i < group.length; i++) {
      const w = group[i]!;
      const done = outcome?.outcomes[i];
      if (done?.keptElsewhere) {
        out.push({ id: null, pending: false });
        continue;
      }
      // SQLite: run on the connection directly (raw-query.ts).
      const rows = outcome
        ? await runRaw<{ id: number }>(trx, INSERT_PROCESSED, [w.provider, w.receivedAt, w.body, outcome.at, done?.problem ?? null])
        : await runRaw<{ id: number }>(trx, INSERT_PENDING, [w.provider, w.receivedAt, w.body]);
      out.push({ id: Number(rows[0]?.id), pending: outcome === undefined });
    }
    return out;
  }

  /**
   * Processes the group in `trx` when that keeps the order of events: no event received earlier is
   * still pending (the loop goes oldest first), and on PostgreSQL this transaction holds the ingest
   * lock that makes one process at a time turn events into messages. Undefined: left to the loop.
   * Throws when processing fails (the caller rolls the transaction back).
   */
  private async processInline(
    trx: Executor,
    inline: InlineIngest,
    group: Waiting[],
  ): Promise<{ at: number; outcomes: InlineOutcome[] } | undefined> {
    if (this.dialect.multiProcess) {
      const lock = await sql<{ ok: boolean }>`select pg_try_advisory_xact_lock(${INGEST_LOCK}) as ok`.execute(trx);
      if (!lock.rows[0]?.ok) return undefined;
    }
    const hint = this.dialect.multiProcess ? undefined : inline.pending;
    if (!hint?.knownNone()) {
      const mark = hint?.mark();
      const pending = await runRaw(trx, ANY_PENDING, []);
      if (pending.length > 0) return undefined;
      if (mark !== undefined) hint?.sawNone(mark);
    }
    const at = inline.now();
    const outcomes: InlineOutcome[] = [];
    for (const w of group) outcomes.push(await inline.process(trx, { parsed: w.parsed, text: w.body, receivedAt: w.receivedAt }, at));
    return { at, outcomes };
  }
}
