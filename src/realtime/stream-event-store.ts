import { sql, type SqlBool } from 'kysely';
import type { Executor } from '../jobs/job-queue.ts';
import type { Dialect } from '../storage/dialect.ts';
import { rawQuery, runRaw } from '../storage/raw-query.ts';
import { INBOX_EVENT_TYPES, type InboxEvent } from './inbox-event.ts';

/** How far back `Last-Event-ID` replays: the last 10,000 events, and none older than 10 minutes. */
export const STREAM_REPLAY_MAX_EVENTS = 10_000;
export const STREAM_REPLAY_MAX_AGE_MS = 10 * 60_000;

/** An event's place in the one order every process delivers in (see 0018-sync-change-seq). */
export interface StreamKey {
  xid: number;
  seq: number;
}

export interface StoredStreamEvent extends StreamKey {
  event: InboxEvent;
}

/** The replay log's insert: six parameters (streamEventValues), for statements that add to it. */
export const INSERT_STREAM_EVENT_SQL = `insert into "stream_events" ("at", "type", "conversation_id", "message_id", "user_id", "detail") values (?, ?, ?, ?, ?, ?)`;
const INSERT = rawQuery(INSERT_STREAM_EVENT_SQL);

/** The insert's parameters for one event. */
export function streamEventValues(e: InboxEvent, at: number): unknown[] {
  return [at, e.type, e.conversationId ?? null, e.messageId ?? null, e.userId ?? null, e.detail ? JSON.stringify(e.detail) : null];
}

/** Appends an event to the replay log, in the caller's transaction (it exists only if that commits). */
export async function recordStreamEvent(db: Executor, e: InboxEvent, at: number): Promise<void> {
  await runRaw(db, INSERT, streamEventValues(e, at));
}

export function encodeStreamKey(k: StreamKey): string {
  return `${k.xid}-${k.seq}`;
}

/** A Last-Event-ID this server wrote, or undefined. */
export function decodeStreamKey(text: string | undefined): StreamKey | undefined {
  const m = /^(\d{1,18})-(\d{1,18})$/.exec(text?.trim() ?? '');
  if (!m) return undefined;
  return { xid: Number(m[1]), seq: Number(m[2]) };
}

/** Only rows no running transaction can still precede (PostgreSQL); SQLite commits in write order. */
function settled(dialect: Dialect) {
  return dialect.settledBelowRunningTransactions(sql.ref('xid'));
}

/**
 * The key order. Where commits come in write order (SQLite) every event's xid is 0, so the order is
 * `seq` alone, the table's rowid: no (xid, seq) index to write with every event (migration 0042,
 * issue #16). PostgreSQL keeps its (xid, seq) index.
 */
function keyOrder(dialect: Dialect) {
  const bySeq = !dialect.changesCommitOutOfOrder;
  return {
    columns: bySeq ? (['seq'] as const) : (['xid', 'seq'] as const),
    /** Keys after (`>`), up to (`<=`) or before (`<`) this one. */
    compare: (op: '>' | '<=' | '<', k: StreamKey) =>
      bySeq
        ? // A key with another xid (not SQLite's) sorts after every SQLite key.
          sql<SqlBool>`xid = 0 and seq ${sql.raw(op)} ${k.xid === 0 ? k.seq : Number.MAX_SAFE_INTEGER}`
        : sql<SqlBool>`(xid, seq) ${sql.raw(op)} (${k.xid}, ${k.seq})`,
  };
}

/** The newest settled event's key: where a stream that replays nothing starts. */
export async function streamHead(db: Executor, dialect: Dialect): Promise<StreamKey> {
  let q = db.selectFrom('stream_events').select(['xid', 'seq']).where(settled(dialect));
  for (const c of keyOrder(dialect).columns) q = q.orderBy(c, 'desc');
  const row = await q.limit(1).executeTakeFirst();
  return row ? { xid: Number(row.xid), seq: Number(row.seq) } : { xid: 0, seq: 0 };
}

