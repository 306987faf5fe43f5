import { CompiledQuery, type Kysely } from 'kysely';
import type { Database } from '../storage/database-types.ts';
import type { Dialect, DialectName } from '../storage/dialect.ts';

interface Waiting {
  provider: string;
  body: string;
  receivedAt: number;
  resolve(id: number): void;
  reject(err: unknown): void;
}

const INSERT = {
  sqlite: `insert into "webhook_events" ("provider", "received_at", "body", "status", "attempts") values (?, ?, ?, 'pending', 0) returning "id"`,
  postgres: `insert into "webhook_events" ("provider", "received_at", "body", "status", "attempts") values ($1, $2, $3, 'pending', 0) returning "id"`,
} satisfies Record<DialectName, string>;

/**
 * Group commit for acknowledgements: every webhook read in one turn of the event loop is stored by
 * one transaction, and each request's 200 waits for that commit. Under load this turns hundreds
 * of commits a second into a few, while a lone webhook still commits at once (next turn).
 * Rows are inserted one by one inside the transaction so each request gets its own id for sure.
 */
export class EventWriter {
  private waiting: Waiting[] = [];
  private scheduled = false;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: Dialect,
  ) {}

  store(provider: string, body: string, receivedAt: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ provider, body, receivedAt, resolve, reject });
      if (this.scheduled) return;
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        void this.flush();
      });
    });
  }

  private async flush(): Promise<void> {
    const group = this.waiting;
    this.waiting = [];
    if (group.length === 0) return;
    const insert = INSERT[this.dialect.name];
    let ids: number[];
    try {
      ids = await this.db.transaction().execute(async (trx) => {
        const out: number[] = [];
        for (const w of group) {
          const r = await trx.executeQuery<{ id: number }>(CompiledQuery.raw(insert, [w.provider, w.receivedAt, w.body]));
          out.push(Number(r.rows[0]?.id));
        }
        return out;
      });
    } catch (err) {
      for (const w of group) w.reject(err); // nothing was stored: each request answers 5xx, Meta retries
      return;
    }
    group.forEach((w, i) => w.resolve(ids[i]!));
  }
}
