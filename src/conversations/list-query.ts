import type { FastifyRequest } from 'fastify';
import { principalOf } from '../auth/principal.ts';
import { HttpError } from '../core/http-error.ts';
import type { ListFilter } from './conversation-list.ts';

const STATUSES = ['active', 'archived', 'closed'] as const;

/** `GET /api/v1/conversations` query string -> a list filter; 400 with a code per bad parameter. */
export function parseListQuery(req: FastifyRequest, now: number): ListFilter {
  const q = (req.query ?? {}) as Record<string, unknown>;
  const one = (name: string): string | undefined => {
    const v = q[name];
    if (v === undefined || v === '') return undefined;
    if (typeof v !== 'string' || v.length > 200) throw bad(`invalid_${name}`, `"${name}" must be given once, as text of at most 200 characters.`);
    return v;
  };
  const limitText = one('limit');
  const limit = limitText === undefined ? 50 : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > 200) throw bad('invalid_limit', 'limit must be a whole number from 1 to 200.');
  const statusText = one('status');
  const status = STATUSES.find((s) => s === statusText);
  if (statusText !== undefined && status === undefined) throw bad('invalid_status', 'status must be active, archived or closed.');
  const f: ListFilter = { limit, now, snoozed: status === 'active' ? 'exclude' : 'any' };
  if (status) f.status = status;

  const snoozed = one('snoozed');
  if (snoozed !== undefined) {
    if (snoozed === 'true') f.snoozed = 'only';
    else if (snoozed === 'false') f.snoozed = 'exclude';
    else if (snoozed === 'all') f.snoozed = 'any';
    else throw bad('invalid_snoozed', 'snoozed must be true (only snoozed), false (none snoozed) or all.');
  }
  const assignee = one('assignee');
  if (assignee === 'me') {
    const userId = principalOf(req).userId;
    if (!userId) throw bad('invalid_assignee', 'assignee=me needs a signed-in user or a token a user owns.');
    f.assignee = userId;
  } else if (assignee !== undefined) f.assignee = assignee; // a user id, or 'none'
  const team = one('team');
  if (team !== undefined) f.teamId = team;
  const label = one('label');
  if (label !== undefined) f.label = label;
  const channel = one('channel');
  if (channel !== undefined) f.channelId = channel;
  const unread = one('unread');
  if (unread !== undefined) {
    if (unread !== 'true' && unread !== 'false') throw bad('invalid_unread', 'unread must be true or false.');
    f.unread = unread === 'true';
  }
  const myUnread = one('my_unread');
  if (myUnread !== undefined) {
    if (myUnread !== 'true' && myUnread !== 'false') throw bad('invalid_my_unread', 'my_unread must be true or false.');
    const userId = principalOf(req).userId;
    if (!userId) throw bad('invalid_my_unread', 'my_unread needs a signed-in user or a token a user owns.');
    f.myUnread = { userId, unread: myUnread === 'true' };
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

export function encodeCursor(at: number, id: string): string {
  return Buffer.from(`${at}:${id}`).toString('base64url');
}

function decodeCursor(cursor: string): { at: number; id: string } {
  const [at, id] = Buffer.from(cursor, 'base64url').toString('utf8').split(':');
  const n = Number(at);
  if (!Number.isFinite(n) || !id) throw bad('invalid_cursor', 'cursor is not one this API returned.');
  return { at: n, id };
}

function bad(code: string, message: string): HttpError {
  return new HttpError(400, code, message);
}
