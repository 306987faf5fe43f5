import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { refuseUnknownFields } from '../auth/body-fields.ts';
import { principalOf } from '../auth/principal.ts';
import { visibleConversationFilter } from '../auth/visible-conversation-filter.ts';
import { HttpError } from '../core/http-error.ts';
import { normalizePhone, waIdVariants } from '../core/phone.ts';
import type { Deps } from '../deps.ts';
import { fieldError, Nullable, routeSchema } from '../http/route-schema.ts';
import { queueOutbound } from '../messaging/queue-outbound.ts';
import { checkContactNotBlocked } from '../contacts/refuse-blocked.ts';
import { bsuidField } from '../contacts/bsuid-field.ts';
import { findByBsuid } from '../contacts/whatsapp-contact-store.ts';
import { actorOf } from '../routing/routing-routes.ts';
import { pauseBot } from '../bot/bot-pause.ts';
import { authorOf } from './conversation-access.ts';
import { conversationQuery } from './conversation-list.ts';
import { refusal } from './conversation-refusals.ts';
import { Conversation, conversationExample, Message, messageExample } from './conversation-schemas.ts';
import { openConversation } from '../messaging/open-conversation.ts';
import { conversationApiView, messageView } from './conversation-views.ts';
import { checkConversationNotHidden } from './refuse-hidden-conversation.ts';
import { parseReply } from './reply-content.ts';
import { sendTemplateFromRequest } from '../templates/send-template.ts';
import { parseTemplateSendBody, templateSendError } from '../templates/template-http.ts';
import { checkWindowOpen } from '../messaging/window-guard.ts';

const id200 = (name: string) => `"${name}" must be a non-empty string of at most 200 characters.`;
const START_BODY = Type.Object(
  {
    phone: Type.Optional(
      Type.String({
        minLength: 1,
        description: 'E.164, e.g. +5215512345678',
        ...fieldError('invalid_phone', 422, '"phone" must be a phone number in E.164 form, like +14155550123 (or give "bsuid").'),
      }),
    ),
    bsuid: Type.Optional(
      Type.String({
        minLength: 1,
        description: 'instead of phone: a business-scoped user ID, e.g. US.13491208655302741918',
        ...fieldError(
          'invalid_bsuid',
          422,
          '"bsuid" must be a WhatsApp business-scoped user ID as webhooks give it, like US.13491208655302741918.',
        ),
      }),
    ),
    contact_id: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 200,
        description: 'with template only: instead of phone or bsuid, a contact id',
        ...fieldError('invalid_contact_id', 400, id200('contact_id')),
      }),
    ),
    channel_id: Type.Optional(
      Nullable(
        Type.String({ minLength: 1, maxLength: 200, description: 'the number to send from; optional with one number' }),
        fieldError('invalid_channel_id', 400, id200('channel_id')),
      ),
    ),
    text: Type.Optional(
      Type.String({
        description: 'the text, up to 4096 characters (without template)',
        ...fieldError('text_required', 422, '"text" must be a non-empty string.'),
      }),
    ),
    template: Type.Optional(
      Type.String({
        description: 'instead of text: an approved template, by id (tpl_...) or name',
        ...fieldError('template_required', 400, 'template (a template id or name) is required.'),
      }),
    ),
    language: Type.Optional(
      Type.String({
        description: 'with template: its language, e.g. es_MX',
        ...fieldError('bad_request', 400, 'language must be a string such as es_MX.'),
      }),
    ),
    parameters: Type.Optional(Type.Unknown({ description: 'with template: the values of its parameters (docs/templates.md)' })),
    override_opt_in: Type.Optional(
      Type.Unknown({ description: 'with template: {"reason"} to send to a contact who has not opted in (3 to 500 characters), or null' }),
    ),
  },
  {
    additionalProperties: false,
    description:
      'A text (phone or bsuid, text, channel_id) or, with `template`, a template (phone, bsuid or contact_id, channel_id, template, language, parameters, override_opt_in)',
    examples: [
      { phone: '+5215512345678', text: 'Your order ships today.' },
      { phone: '+5215512345678', template: 'order_update', language: 'es_MX', parameters: { body: ['A-1042'] } },
    ],
  },
);
const TEXT_FIELDS = ['phone', 'bsuid', 'text', 'channel_id'];

