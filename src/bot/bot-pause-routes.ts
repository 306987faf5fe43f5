import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { HttpError } from '../core/http-error.ts';
import type { Deps } from '../deps.ts';
import { routeSchema } from '../http/route-schema.ts';
import { actorOf } from '../routing/routing-routes.ts';
import { pauseBot, releaseBot } from './bot-pause.ts';
import { findVisibleConversation } from '../conversations/conversation-access.ts';
import { BotState, botPausedExample, botRunningExample, ConversationParams } from '../conversations/conversation-schemas.ts';
import { botView } from '../conversations/conversation-views.ts';

const tags = ['conversations'];
const BotAnswer = (changed: string, example: object) =>
  Type.Object(
    { conversation_id: Type.String(), bot: BotState, changed: Type.Boolean({ description: changed }) },
    { examples: [{ conversation_id: 'conv_01J9Z', bot: example, changed: true }] },
  );

/**
 * The human override by hand: pause or resume every automated responder (flows, the demo bot)
 * in one conversation. conversations:write; a conversation the caller may not see is 404.
 */
export async function botPauseRoutes(fastify: FastifyInstance, opts: { deps: Deps }): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { deps } = opts;
  const db = deps.storage.db;

  app.post(
    '/api/v1/conversations/:id/bot/pause',
    routeSchema({
      summary: 'Pause the bot: no flow or demo bot answers in this conversation until it is resumed',
      description:
        'Reason `manual`, `paused_by` the caller (a user id, `token:<id>` or `admin_token`). Already paused: the pause stays as it was (who, why) and counts as agent activity for the idle timeout; `changed` is false. ' +
        'A closed conversation is 409 conversation_closed. Emits conversation.bot_paused when the bot was not paused.',
      tags,
      params: ConversationParams,
      response: { 200: BotAnswer('false when the bot was paused already', botPausedExample) },
    }),
    async (req) => {
      const { id } = req.params;
      const conversation = await findVisibleConversation(db, req, id);
      if (conversation.status === 'closed')
        throw new HttpError(
          409,
          'conversation_closed',
          "This conversation is closed; the bot answers in the customer's next conversation.",
        );
      const now = deps.clock.now();
      const changed = await db
        .transaction()
        .execute((trx) => pauseBot(trx, deps, { conversationId: id, by: actorOf(req), reason: 'manual', now }));
      deps.jobs.wake();
      return { conversation_id: id, bot: botView(await findVisibleConversation(db, req, id)), changed };
    },
  );

  app.post(
    '/api/v1/conversations/:id/bot/resume',
    routeSchema({
      summary: "Resume the bot: flows and the demo bot answer the customer's next message again",
      description:
        "Lifts the pause whoever set it (an assignment, a hand-off, an agent's message, a manual pause); the assignee stays. Not paused: `changed` is false. " +
        'Emits conversation.bot_resumed (reason `resumed`). The next agent message or assignment pauses the bot again.',
      tags,
      params: ConversationParams,
      response: { 200: BotAnswer('false when the bot was not paused', botRunningExample) },
    }),
    async (req) => {
      const { id } = req.params;
      await findVisibleConversation(db, req, id);
      const now = deps.clock.now();
      const ended = await db
        .transaction()
        .execute((trx) => releaseBot(trx, deps, { conversationId: id, by: actorOf(req), reason: 'resumed', now }));
      deps.jobs.wake();
      return { conversation_id: id, bot: botView(await findVisibleConversation(db, req, id)), changed: ended !== undefined };
    },
  );
}
