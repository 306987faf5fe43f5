import type { FastifyRequest } from 'fastify';
import { principalOf } from '../auth/principal.ts';
import { visibleConversationFilter } from '../auth/visible-conversation-filter.ts';
import { HttpError } from '../core/http-error.ts';
import type { Executor } from '../jobs/job-queue.ts';
import { conversationQuery, type ListRow } from './conversation-list.ts';
import { canSee } from './conversation-visibility.ts';

/**
 * The conversation a request names, if its caller may see it. A hidden conversation answers 404
 * like a missing one, so an agent cannot probe which ids exist.
 */
export async function findVisibleConversation(db: Executor, req: FastifyRequest, id: string): Promise<ListRow> {
  const row = await conversationQuery(db).where('c.id', '=', id).executeTakeFirst();
  if (!row || !canSee(visibleConversationFilter(principalOf(req)), row)) throw new HttpError(404, 'conversation_not_found', `No conversation ${id}.`);
  return row;
}

/**
 * For reads only (detail, notes): like findVisibleConversation, but a user mentioned in one of
 * the conversation's notes may read it even when it is not assigned to them or their team.
 * Writes (reply, assign, status...) keep the visibility rule.
 */
export async function findReadableConversation(db: Executor, req: FastifyRequest, id: string): Promise<ListRow> {
  const row = await conversationQuery(db).where('c.id', '=', id).executeTakeFirst();
  const principal = principalOf(req);
  if (row && canSee(visibleConversationFilter(principal), row)) return row;
  if (row && principal.userId && (await wasMentioned(db, principal.userId, id))) return row;
  throw new HttpError(404, 'conversation_not_found', `No conversation ${id}.`);
}

async function wasMentioned(db: Executor, userId: string, conversationId: string): Promise<boolean> {
  const hit = await db.selectFrom('note_mentions').select('note_id').where('conversation_id', '=', conversationId).where('user_id', '=', userId).limit(1).executeTakeFirst();
  return hit !== undefined;
}

/** Who is acting, as stored in `messages.author` and `notes.author`. */
export function authorOf(req: FastifyRequest): { author: string; userId: string | null } {
  const p = principalOf(req);
  return p.userId ? { author: `agent:${p.userId}`, userId: p.userId } : { author: 'api', userId: null };
}
