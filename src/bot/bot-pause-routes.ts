import type { FastifyInstance } from 'fastify';
import { jsonObject } from '../auth/body-fields.ts';
import { HttpError } from '../core/http-error.ts';
import type { Deps } from '../deps.ts';
import { routeDoc, str } from '../http/route-doc.ts';
import { actorOf } from '../routing/routing-routes.ts';
import { pauseBot, releaseBot } from './bot-pause.ts';
import { findVisibleConversation } from '../conversations/conversation-access.ts';
import { botView } from '../conversations/conversation-views.ts';

const tags = ['conversations'];
const BOT_STATE = '{ conversation_id, bot: { paused, paused_by, reason, paused_at, last_activity_at, resumes_at }, changed }';

/**
 * The human override by hand: pause or resume every automated responder (flows, the demo bot)
 * in one conversation. conversations:write; a conversation the caller may not see is 404.
 */
export async function botPauseRoutes(app: FastifyInstance, opts: { deps: Deps }): Promise<void> {
  const { deps } = opts;
  const db = deps.storage.db;

  app.post(
    '/api/v1/conversations/:id/bot/pause',
    routeDoc({
      summary: 'Pause the bot: no flow or demo bot answers in this conversation until it is resumed',
      description:
        'Reason `manual`, `paused_by` the caller (a user id, `token:<id>` or `admin_token`). Already paused: the pause stays as it was (who, why) and counts as agent activity for the idle timeout; `changed` is false. ' +
        'A closed conversation is 409 conversation_closed. Emits conversation.bot_paused when the bot was not paused.',
      tags,
      params: { id: str('conversation id') },
      responses: { 200: BOT_STATE },
    }),
    async (req) => {
      const { id } = req.params as { id: string };
      noFields(req.body);
      const conversation = await findVisibleConversation(db, req, id);
      if (conversation.status === 'closed') throw new HttpError(409, 'conversation_closed', 'This conversation is closed; the bot answers in the customer\'s next conversation.');
      const now = deps.clock.now();
      const changed = await db.transaction().execute((trx) => pauseBot(trx, deps, { conversationId: id, by: actorOf(req), reason: 'manual', now }));
      deps.jobs.wake();
      return { conversation_id: id, bot: botView(await findVisibleConversation(db, req, id)), changed };
    },
  );

  app.post(
    '/api/v1/conversations/:id/bot/resume',
    routeDoc({
      summary: 'Resume the bot: flows and the demo bot answer the customer\'s next message again',
      description:
        'Lifts the pause whoever set it (an assignment, a hand-off, an agent\'s message, a manual pause); the assignee stays. Not paused: `changed` is false. ' +
        'Emits conversation.bot_resumed (reason `resumed`). The next agent message or assignment pauses the bot again.',
      tags,
      params: { id: str('conversation id') },
      responses: { 200: BOT_STATE },
    }),
    async (req) => {
      const { id } = req.params as { id: string };
      noFields(req.body);
      await findVisibleConversation(db, req, id);
      const now = deps.clock.now();
      const ended = await db.transaction().execute((trx) => releaseBot(trx, deps, { conversationId: id, by: actorOf(req), reason: 'resumed', now }));
      deps.jobs.wake();
      return { conversation_id: id, bot: botView(await findVisibleConversation(db, req, id)), changed: ended !== undefined };
    },
  );
}

/** These routes take no fields: no body, or an empty JSON object. */
function noFields(body: unknown): void {
  if (body === undefined || body === null) return;
  jsonObject(body, []);
}
