import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { authorOf, findVisibleConversation } from '../conversations/conversation-access.ts';
import { canSendFreeForm } from '../conversations/customer-window.ts';
import { HttpError } from '../core/http-error.ts';
import type { Deps } from '../deps.ts';
import { fieldError, Nullable, routeSchema, Timestamp } from '../http/route-schema.ts';
import { queueOutbound } from '../messaging/queue-outbound.ts';
import { AI_MODES, type AiMode, aiModeOf, setAiMode } from './ai-modes.ts';
import { aiNumberSettingsRoutes } from './ai-number-settings-routes.ts';
import { type AiReplyRow, aiRepliesOf, findAiReply } from './ai-replies-store.ts';
import { tokensThisMonth, usageSums } from './ai-usage-store.ts';
import { aiSettingsOf } from './ai-settings.ts';
import { askAssistant, unavailableReason } from './assistant.ts';
import { providerFor } from './choose-provider.ts';
import { summariseConversation } from './summarise-conversation.ts';

const tags = ['ai'];
const convRead = { config: { access: 'conversations:read' as const } };
const convWrite = { config: { access: 'conversations:write' as const } };

const ModeSchema = Type.Enum(['off', 'draft', 'auto'], { description: 'off, draft or auto' });
const ModeBody = Type.Object(
  {
    mode: Nullable(ModeSchema, {
      description: 'null: follow the number (or AI_MODE) again',
      ...fieldError('invalid_mode', 422, '"mode" is off, draft, auto or null.'),
    }),
  },
  { additionalProperties: false, examples: [{ mode: 'auto' }] },
);
const ModeAnswer = Type.Object(
  { mode: ModeSchema, from: Type.Enum(['conversation', 'number', 'default'], { description: 'where the mode comes from' }) },
  { examples: [{ mode: 'auto', from: 'number' }] },
);

const Reply = Type.Object({
  id: Type.String(),
  conversation_id: Nullable(Type.String()),
  channel_id: Nullable(Type.String()),
  mode: Type.String({ description: 'auto, draft, flow or preview' }),
  outcome: Type.String({ description: 'answered, handoff or unavailable' }),
  reason: Nullable(Type.String({ description: 'why it handed off or could not answer' })),
  question: Nullable(Type.String()),
  answer: Nullable(Type.String()),
  confidence: Nullable(Type.Number()),
  provider: Type.String(),
  model: Type.String(),
  draft_state: Nullable(Type.String({ description: 'draft mode: pending, accepted, edited or discarded' })),
  message_id: Nullable(Type.String({ description: 'the message it became, once sent' })),
  created_at: Timestamp(),
  decided_at: Nullable(Timestamp()),
});
const replyExample = {
  id: 'air_0mb1x2y3z0001a1b2c3d4e5f6a7b8',
  conversation_id: 'conv_0mb1x2y3z0001a1b2c3d4e5f6a7b8',
  channel_id: 'ch_0mb1x2y3z0001a1b2c3d4e5f6a7b8',
  mode: 'draft',
  outcome: 'answered',
  reason: null,
  question: '¿A qué hora abren el sábado?',
  answer: 'Atendemos de lunes a viernes de 9:00 a 18:00 y sábados de 9:00 a 13:00.',
  confidence: 1,
  provider: 'offline',
  model: 'kb-extractive-1',
  draft_state: 'pending',
  message_id: null,
  created_at: '2026-05-01T10:00:00.000Z',
  decided_at: null,
};
const ConvParams = Type.Object({ id: Type.String({ description: 'conversation id' }) });

