import type { FastifyRequest } from 'fastify';
import { principalOf } from '../auth/principal.ts';
import type { Executor } from '../jobs/job-queue.ts';
import type { ListRow } from './conversation-list.ts';
import { readableConversation, visibleConversation } from './conversation-lookup.ts';
import { refusal } from './conversation-refusals.ts';

/**
 * For routes: the conversation a request names, if its caller may see it, else 404
 * conversation_not_found (a hidden conversation answers like a missing one, so an agent cannot
 * probe which ids exist). The use case is conversation-lookup.ts.
 */
export async function findVisibleConversation(db: Executor, req: FastifyRequest, id: string): Promise<ListRow> {
  const found = await visibleConversation(db, principalOf(req), id);
  if (!found.ok) throw refusal({ reason: found.reason, id });
  return found.conversation;
}

/** For read routes (detail, notes): as findVisibleConversation, but a user mentioned in a note may read it too. */
export async function findReadableConversation(db: Executor, req: FastifyRequest, id: string): Promise<ListRow> {
  const found = await readableConversation(db, principalOf(req), id);
  if (!found.ok) throw refusal({ reason: found.reason, id });
  return found.conversation;
}

/** Who is acting, as stored in `messages.author` and `notes.author`. */
export function authorOf(req: FastifyRequest): { author: string; userId: string | null } {
  const p = principalOf(req);
  return p.userId ? { author: `agent:${p.userId}`, userId: p.userId } : { author: 'api', userId: null };
}