const TextSent = Type.Object(
  { conversation: Conversation, message: Message },
  { description: 'a text: the conversation and the queued message' },
);
const TemplateSent = Type.Object(
  {
    message: Type.Object({
      id: Type.String(),
      conversation_id: Type.String(),
      status: Type.String(),
      created_at: Type.String({ format: 'date-time' }),
    }),
    template: Type.Object({ id: Type.String(), name: Type.String(), language: Type.String(), category: Type.String() }),
    rendered: Type.Object(
      {
        header: Nullable(Type.String()),
        header_media: Nullable(
          Type.Object({
            type: Type.String(),
            id: Type.Optional(Type.String()),
            link: Type.Optional(Type.String()),
            filename: Type.Optional(Type.String()),
            latitude: Type.Optional(Type.Number()),
            longitude: Type.Optional(Type.Number()),
            name: Type.Optional(Type.String()),
            address: Type.Optional(Type.String()),
          }),
        ),
        body: Type.String(),
        footer: Nullable(Type.String()),
        buttons: Type.Array(
          Type.Object({
            index: Type.Integer(),
            type: Type.String(),
            text: Type.String(),
            url: Type.Optional(Type.String()),
            phone_number: Type.Optional(Type.String()),
            code: Type.Optional(Type.String()),
            payload: Type.Optional(Type.String()),
          }),
        ),
        text: Type.String({ description: 'the whole message as plain text' }),
      },
      { description: 'the message as the customer will see it' },
    ),
    business_initiated: Type.Boolean({ description: 'false when the customer wrote in the last 24 hours' }),
    price_estimate: Type.Object({ amount: Type.Number(), currency: Type.String() }),
    opt_in_override: Nullable(Type.Object({ reason: Type.String() })),
  },
  { description: 'a template: what was queued (as POST /api/v1/templates/{id}/send answers)' },
);
const textExample = {
  conversation: { ...conversationExample, assignee: null, bot: { ...conversationExample.bot, reason: 'agent_message' } },
  message: messageExample,
};

/**
 * `POST /api/v1/conversations`: a direct message to a phone number. WhatsApp allows a free-form
 * message only inside the customer's 24-hour window, which a new contact never has: then the
 * answer is the same 422 window_closed as a reply, and nothing is created (the template path
 * can open a conversation with anyone).
 */
