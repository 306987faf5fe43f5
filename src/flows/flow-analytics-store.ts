import { sql } from 'kysely';
import type { Executor } from '../jobs/job-queue.ts';

/**
 * The SQL behind flow analytics (both dialects; nothing dialect-specific). Every query is per
 * flow and version, served by the indexes of migration 0007 (flow_sessions_flow,
 * flow_session_steps_flow, flow_results_flow).
 */

/** Sessions that ran any part of the flow version: those standing in it now, and those that left it (jump). */
export async function startedByVersion(db: Executor, flowId: string, version?: number): Promise<Map<number, number>> {
  const inSessions = db.selectFrom('flow_sessions').select(['id as session_id', 'version']).where('flow_id', '=', flowId);
  const inSteps = db.selectFrom('flow_session_steps').select(['session_id', 'version']).where('flow_id', '=', flowId);
  const rows = await db
    .selectFrom(
      (version === undefined
        ? inSessions.union(inSteps)
        : inSessions.where('version', '=', version).union(inSteps.where('version', '=', version))
      ).as('s'),
    )
    .select(['s.version', (eb) => eb.fn.count<number>('s.session_id').distinct().as('n')])
    .groupBy('s.version')
    .execute();
  return new Map(rows.map((r) => [Number(r.version), Number(r.n)]));
}

/** Finished sessions (flow_results) by version, status and reason. */
export async function resultsByReason(
  db: Executor,
  flowId: string,
  version?: number,
): Promise<Array<{ version: number; status: string; reason: string | null; n: number }>> {
  let q = db
    .selectFrom('flow_results')
    .select(['version', 'status', 'reason', (eb) => eb.fn.countAll<number>().as('n')])
    .where('flow_id', '=', flowId);
  if (version !== undefined) q = q.where('version', '=', version);
  const rows = await q.groupBy(['version', 'status', 'reason']).execute();
  return rows.map((r) => ({ version: Number(r.version), status: r.status, reason: r.reason, n: Number(r.n) }));
}

/** Where sessions stand (or stood when they ended): by version, current block and status. */
export async function sessionsByBlock(
  db: Executor,
  flowId: string,
  version?: number,
): Promise<Array<{ version: number; block: string; status: string; n: number }>> {
  let q = db
    .selectFrom('flow_sessions')
    .select(['version', 'current_block', 'status', (eb) => eb.fn.countAll<number>().as('n')])
    .where('flow_id', '=', flowId);
  if (version !== undefined) q = q.where('version', '=', version);
  const rows = await q.groupBy(['version', 'current_block', 'status']).execute();
  return rows.map((r) => ({ version: Number(r.version), block: r.current_block, status: r.status, n: Number(r.n) }));
}

/** Block visits from the step log: visits, distinct sessions, invalid answers. */
export async function visitsByBlock(
  db: Executor,
  flowId: string,
  version?: number,
): Promise<Array<{ version: number; block: string; blockType: string; visits: number; sessions: number; invalid: number }>> {
  let q = db
    .selectFrom('flow_session_steps')
    .select([
      'version',
      'block',
      (eb) => eb.fn.max('block_type').as('block_type'),
      (eb) => eb.fn.countAll<number>().as('visits'),
      (eb) => eb.fn.count<number>('session_id').distinct().as('sessions'),
      (eb) => eb.fn.sum<number>(eb.case().when('valid', '=', 0).then(1).else(0).end()).as('invalid'),
    ])
    .where('flow_id', '=', flowId);
  if (version !== undefined) q = q.where('version', '=', version);
  const rows = await q.groupBy(['version', 'block']).execute();
  return rows.map((r) => ({
    version: Number(r.version),
    block: r.block,
    blockType: String(r.block_type ?? ''),
    visits: Number(r.visits),
    sessions: Number(r.sessions),
    invalid: Number(r.invalid ?? 0),
  }));
}

/**
 * The median of the time each session spent in a block (all its visits and tries summed), in ms.
 * Exact and bounded: the sessions' totals are ordered in the database and only the middle one
 * or two rows come back, whatever the number of sessions.
 */
export async function medianBlockMs(
  db: Executor,
  flowId: string,
  version: number,
  block: string,
  sessions: number,
): Promise<number | null> {
  if (sessions <= 0) return null;
  const perSession = db
    .selectFrom('flow_session_steps')
    .select(['session_id', sql<number>`sum(left_at - entered_at)`.as('ms')])
    .where('flow_id', '=', flowId)
    .where('version', '=', version)
    .where('block', '=', block)
    .groupBy('session_id')
    .as('t');
  const middle = await db
    .selectFrom(perSession)
    .select('t.ms')
    .orderBy('t.ms')
    .limit(sessions % 2 === 0 ? 2 : 1)
    .offset(Math.floor((sessions - 1) / 2))
    .execute();
  const values = middle.map((r) => Number(r.ms));
  if (values.length === 0) return null;
  return values.reduce((a, b) => a + b, 0) / values.length;
}
