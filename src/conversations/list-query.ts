import { HttpError } from '../core/http-error.ts';
import type { ChangeCursor } from './conversation-changes.ts';
import type { ListFilter } from './conversation-list.ts';

/**
 * The HTTP side of the conversation lists, for routes only: the query string (its types and
 * enums are declared in conversation-routes.ts; what needs more than a schema is checked here)
 * -> a list filter, and the cursors. Each bad parameter is 400 with its own code.
 */

export interface ListQuery {
  status?: 'active' | 'archived' | 'closed';
  snoozed?: 'true' | 'false' | 'all';
  assignee?: string;
  team?: string;
  label?: string;
  channel?: string;
  unread?: 'true' | 'false';
  my_unread?: 'true' | 'false';
  q?: string;
  record_type?: string;
  record_id?: string;
  limit?: string;
  cursor?: string;
  updated_since?: string;
}

/** `GET /api/v1/conversations` query string -> a list filter; `userId` is the caller's user, if any. */
export function parseListQuery(query: ListQuery, userId: string | undefined, now: number): ListFilter {
  const q: Record<string, string | undefined> = { ...query };
  const one = (name: keyof ListQuery): string | undefined => (q[name] === '' ? undefined : q[name]);
  const limitText = one('limit');
  const limit = limitText === undefined ? 50 : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > 200) throw bad('invalid_limit', 'limit must be a whole number from 1 to 200.');
  const status = query.status;
  const f: ListFilter = { limit, now, snoozed: status === 'active' ? 'exclude' : 'any' };
  if (status) f.status = status;
  const snoozed = query.snoozed;
  if (snoozed === 'true') f.snoozed = 'only';
  else if (snoozed === 'false') f.snoozed = 'exclude';
  else if (snoozed === 'all') f.snoozed = 'any';
  const assignee = one('assignee');
  if (assignee === 'me') {
    if (!userId) throw bad('invalid_assignee', 'assignee=me needs a signed-in user or a token a user owns.');
    f.assignee = userId;
  } else if (assignee !== undefined) f.assignee = assignee; // a user id, or 'none'
  const team = one('team');
  if (team !== undefined) f.teamId = team;
  const label = one('label');
  if (label !== undefined) f.label = label;
  const channel = one('channel');
  // A channel kind (every WhatsApp number, every Telegram bot) or one channel's id.
  if (channel === 'whatsapp' || channel === 'telegram') f.channelKind = channel;
  else if (channel !== undefined) f.channelId = channel;
  if (query.unread !== undefined) f.unread = query.unread === 'true';
  if (query.my_unread !== undefined) {
    if (!userId) throw bad('invalid_my_unread', 'my_unread needs a signed-in user or a token a user owns.');
    f.myUnread = { userId, unread: query.my_unread === 'true' };
  }
  const text = one('q');
  // A NUL cannot be stored in PostgreSQL text nor searched in SQLite: refuse it rather than fail.
  if (text?.includes('\u0000')) throw bad('invalid_q', '"q" cannot hold a NUL character.');
  if (text !== undefined) f.q = text;
  const recordType = one('record_type');
  const recordId = one('record_id');
  if (recordId !== undefined && recordType === undefined) throw bad('invalid_record_type', 'record_id needs record_type too.');
  if (recordType !== undefined) f.record = recordId !== undefined ? { type: recordType, id: recordId } : { type: recordType };
  const cursor = one('cursor');
  if (cursor !== undefined) f.cursor = decodeCursor(cursor);
  return f;
}

/** `updated_since` and `limit` of `GET /api/v1/conversations?updated_since=` (it takes no other parameter). */
export function parseChangesQuery(query: ListQuery): { since: ChangeCursor; limit: number } {
  const q: Record<string, string | undefined> = { ...query };
  const other = Object.keys(q).find((k) => k !== 'updated_since' && k !== 'limit' && q[k] !== undefined && q[k] !== '');
  if (other !== undefined)
    throw bad('invalid_updated_since', `updated_since pages every conversation in change order and takes only limit, not "${other}".`);
  const since = decodeChangeCursor(query.updated_since ?? '');
  if (!since) throw bad('invalid_updated_since', 'updated_since must be 0 to start, or a next_cursor this API returned.');
  const limit = query.limit === undefined || query.limit === '' ? 100 : Number(query.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw bad('invalid_limit', 'limit must be a whole number from 1 to 500.');
  return { since, limit };
}

export function encodeCursor(at: number, id: string): string {
  return Buffer.from(`${at}:${id}`).toString('base64url');
}

function decodeCursor(cursor: string): { at: number; id: string } {
  const [at, id] = Buffer.from(cursor, 'base64url').toString('utf8').split(':');
  const n = Number(at);
  if (!Number.isFinite(n) || !id) throw bad('invalid_cursor', 'cursor is not one this API returned.');
  return { at: n, id };
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

function bad(code: string, message: string): HttpError {
  return new HttpError(400, code, message);
}