/** Settled events after `after` (and at most `upTo`), oldest first. */
export async function streamEventsAfter(
  db: Executor,
  dialect: Dialect,
  after: StreamKey,
  limit: number,
  upTo?: StreamKey,
): Promise<StoredStreamEvent[]> {
  const order = keyOrder(dialect);
  let q = db
    .selectFrom('stream_events')
    .select(['xid', 'seq', 'type', 'conversation_id', 'message_id', 'user_id', 'detail'])
    .where(order.compare('>', after))
    .where(settled(dialect));
  if (upTo) q = q.where(order.compare('<=', upTo));
  for (const c of order.columns) q = q.orderBy(c);
  const rows = await q.limit(limit).execute();
  const out: StoredStreamEvent[] = [];
  for (const r of rows) {
    const type = INBOX_EVENT_TYPES.find((t) => t === r.type);
    if (!type) continue;
    const event: InboxEvent = { type };
    if (r.conversation_id !== null) event.conversationId = r.conversation_id;
    if (r.message_id !== null) event.messageId = r.message_id;
    if (r.user_id !== null) event.userId = r.user_id;
    if (r.detail !== null) event.detail = parseDetail(r.detail);
    out.push({ xid: Number(r.xid), seq: Number(r.seq), event });
  }
  return out;
}

/** Whether the log still holds this event: then everything after it is still there too (pruning cuts a prefix). */
export async function streamEventKept(db: Executor, k: StreamKey): Promise<boolean> {
  const row = await db.selectFrom('stream_events').select('seq').where('xid', '=', k.xid).where('seq', '=', k.seq).executeTakeFirst();
  return row !== undefined;
}

/**
 * Drops the oldest events beyond the window: everything before the first event that is both
 * among the newest `maxEvents` and not older than `maxAgeMs`. It cuts a prefix in key order, so a
 * Last-Event-ID still in the log replays exactly, and one that is gone gets `reset`.
 */
export async function pruneStreamEvents(
  db: Executor,
  dialect: Dialect,
  now: number,
  opts: { maxEvents?: number; maxAgeMs?: number } = {},
): Promise<number> {
  const maxEvents = opts.maxEvents ?? STREAM_REPLAY_MAX_EVENTS;
  const maxAgeMs = opts.maxAgeMs ?? STREAM_REPLAY_MAX_AGE_MS;
  const order = keyOrder(dialect);
  let byCount = db.selectFrom('stream_events').select(['xid', 'seq']);
  let byAge = db
    .selectFrom('stream_events')
    .select(['xid', 'seq'])
    .where('at', '>=', now - maxAgeMs);
  let newestQ = db.selectFrom('stream_events').select(['xid', 'seq']); // every event, settled or not
  for (const c of order.columns) {
    byCount = byCount.orderBy(c, 'desc');
    byAge = byAge.orderBy(c);
    newestQ = newestQ.orderBy(c, 'desc');
  }
  const keys = [
    await byCount
      .offset(maxEvents - 1)
      .limit(1)
      .executeTakeFirst(),
    await byAge.limit(1).executeTakeFirst(),
    await newestQ.limit(1).executeTakeFirst(),
  ].map((k) => (k ? { xid: Number(k.xid), seq: Number(k.seq) } : undefined));
  // Keep from the later of the two firsts; with no event young enough, only the newest stays, so
  // a client that saw it and missed nothing since reconnects without a reset.
  const young = keys[1] ?? keys[2] ?? { xid: 0, seq: 0 };
  const first = keys[0] && compareKeys(keys[0], young) > 0 ? keys[0] : young;
  const res = await db.deleteFrom('stream_events').where(order.compare('<', first)).executeTakeFirst();
  return Number(res.numDeletedRows);
}

function parseDetail(text: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? { ...v } : {};
  } catch {
    return {};
  }
}

export function compareKeys(a: StreamKey, b: StreamKey): number {
  return a.xid !== b.xid ? a.xid - b.xid : a.seq - b.seq;
}
