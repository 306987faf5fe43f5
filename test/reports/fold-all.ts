import { sql } from 'kysely';
import type { BusinessHours } from '../../src/flows/flow-time.ts';
import { foldReportEvents } from '../../src/reports/fold-report-events.ts';
import type { Storage } from '../../src/storage/open-database.ts';

/**
 * Folds until no report event is left. PostgreSQL folds only events below the oldest running
 * transaction on the whole server (transaction ids are server-wide), so a transaction of another
 * database on the same server (CI's second test worker, a job) holds newer events back until it
 * ends: a report read right after one fold could miss them.
 */
export async function foldAll(storage: Storage, hours: BusinessHours, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await foldReportEvents(storage, hours);
    const left = await storage.db.selectFrom('report_events').select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow();
    if (Number(left.n) === 0) return;
    if (Date.now() > deadline) throw new Error(`${left.n} report events still unfolded after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