/** The assistant's API (docs/ai.md): status, usage, modes, drafts, the context behind an answer, summaries. */
export async function aiRoutes(fastify: FastifyInstance, opts: { deps: Deps }): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { deps } = opts;
  const db = deps.storage.db;
  aiNumberSettingsRoutes(fastify, deps);

  app.get(
    '/api/v1/ai/status',
    routeSchema(
      {
        summary: 'Which provider answers, and whether the assistant is on (with the reason when it is not)',
        tags,
        response: {
          200: Type.Object(
            {
              provider: Type.String(),
              model: Type.String(),
              default_mode: ModeSchema,
              available: Type.Boolean(),
              unavailable_reason: Nullable(Type.String({ description: 'budget_spent or rate_limited' })),
              tokens_this_month: Type.Integer(),
              monthly_token_budget: Type.Integer({ description: '0: no limit' }),
              requests_per_minute: Type.Integer({ description: '0: no limit' }),
            },
            {
              examples: [
                {
                  provider: 'offline',
                  model: 'kb-extractive-1',
                  default_mode: 'off',
                  available: true,
                  unavailable_reason: null,
                  tokens_this_month: 1234,
                  monthly_token_budget: 0,
                  requests_per_minute: 60,
                },
              ],
            },
          ),
        },
      },
      convRead,
    ),
    async () => {
      const s = aiSettingsOf(deps);
      const p = providerFor(deps);
      const reason = await unavailableReason(deps);
      return {
        provider: p.name,
        model: p.model,
        default_mode: s.defaultMode,
        available: reason === null,
        unavailable_reason: reason,
        tokens_this_month: await tokensThisMonth(db, deps.clock.now()),
        monthly_token_budget: s.monthlyTokenBudget,
        requests_per_minute: s.requestsPerMinute,
      };
    },
  );

  app.get(
    '/api/v1/ai/usage',
    routeSchema({
      summary: 'AI calls, tokens and latency summed by day, number and mode (admin)',
      tags,
      querystring: Type.Object({
        from: Type.Optional(
          Type.String({
            pattern: '^\\d{4}-\\d{2}-\\d{2}$',
            description: 'first day, YYYY-MM-DD (UTC); default 30 days ago',
            ...fieldError('invalid_from', 400, '"from" is a day, YYYY-MM-DD.'),
          }),
        ),
        to: Type.Optional(
          Type.String({
            pattern: '^\\d{4}-\\d{2}-\\d{2}$',
            description: 'last day, YYYY-MM-DD (UTC); default today',
            ...fieldError('invalid_to', 400, '"to" is a day, YYYY-MM-DD.'),
          }),
        ),
        channel_id: Type.Optional(Type.String({ maxLength: 100, description: 'one number only' })),
      }),
      response: {
        200: Type.Object(
          {
            from: Type.String(),
            to: Type.String(),
            data: Type.Array(
              Type.Object({
                day: Type.String(),
                channel_id: Nullable(Type.String()),
                mode: Type.String({ description: 'auto, draft, flow, preview or summary' }),
                provider: Type.String(),
                model: Type.String(),
                calls: Type.Integer(),
                failed: Type.Integer({ description: 'errors and timeouts' }),
                prompt_tokens: Type.Integer(),
                completion_tokens: Type.Integer(),
                latency_ms_avg: Type.Integer(),
              }),
            ),
          },
          {
            examples: [
              {
                from: '2026-05-01',
                to: '2026-05-31',
                data: [
                  {
                    day: '2026-05-02',
                    channel_id: 'ch_01',
                    mode: 'auto',
                    provider: 'openai',
                    model: 'gpt-4o-mini',
                    calls: 12,
                    failed: 1,
                    prompt_tokens: 8400,
                    completion_tokens: 950,
                    latency_ms_avg: 840,
                  },
                ],
              },
            ],
          },
        ),
      },
    }),
    async (req) => {
      const now = deps.clock.now();
      const to = req.query.to ?? day(now);
      const from = req.query.from ?? day(now - 30 * 86_400_000);
      if (from > to) throw new HttpError(400, 'invalid_range', '"from" must not be after "to".');
      return { from, to, data: await usageSums(db, { from, to, ...(req.query.channel_id ? { channelId: req.query.channel_id } : {}) }) };
    },
  );

  app.post(
    '/api/v1/ai/ask',
    routeSchema(
      {
        summary: 'Ask the assistant a question (a preview: nothing is sent)',
        description:
          'With `conversation_id`, it answers as it would in that conversation (its history, contact and linked record). Counts toward usage (mode `preview`).',
        tags,
        body: Type.Object(
          {
            question: Type.String({
              minLength: 1,
              maxLength: 4000,
              ...fieldError('invalid_question', 422, '"question" is 1 to 4,000 characters.'),
            }),
            conversation_id: Type.Optional(Type.String({ maxLength: 100 })),
          },
          { additionalProperties: false, examples: [{ question: '¿A qué hora abren el sábado?' }] },
        ),
        response: { 200: Type.Object(Reply.properties, { examples: [{ ...replyExample, mode: 'preview', draft_state: null }] }) },
      },
      convRead,
    ),
    async (req) => {
      const conv = req.body.conversation_id ? await findVisibleConversation(db, req, req.body.conversation_id) : null;
      const r = await askAssistant(deps, {
        question: req.body.question,
        conversationId: conv?.id ?? null,
        channelId: conv?.channel_id ?? null,
        mode: 'preview',
      });
      // Every outcome is stored (unavailable too: its reason says why the assistant is off).
      return replyView(await mustReply(r.replyId));
    },
  );

  app.get(
    '/api/v1/ai/replies/:id',
    routeSchema(
      {
        summary: 'One AI answer with the context it was given ("why did it say this")',
        tags,
        params: Type.Object({ id: Type.String({ description: 'AI reply id' }) }),
        response: {
          200: Type.Object(
            {
              ...Reply.properties,
              context: Type.Unknown({
                description: 'messages sent to the provider, knowledge passages, contact, linked record, flow variables, token estimate',
              }),
            },
            {
              examples: [
                {
                  ...replyExample,
                  context: {
                    messages: [{ role: 'user', content: '¿A qué hora abren el sábado?' }],
                    passages: [],
                    contact: null,
                    linked_record: null,
                    flow_variables: null,
                    history_messages: 0,
                    tokens: 120,
                  },
                },
              ],
            },
          ),
        },
      },
      convRead,
    ),
    async (req) => {
      const row = await mustReply(req.params.id);
      if (row.conversation_id) await findVisibleConversation(db, req, row.conversation_id);
      return { ...replyView(row), context: JSON.parse(row.context) as unknown };
    },
  );

  app.get(
    '/api/v1/conversations/:id/ai/replies',
    routeSchema({
      summary: "The assistant's answers, drafts and hand-offs in a conversation, newest first",
      tags,
      params: ConvParams,
      response: { 200: Type.Object({ data: Type.Array(Reply) }, { examples: [{ data: [replyExample] }] }) },
    }),
    async (req) => {
      await findVisibleConversation(db, req, req.params.id);
      return { data: (await aiRepliesOf(db, req.params.id)).map(replyView) };
    },
  );

  app.post(
    '/api/v1/conversations/:id/ai/replies/:replyId/decide',
    routeSchema(
      {
        summary: 'Accept, edit or discard a draft in one call (accept and edit send it as the agent)',
        tags,
        params: Type.Object({ id: Type.String({ description: 'conversation id' }), replyId: Type.String({ description: 'AI reply id' }) }),
        body: Type.Object(
          {
            action: Type.Enum(['accept', 'edit', 'discard'], fieldError('invalid_action', 422, '"action" is accept, edit or discard.')),
            text: Type.Optional(
              Type.String({
                minLength: 1,
                maxLength: 4096,
                description: 'with edit: the text to send',
                ...fieldError('invalid_text', 422, '"text" is 1 to 4,096 characters.'),
              }),
            ),
          },
          { additionalProperties: false, examples: [{ action: 'edit', text: 'Abrimos el sábado de 9:00 a 13:00.' }] },
        ),
        response: {
          200: Type.Object(Reply.properties, {
            examples: [
              {
                ...replyExample,
                draft_state: 'edited',
                message_id: 'msg_0mb1x2y3z0001a1b2c3d4e5f6a7b8',
                decided_at: '2026-05-01T10:01:00.000Z',
              },
            ],
          }),
        },
      },
      convWrite,
    ),
    async (req) => {
      const conv = await findVisibleConversation(db, req, req.params.id);
      const { action, text } = req.body;
      if (action === 'edit' && text === undefined) throw new HttpError(422, 'invalid_text', 'edit needs "text".', { field: 'text' });
      if (action !== 'edit' && text !== undefined)
        throw new HttpError(422, 'invalid_text', `"text" goes only with edit.`, { field: 'text' });
      return db.transaction().execute(async (trx) => {
        const row = await trx
          .selectFrom('ai_replies')
          .selectAll()
          .where('id', '=', req.params.replyId)
          .where('conversation_id', '=', conv.id)
          .executeTakeFirst();
        if (!row || row.draft_state === null)
          throw new HttpError(404, 'draft_not_found', `No draft ${req.params.replyId} in this conversation.`);
        if (row.draft_state !== 'pending') throw new HttpError(409, 'draft_decided', `This draft was ${row.draft_state} already.`);
        const now = deps.clock.now();
        let messageId: string | null = null;
        if (action !== 'discard') {
          const window = await canSendFreeForm(trx, { channelId: conv.channel_id, contactId: conv.contact_id }, now);
          if (!window.open) throw new HttpError(422, 'window_closed', 'The 24-hour window is closed: only a template can be sent.');
          const sent = await queueOutbound(trx, deps.jobs, {
            conversationId: conv.id,
            channelId: conv.channel_id,
            content: { type: 'text', text: action === 'edit' ? (text ?? '') : (row.answer ?? '') },
            author: authorOf(req).author,
            now,
          });
          messageId = sent.id;
        }
        const state = action === 'accept' ? 'accepted' : action === 'edit' ? 'edited' : 'discarded';
        // Guarded: two agents deciding at once, only one sends.
        const done = await trx
          .updateTable('ai_replies')
          .set({ draft_state: state, message_id: messageId, decided_at: now })
          .where('id', '=', row.id)
          .where('draft_state', '=', 'pending')
          .executeTakeFirst();
        if (Number(done.numUpdatedRows) === 0) throw new HttpError(409, 'draft_decided', 'This draft was decided already.');
        deps.jobs.wake();
        return replyView({ ...row, draft_state: state, message_id: messageId, decided_at: now });
      });
    },
  );

  app.get(
    '/api/v1/conversations/:id/ai/mode',
    routeSchema({
      summary: "The assistant's mode in a conversation and where it comes from",
      tags,
      params: ConvParams,
      response: { 200: ModeAnswer },
    }),
    async (req) => {
      const conv = await findVisibleConversation(db, req, req.params.id);
      return aiModeOf(db, deps, { id: conv.id, channelId: conv.channel_id });
    },
  );

  app.put(
    '/api/v1/conversations/:id/ai/mode',
    routeSchema({
      summary: "Set this conversation's mode (null: follow its number again)",
      tags,
      params: ConvParams,
      body: ModeBody,
      response: { 200: ModeAnswer },
    }),
    async (req) => {
      const conv = await findVisibleConversation(db, req, req.params.id);
      await setAiMode(db, `conversation:${conv.id}`, modeOf(req.body.mode), deps.clock.now());
      return aiModeOf(db, deps, { id: conv.id, channelId: conv.channel_id });
    },
  );

  app.put(
    '/api/v1/ai/modes/:channelId',
    routeSchema({
      summary: "Set a number's mode (admin; null: AI_MODE again)",
      tags,
      params: Type.Object({ channelId: Type.String({ description: 'the number (channel) id' }) }),
      body: ModeBody,
      response: {
        200: Type.Object({ channel_id: Type.String(), mode: ModeSchema }, { examples: [{ channel_id: 'ch_01', mode: 'auto' }] }),
      },
    }),
    async (req) => {
      const ch = await db.selectFrom('channels').select('id').where('id', '=', req.params.channelId).executeTakeFirst();
      if (!ch) throw new HttpError(404, 'channel_not_found', `No number ${req.params.channelId}.`);
      await setAiMode(db, `channel:${ch.id}`, modeOf(req.body.mode), deps.clock.now());
      return { channel_id: ch.id, mode: req.body.mode ?? aiSettingsOf(deps).defaultMode };
    },
  );

  app.post(
    '/api/v1/conversations/:id/ai/summary',
    routeSchema(
      {
        summary: 'A summary of the conversation (a language model when configured, else one line from the facts)',
        tags,
        params: ConvParams,
        response: {
          200: Type.Object(
            { summary: Type.String(), provider: Type.String() },
            {
              examples: [
                {
                  summary:
                    '6 messages about service_request SR-1042; the customer first wrote "hola" and last "¿cuándo llega el técnico?".',
                  provider: 'offline',
                },
              ],
            },
          ),
        },
      },
      convRead,
    ),
    async (req) => {
      const conv = await findVisibleConversation(db, req, req.params.id);
      const s = await summariseConversation(db, deps, conv.id);
      return { summary: s.text, provider: s.provider };
    },
  );

  async function mustReply(id: string): Promise<AiReplyRow> {
    const row = await findAiReply(db, id);
    if (!row) throw new HttpError(404, 'ai_reply_not_found', `No AI reply ${id}.`);
    return row;
  }
}

function modeOf(m: string | null): AiMode | null {
  return m === null ? null : (AI_MODES.find((x) => x === m) ?? null);
}

function day(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function replyView(r: AiReplyRow) {
  const iso = (n: number | null) => (n === null ? null : new Date(Number(n)).toISOString());
  return {
    id: r.id,
    conversation_id: r.conversation_id,
    channel_id: r.channel_id,
    mode: r.mode,
    outcome: r.outcome,
    reason: r.reason,
    question: r.question,
    answer: r.answer,
    confidence: r.confidence === null ? null : Number(r.confidence),
    provider: r.provider,
    model: r.model,
    draft_state: r.draft_state,
    message_id: r.message_id,
    created_at: new Date(Number(r.created_at)).toISOString(),
    decided_at: iso(r.decided_at),
  };
}
