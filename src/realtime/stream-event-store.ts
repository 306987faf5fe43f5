import { sql, type SqlBool } from 'kysely';
import type { Executor } from '../jobs/job-queue.ts';
import { SQLITE_DIALECT, type Dialect } from '../storage/dialect.ts';
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

const INSERT = rawQuery(
  `insert into "stream_events" ("at", "type", "conversation_id", "message_id", "user_id", "detail") values (?, ?, ?, ?, ?, ?)`,
);

/** Appends an event to the replay log, in the caller's transaction (it exists only if that commits). */
export async function recordStreamEvent(db: Executor, e: InboxEvent, at: number): Promise<void> {
  await runRaw(db, INSERT, [
    at,
    e.type,
    e.conversationId ?? null,
    e.messageId ?? null,
    e.userId ?? null,
    e.detail ? JSON.stringify(e.detail) : null,
  ]);
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

/** The newest settled event's key: where a stream that replays nothing starts. */
export async function streamHead(db: Executor, dialect: Dialect): Promise<StreamKey> {
  const row = await db
    .selectFrom('stream_events')
    .select(['xid', 'seq'])
    .where(settled(dialect))
    .orderBy('xid', 'desc')
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst();
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
  let q = db
    .selectFrom('stream_events')
    .select(['xid', 'seq', 'type', 'conversation_id', 'message_id', 'user_id', 'detail'])
    .where(sql<SqlBool>`(xid, seq) > (${after.xid}, ${after.seq})`)
    .where(settled(dialect));
  if (upTo) q = q.where(sql<SqlBool>`(xid, seq) <= (${upTo.xid}, ${upTo.seq})`);
  const rows = await q.orderBy('xid').orderBy('seq').limit(limit).execute();
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
export async function pruneStreamEvents(db: Executor, now: number, opts: { maxEvents?: number; maxAgeMs?: number } = {}): Promise<number> {
  const maxEvents = opts.maxEvents ?? STREAM_REPLAY_MAX_EVENTS;
  const maxAgeMs = opts.maxAgeMs ?? STREAM_REPLAY_MAX_AGE_MS;
  const byCount = await db
    .selectFrom('stream_events')
    .select(['xid', 'seq'])
    .orderBy('xid', 'desc')
    .orderBy('seq', 'desc')
    .offset(maxEvents - 1)
    .limit(1)
    .executeTakeFirst();
  const byAge = await db
    .selectFrom('stream_events')
    .select(['xid', 'seq'])
    .where('at', '>=', now - maxAgeMs)
    .orderBy('xid')
    .orderBy('seq')
    .limit(1)
    .executeTakeFirst();
  const keys = [byCount, byAge].map((k) => (k ? { xid: Number(k.xid), seq: Number(k.seq) } : undefined));
  // Keep from the later of the two firsts; with no event young enough, only the newest stays, so
  // a client that saw it and missed nothing since reconnects without a reset.
  const newest = await streamHead(db, SQLITE_DIALECT); // every event, settled or not
  const young = keys[1] ?? newest;
  const first = keys[0] && compareKeys(keys[0], young) > 0 ? keys[0] : young;
  const res = await db.deleteFrom('stream_events').where(sql<SqlBool>`(xid, seq) < (${first.xid}, ${first.seq})`).executeTakeFirst();
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
