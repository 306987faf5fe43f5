import { sql, type SqlBool } from 'kysely';
import type { FastifyRequest } from 'fastify';
import type { ConversationVisibility } from '../auth/visible-conversation-filter.ts';
import { HttpError } from '../core/http-error.ts';
import type { Executor } from '../jobs/job-queue.ts';
import type { Dialect } from '../storage/dialect.ts';
import { conversationQuery, type ListRow } from './conversation-list.ts';
import { visibilitySql } from './conversation-visibility.ts';

/** A place in the change order: (sync_seq, id); `0` is the beginning. */
export interface ChangeCursor {
  seq: number;
  id: string;
}

const ALLOWED = new Set(['updated_since', 'limit']);

/** `updated_since` and `limit` of `GET /api/v1/conversations?updated_since=`; 400 with a code otherwise. */
export function parseChangesQuery(req: FastifyRequest): { since: ChangeCursor; limit: number } {
  const q = (req.query ?? {}) as Record<string, unknown>;
  const other = Object.keys(q).find((k) => !ALLOWED.has(k) && q[k] !== undefined && q[k] !== '');
  if (other !== undefined) throw bad('invalid_updated_since', `updated_since pages every conversation in change order and takes only limit, not "${other}".`);
  const text = q.updated_since;
  if (typeof text !== 'string' || text.length > 200) throw bad('invalid_updated_since', 'updated_since must be given once: 0 to start, then the next_cursor of the previous page.');
  const since = decodeChangeCursor(text);
  if (!since) throw bad('invalid_updated_since', 'updated_since must be 0 to start, or a next_cursor this API returned.');
  const limitText = q.limit;
  const limit = limitText === undefined || limitText === '' ? 100 : Number(limitText);
  if (typeof limitText === 'object' || !Number.isInteger(limit) || limit < 1 || limit > 500) throw bad('invalid_limit', 'limit must be a whole number from 1 to 500.');
  return { since, limit };
}

export function encodeChangeCursor(c: ChangeCursor): string {
  return c.seq === 0 && c.id === '' ? '0' : `${c.seq}.${Buffer.from(c.id).toString('base64url')}`;
}

function decodeChangeCursor(text: string): ChangeCursor | undefined {
  if (text === '0') return { seq: 0, id: '' };
  const m = /^(\d{1,18})\.([A-Za-z0-9_-]{1,200})$/.exec(text);
  if (!m) return undefined;
  return { seq: Number(m[1]), id: Buffer.from(m[2] ?? '', 'base64url').toString('utf8') };
}

/**
 * Conversations changed after `since`, in change order (sync_seq, id), oldest change first. A
 * conversation that changes again moves to the end, so a client that pages to the end and keeps
 * polling from the last cursor sees every conversation's latest state. On PostgreSQL only changes
 * of ended transactions are returned (sync_seq is the writer's xid, below the oldest running
 * one: see 0018-sync-change-seq), so nothing committed later can land behind a cursor.
 */
export async function listChangedConversations(db: Executor, dialect: Dialect, since: ChangeCursor, limit: number, visibility: ConversationVisibility): Promise<Array<ListRow & { sync_seq: number }>> {
  let query = conversationQuery(db).where(sql<SqlBool>`(${sql.ref('c.sync_seq')}, ${sql.ref('c.id')}) > (${since.seq}, ${since.id})`);
  if (dialect.changesCommitOutOfOrder) query = query.where(dialect.settledBelowRunningTransactions(sql.ref('c.sync_seq')));
  const visible = visibilitySql(visibility, 'c');
  if (visible) query = query.where(visible);
  return query.orderBy('c.sync_seq').orderBy('c.id').limit(limit + 1).execute();
}

function bad(code: string, message: string): HttpError {
  return new HttpError(400, code, message);
}
