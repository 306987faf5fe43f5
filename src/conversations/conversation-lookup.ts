import type { Principal } from '../auth/principal.ts';
import { visibleConversationFilter } from '../auth/visible-conversation-filter.ts';
import type { Executor } from '../jobs/job-queue.ts';
import { conversationQuery, type ListRow } from './conversation-list.ts';
import { canSee } from './conversation-visibility.ts';

/** A conversation found for a caller, or why not: a hidden one is `conversation_not_found` like a missing one, so ids cannot be probed. */
export type ConversationLookup = { ok: true; conversation: ListRow } | { ok: false; reason: 'conversation_not_found' };

/** The conversation `id`, if `principal` may see it (writes and reads alike). */
export async function visibleConversation(db: Executor, principal: Principal, id: string): Promise<ConversationLookup> {
  const row = await conversationQuery(db).where('c.id', '=', id).executeTakeFirst();
  if (!row || !canSee(visibleConversationFilter(principal), row)) return { ok: false, reason: 'conversation_not_found' };
  return { ok: true, conversation: row };
}

/**
 * For reads only (detail, notes): like visibleConversation, but a user mentioned in one of the
 * conversation's notes may read it even when it is not assigned to them or their team. Writes
 * (reply, assign, status...) keep the visibility rule.
 */
export async function readableConversation(db: Executor, principal: Principal, id: string): Promise<ConversationLookup> {
  const row = await conversationQuery(db).where('c.id', '=', id).executeTakeFirst();
  if (row && canSee(visibleConversationFilter(principal), row)) return { ok: true, conversation: row };
  if (row && principal.userId && (await wasMentioned(db, principal.userId, id))) return { ok: true, conversation: row };
  return { ok: false, reason: 'conversation_not_found' };
}

async function wasMentioned(db: Executor, userId: string, conversationId: string): Promise<boolean> {
  const hit = await db
    .selectFrom('note_mentions')
    .select('note_id')
    .where('conversation_id', '=', conversationId)
    .where('user_id', '=', userId)
    .limit(1)
    .executeTakeFirst();
  return hit !== undefined;
}
