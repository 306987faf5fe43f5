import type { FastifyInstance } from 'fastify';
import { jsonObject, optionalStringField } from '../auth/body-fields.ts';
import { principalOf } from '../auth/principal.ts';
import { visibleConversationFilter } from '../auth/visible-conversation-filter.ts';
import { HttpError } from '../core/http-error.ts';
import { normalizePhone, waIdVariants } from '../core/phone.ts';
import type { Deps } from '../deps.ts';
import { obj, routeDoc, str } from '../http/route-doc.ts';
import { queueOutbound } from '../messaging/queue-outbound.ts';
import { refuseBlockedContact } from '../contacts/refuse-blocked.ts';
import { bsuidField, findByBsuid } from '../contacts/whatsapp-contact-store.ts';
import { actorOf } from '../routing/routing-routes.ts';
import { pauseBot } from '../bot/bot-pause.ts';
import { authorOf } from './conversation-access.ts';
import { conversationQuery } from './conversation-list.ts';
import { openConversation } from '../messaging/open-conversation.ts';
import { conversationView, messageView } from './conversation-views.ts';
import { refuseHiddenConversation } from './refuse-hidden-conversation.ts';
import { parseReply } from './reply-content.ts';
import { sendTemplateFromRequest, TEMPLATE_SEND_FIELDS } from '../templates/send-template.ts';
import { assertWindowOpen } from '../messaging/window-guard.ts';

/**
 * `POST /api/v1/conversations`: a direct message to a phone number. WhatsApp allows a free-form
 * message only inside the customer's 24-hour window, which a new contact never has: then the
 * answer is the same 422 window_closed as a reply, and nothing is created (the template path,
 * which can open a conversation with anyone, comes with templates).
 */
export async function startConversationRoutes(app: FastifyInstance, opts: { deps: Deps }): Promise<void> {
  const { deps } = opts;
  const db = deps.storage.db;

  app.post(
    '/api/v1/conversations',
    routeDoc({
      summary: 'Start (or continue) a conversation with a phone number or BSUID by sending a text',
      description:
        'Finds the contact by phone (E.164) or by `bsuid` (a business-scoped user ID, for customers who hide their number). Inside the customer\'s 24-hour window the text is queued in their open conversation (a new one when the last was closed): 202. ' +
        'Outside it, which is always the case for a contact who never wrote: 422 window_closed with template_required: true and details.templates, and nothing is created. ' +
        'With `template` (plus `language`, `parameters`, `override_opt_in`) it sends an approved template instead: no window applies, and the contact and conversation are created when needed (see docs/templates.md). ' +
        'A text pauses the bot in the conversation (reason agent_message); a template does so only when a signed-in user sends it.',
      tags: ['conversations'],
      body: obj({ phone: str('E.164, e.g. +5215512345678'), bsuid: str('instead of phone: a business-scoped user ID, e.g. US.13491208655302741918'), text: str('up to 4096 characters'), channel_id: str('optional with one number') }, ['text']),
      responses: { 202: '{ conversation, message }' },
    }),
    async (req, reply) => {
      // With `template`, the templates module sends it: no window applies, the contact may be new.
      if (typeof req.body === 'object' && req.body !== null && 'template' in req.body) {
        const t = jsonObject(req.body, ['phone', 'bsuid', 'contact_id', 'channel_id', ...TEMPLATE_SEND_FIELDS]);
        const to = {
          phone: optionalStringField(t.phone, 'phone'),
          bsuid: optionalStringField(t.bsuid, 'bsuid'),
          contactId: optionalStringField(t.contact_id, 'contact_id'),
          channelId: optionalStringField(t.channel_id, 'channel_id'),
        };
        const result = await sendTemplateFromRequest(deps, principalOf(req), to, t);
        return reply.status(202).send(result);
      }
      const b = jsonObject(req.body, ['phone', 'bsuid', 'text', 'channel_id']);
      if (b.phone !== undefined && b.bsuid !== undefined) throw new HttpError(422, 'one_recipient', 'Give "phone" or "bsuid", not both.', { field: 'bsuid' });
      // A customer who hides their number is known by their business-scoped user ID (docs/whatsapp-identity.md).
      const bsuid = b.bsuid !== undefined ? bsuidField(b.bsuid) : undefined;
      let waId: string | undefined;
      if (bsuid === undefined) {
        if (typeof b.phone !== 'string') throw new HttpError(422, 'invalid_phone', '"phone" must be a phone number in E.164 form, like +14155550123 (or give "bsuid").', { field: 'phone' });
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
      await assertWindowOpen(db, channelId, lastAt, now);
      if (!contact) throw new Error('unreachable: a window is open only for a contact who wrote');
      const contactId = contact.id;
      await refuseBlockedContact(db, { contactId });

      const result = await db.transaction().execute(async (trx) => {
        // Their current conversation may be someone else's: 403 before anything is written (the same check as templates).
        await refuseHiddenConversation(trx, visibleConversationFilter(principalOf(req)), { channelId, contactId });
        // The contact exists (it wrote): keep the id WhatsApp knows it by, which may be a variant of phone.waId.
        const conversation = await openConversation(trx, { channelId, contactId, now }, deps.jobs);
        // A conversation started after a closed one carries the customer's window with it, so
        // replies in it follow the same 24-hour rule as this first message.
        if (conversation.last_customer_message_at === null) {
          await trx.updateTable('conversations').set({ last_customer_message_at: lastAt }).where('id', '=', conversation.id).execute();
        }
        const message = await queueOutbound(trx, deps.jobs, { conversationId: conversation.id, channelId, content, author: authorOf(req).author, now });
        // A person (or an integration) writes to the customer: the bot steps aside, as for a reply.
        await pauseBot(trx, deps, { conversationId: conversation.id, by: actorOf(req), reason: 'agent_message', now });
        return { row: await conversationQuery(trx).where('c.id', '=', conversation.id).executeTakeFirstOrThrow(), message };
      });
      deps.jobs.wake();
      return reply.status(202).send({ conversation: conversationView(result.row, now), message: messageView(result.message) });
    },
  );
}

function pickChannelId(deps: Deps, value: unknown): string {
  if (value !== undefined && value !== null) {
    if (typeof value !== 'string' || !deps.channels.byId(value)) throw new HttpError(422, 'channel_not_found', `No channel ${String(value)}.`, { field: 'channel_id' });
    return value;
  }
  const all = deps.channels.all();
  if (all.length === 1 && all[0]) return all[0].id;
  throw new HttpError(422, 'channel_required', `Name the channel: "channel_id" is one of ${all.map((c) => c.id).join(', ') || '(none configured)'}.`, { field: 'channel_id' });
}