export async function startConversationRoutes(fastify: FastifyInstance, opts: { deps: Deps }): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { deps } = opts;
  const db = deps.storage.db;

  app.post(
    '/api/v1/conversations',
    routeSchema({
      summary: 'Start (or continue) a conversation with a phone number or BSUID by sending a text or a template',
      description:
        "Finds the contact by phone (E.164) or by `bsuid` (a business-scoped user ID, for customers who hide their number). Inside the customer's 24-hour window the text is queued in their open conversation (a new one when the last was closed): 202. " +
        'Outside it, which is always the case for a contact who never wrote: 422 window_closed with template_required: true and details.templates, and nothing is created. ' +
        'With `template` (plus `language`, `parameters`, `override_opt_in`) it sends an approved template instead: no window applies, and the contact and conversation are created when needed (see docs/templates.md). ' +
        'A text pauses the bot in the conversation (reason agent_message); a template does so only when a signed-in user sends it. ' +
        "403 conversation_hidden when the customer's conversation is assigned to someone the caller may not see; 422 contact_blocked for a blocked contact.",
      tags: ['conversations'],
      body: START_BODY,
      response: { 202: Type.Union([TextSent, TemplateSent], { examples: [textExample] }) },
    }),
    async (req, reply) => {
      const b = req.body;
      // With `template`, the templates module sends it: no window applies, the contact may be new.
      if (b.template !== undefined) {
        const to = { phone: b.phone, bsuid: b.bsuid, contactId: b.contact_id, channelId: b.channel_id ?? undefined };
        const result = await sendTemplateFromRequest(deps, principalOf(req), to, parseTemplateSendBody(b));
        if (!result.ok) throw templateSendError(result);
        return reply.status(202).send(result.sent);
      }
      refuseUnknownFields(b, TEXT_FIELDS);
      if (b.phone !== undefined && b.bsuid !== undefined)
        throw new HttpError(422, 'one_recipient', 'Give "phone" or "bsuid", not both.', { field: 'bsuid' });
      // A customer who hides their number is known by their business-scoped user ID (docs/whatsapp-identity.md).
      const bsuid = b.bsuid !== undefined ? bsuidField(b.bsuid) : undefined;
      let waId: string | undefined;
      if (bsuid === undefined) {
        if (b.phone === undefined)
          throw new HttpError(422, 'invalid_phone', '"phone" must be a phone number in E.164 form, like +14155550123 (or give "bsuid").', {
            field: 'phone',
          });
        const phone = normalizePhone(b.phone);
        if (!phone.ok) throw new HttpError(422, 'invalid_phone', `"phone": ${phone.message}.`, { field: 'phone', reason: phone.reason });
        waId = phone.waId;
      }
      const { content } = parseReply({ type: 'text', text: b.text });
      const channelId = pickChannelId(deps, b.channel_id);
      const now = deps.clock.now();

      const contact = bsuid
        ? await findByBsuid(db, bsuid)
        : await db
            .selectFrom('contacts')
            .select('id')
            .where('channel_kind', '=', 'whatsapp')
            .where('external_id', 'in', waIdVariants(waId ?? ''))
            .executeTakeFirst();
      // The window is the customer's, per number: it may still be open after a conversation closed.
      const last = contact
        ? await db
            .selectFrom('conversations')
            .select((eb) => eb.fn.max('last_customer_message_at').as('at'))
            .where('channel_id', '=', channelId)
            .where('contact_id', '=', contact.id)
            .executeTakeFirst()
        : undefined;
      const lastAt = last?.at === null || last?.at === undefined ? null : Number(last.at);
      const window = await checkWindowOpen(db, channelId, lastAt, now);
      if (!window.ok) throw refusal(window);
      if (!contact) throw new Error('unreachable: a window is open only for a contact who wrote');
      const contactId = contact.id;
      const blocked = await checkContactNotBlocked(db, { contactId, channelKind: deps.channels.byId(channelId)?.kind ?? 'whatsapp' });
      if (!blocked.ok) throw refusal(blocked);

      const result = await db.transaction().execute(async (trx) => {
        // Their current conversation may be someone else's: 403 before anything is written (the same check as templates).
        const shown = await checkConversationNotHidden(trx, visibleConversationFilter(principalOf(req)), { channelId, contactId });
        if (!shown.ok) return shown;
        // The contact exists (it wrote): keep the id WhatsApp knows it by, which may be a variant of phone.waId.
        const conversation = await openConversation(trx, { channelId, contactId, now }, deps.jobs);
        // A conversation started after a closed one carries the customer's window with it, so
        // replies in it follow the same 24-hour rule as this first message.
        if (conversation.last_customer_message_at === null) {
          await trx.updateTable('conversations').set({ last_customer_message_at: lastAt }).where('id', '=', conversation.id).execute();
        }
        const message = await queueOutbound(trx, deps.jobs, {
          conversationId: conversation.id,
          channelId,
          content,
          author: authorOf(req).author,
          now,
        });
        // A person (or an integration) writes to the customer: the bot steps aside, as for a reply.
        await pauseBot(trx, deps, { conversationId: conversation.id, by: actorOf(req), reason: 'agent_message', now });
        return {
          ok: true as const,
          row: await conversationQuery(trx).where('c.id', '=', conversation.id).executeTakeFirstOrThrow(),
          message,
        };
      });
      if (!result.ok) throw refusal(result);
      deps.jobs.wake();
      return reply.status(202).send({ conversation: conversationApiView(result.row, now), message: messageView(result.message) });
    },
  );
}

function pickChannelId(deps: Deps, value: string | null | undefined): string {
  if (value !== undefined && value !== null) {
    if (!deps.channels.byId(value)) throw new HttpError(422, 'channel_not_found', `No channel ${value}.`, { field: 'channel_id' });
    return value;
  }
  const all = deps.channels.all();
  if (all.length === 1 && all[0]) return all[0].id;
  throw new HttpError(
    422,
    'channel_required',
    `Name the channel: "channel_id" is one of ${all.map((c) => c.id).join(', ') || '(none configured)'}.`,
    { field: 'channel_id' },
  );
}
