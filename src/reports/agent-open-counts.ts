import { sql } from 'kysely';
import { dialectOf } from '../storage/dialect.ts';
import type { Executor } from '../storage/executor.ts';

/**
 * Open, assigned conversations per agent (migration 0040): the folded counts plus the deltas the
 * triggers appended since, in one statement so both come from one snapshot (a fold that commits
 * in between cannot count a delta twice or not at all). Agents at zero are left out.
 */
export async function agentOpenCounts(db: Executor, agentId?: string): Promise<Map<string, number>> {
  const only = agentId === undefined ? sql`` : sql` where agent_id = ${agentId}`;
  const { rows } = await sql<{ agent_id: string; n: number | string }>`
    select agent_id, sum(n) as n from (
      select agent_id, n from report_agent_open${only}
      union all
      select agent_id, d as n from report_agent_open_deltas${only}) counts
    group by agent_id`.execute(db);
  const out = new Map<string, number>();
  for (const r of rows) if (Number(r.n) !== 0) out.set(r.agent_id, Number(r.n));
  return out;
}

/**
 * Moves the deltas into the per-agent counts. Callers hold the fold's lock (one at a time). On
 * PostgreSQL the delete and the sum are one statement: a delta that commits meanwhile is either
 * both deleted and counted or left for the next time.
 */
export async function compactAgentOpenCounts(trx: Executor): Promise<void> {
  // Reports fold before reading: with no deltas this stays a read (no write lock on SQLite).
  const { rows } = await sql<{ one: number }>`select 1 as one from report_agent_open_deltas limit 1`.execute(trx);
  if (rows.length === 0) return;
  if (dialectOf(trx).name === 'postgres') {
    await sql`with moved as (delete from report_agent_open_deltas returning agent_id, d)
      insert into report_agent_open (agent_id, n)
      select agent_id, sum(d) from moved group by agent_id order by agent_id
      on conflict (agent_id) do update set n = report_agent_open.n + excluded.n`.execute(trx);
    await sql`delete from report_agent_open where n = 0`.execute(trx);
    return;
  }
  // SQLite has one writer: nothing appends between these two statements in this transaction.
  await sql`insert into report_agent_open (agent_id, n)
    select agent_id, sum(d) from report_agent_open_deltas where true group by agent_id
    on conflict (agent_id) do update set n = report_agent_open.n + excluded.n`.execute(trx);
  await sql`delete from report_agent_open_deltas`.execute(trx);
  await sql`delete from report_agent_open where n = 0`.execute(trx);
}
