import type { FastifyInstance } from 'fastify';
import { principalOf } from '../auth/principal.ts';
import { markReadFor } from './conversation-reads.ts';
import { HttpError } from '../core/http-error.ts';
import type { Deps } from '../deps.ts';
import { obj, routeDoc, str } from '../http/route-doc.ts';
import { queueOutbound } from '../messaging/queue-outbound.ts';
import { findOutbound, markOutboundSent, resendOutbound, resentAs } from '../messaging/resolve-outbound.ts';
import { refuseBlockedContact } from '../contacts/refuse-blocked.ts';
import { actorOf } from '../routing/routing-routes.ts';
import { pauseBot } from '../bot/bot-pause.ts';
import { authorOf, findVisibleConversation } from './conversation-access.ts';
import { messageView } from './conversation-views.ts';
import { findMessageExternalId, latestInbound } from './message-store.ts';
import { parseReply, REPLY_TYPES } from './reply-content.ts';
import { assertWindowOpen } from '../messaging/window-guard.ts';
import { enqueueJob } from '../jobs/job-definition.ts';
import { JOBS } from '../jobs/job-catalog.ts';

const tags = ['messages'];

const REPLY_BODY = obj({
  type: str('default text', { enum: [...REPLY_TYPES] }),
  text: str('text: up to 4096 characters'),
  reply_to: str('our message id or its wamid: quoted as WhatsApp context'),
  media_id: str('image/video/audio/document/sticker: an id from POST /api/v1/media'),
  link: str('…or a public http(s) URL of the media'),
  caption: str('image/video/document: up to 1024 characters'),
  filename: str('document only: up to 240 characters'),
  latitude: { type: 'number' },
  longitude: { type: 'number' },
  name: str('location name'),
  address: str('location address'),
  contacts: {
    type: 'array',
    maxItems: 20,
    description: 'contacts: 1 to 20 contact cards as WhatsApp takes them: name.formatted_name required; phones, emails, urls, addresses (lists of objects), org (object), birthday (YYYY-MM-DD) optional',
    items: { type: 'object', additionalProperties: true, properties: { name: obj({ formatted_name: str('required'), first_name: str('optional'), last_name: str('optional') }) } },
  },
  body: str('buttons / cta_url (up to 1024), list (up to 4096): the message text'),
  header: str('buttons/list/cta_url: up to 60 characters'),
  footer: str('buttons/list/cta_url: up to 60 characters'),
  buttons: { type: 'array', maxItems: 3, description: 'buttons: 1 to 3 of {id, title (up to 20 characters)}', items: obj({ id: str('up to 256'), title: str('up to 20') }) },
  button: str('list: the button label, up to 20 characters'),
  sections: {
    type: 'array',
    maxItems: 10,
    description: 'list: sections of rows (10 rows in all; row title up to 24, description up to 72)',
    items: obj({ title: str('up to 24'), rows: { type: 'array', items: obj({ id: str('up to 200'), title: str('up to 24'), description: str('up to 72') }) } }),
  },
  display_text: str('cta_url: the button label, up to 20 characters'),
  url: str('cta_url: the absolute http(s) URL the button opens'),
  message_id: str('reaction: our message id or its wamid'),
  emoji: str('reaction: one emoji, or "" to remove'),
});

/** Replying: send any supported message type within the 24-hour window, and mark as read. */
export async function messageRoutes(app: FastifyInstance, opts: { deps: Deps }): Promise<void> {
  const { deps } = opts;
  const db = deps.storage.db;

  app.post(
    '/api/v1/conversations/:id/messages',
    routeDoc({
      summary: 'Reply: text, media, location, contacts, buttons, list, cta_url, reaction; optionally quoting a message',
      description:
        'Checked against WhatsApp\'s limits before it is queued (422 with `details.field`). Outside the customer\'s 24-hour window: ' +
        '422 window_closed with `details.window_closed_at` and `template_required: true`. Answers 202 with the queued message; its status then moves to accepted, sent, delivered, read or failed. ' +
        'Pauses the bot in the conversation (reason agent_message; see POST /api/v1/conversations/{id}/bot/resume), whoever sends it: a signed-in agent or an API token.',
      tags,
      params: { id: str('conversation id') },
      body: REPLY_BODY,
      responses: { 202: 'the queued message' },
    }),
    async (req, reply) => {
      const { id } = req.params as { id: string };
      const parsed = parseReply(req.body);
      const conversation = await findVisibleConversation(db, req, id);
      if (conversation.status === 'closed') throw new HttpError(409, 'conversation_closed', 'This conversation is closed; a new one starts when the customer writes.');
      const now = deps.clock.now();
      await assertWindowOpen(db, conversation.channel_id, conversation.last_customer_message_at, now);
      await refuseBlockedContact(db, { conversationId: id });
      const resolve = async (ref: string, field: string): Promise<string> => {
        const found = await findMessageExternalId(db, { conversationId: id, channelId: conversation.channel_id, ref });
        if (found.ok) return found.externalId;
        if (found.reason === 'not_sent') throw new HttpError(422, `${field}_not_sent`, `Message ${ref} has no WhatsApp id yet (not sent); it cannot be referred to.`, { field });
        throw new HttpError(422, `${field}_not_found`, `No message ${ref} in this conversation.`, { field });
      };
      const replyTo = parsed.replyTo !== undefined ? await resolve(parsed.replyTo, 'reply_to') : undefined;
      const content = parsed.content.type === 'reaction' ? { ...parsed.content, messageId: await resolve(parsed.content.messageId, 'message_id') } : parsed.content;
      const message = await db.transaction().execute(async (trx) => {
        const m = await queueOutbound(trx, deps.jobs, { conversationId: id, channelId: conversation.channel_id, content, ...(replyTo !== undefined ? { replyTo } : {}), author: authorOf(req).author, now });
        // A person (or an integration speaking for one) answers: the bot steps aside.
        await pauseBot(trx, deps, { conversationId: id, by: actorOf(req), reason: 'agent_message', now });
        return m;
      });
      deps.jobs.wake();
      return reply.status(202).send(messageView(message));
    },
  );

  app.post(
    '/api/v1/conversations/:id/messages/:messageId/resend',
    routeDoc({
      summary: 'Resend a failed or unconfirmed message as a new message',
      description:
        'For an outbound message whose status is `failed` or `unconfirmed`. The same content (and quoted message) is queued as a new message at the end of the ' +
        'conversation, with `resend_of` naming the original, and answered 202 like a reply; the original keeps its record (an `unconfirmed` one becomes `failed` ' +
        'with error `unconfirmed_resent`). Checked like a new send: free-form content outside the 24-hour window is 422 window_closed, a closed conversation 409 ' +
        'conversation_closed (templates may still be resent), a blocked contact 422. A message is resent once: 409 already_resent (with `details.resent_as`); ' +
        'another status is 409 not_resendable.',
      tags,
      params: { id: str('conversation id'), messageId: str('our message id (msg_...)') },
      responses: { 202: 'the new queued message' },
    }),
    async (req, reply) => {
      const { id, messageId } = req.params as { id: string; messageId: string };
      const conversation = await findVisibleConversation(db, req, id);
      const found = await findOutbound(deps, id, messageId);
      if (!found.ok) throw new HttpError(404, 'message_not_found', `No message ${messageId} of ours in this conversation.`);
      const original = found.message;
      if (original.status !== 'failed' && original.status !== 'unconfirmed') {
        throw new HttpError(409, 'not_resendable', `Message ${messageId} is ${original.status}; only failed or unconfirmed messages can be resent.`, { status: original.status });
      }
      const already = await resentAs(deps, original.id);
      if (already !== null) throw new HttpError(409, 'already_resent', `Message ${messageId} was already resent as ${already}.`, { resent_as: already });
      const now = deps.clock.now();
      if (original.kind !== 'template') {
        if (conversation.status === 'closed') throw new HttpError(409, 'conversation_closed', 'This conversation is closed; a new one starts when the customer writes.');
        await assertWindowOpen(db, conversation.channel_id, conversation.last_customer_message_at, now);
      }
      await refuseBlockedContact(db, { conversationId: id });
      const result = await resendOutbound(deps, original, { author: authorOf(req).author, now });
      if (!result.ok) {
        if (result.reason === 'already_resent') throw new HttpError(409, 'already_resent', `Message ${messageId} was already resent${result.resentAs ? ` as ${result.resentAs}` : ''}.`, { resent_as: result.resentAs });
        throw new HttpError(409, 'not_resendable', `Message ${messageId} is ${result.status}; only failed or unconfirmed messages can be resent.`, { status: result.status });
      }
      return reply.status(202).send(messageView(result.message));
    },
  );

  app.post(
    '/api/v1/conversations/:id/messages/:messageId/mark-sent',
    routeDoc({
      summary: 'Resolve an unconfirmed message: it did reach the customer',
      description:
        'For an outbound message whose status is `unconfirmed` (the process stopped, or the Graph API did not answer, while it was being handed over, so it was ' +
        'not sent again). Sets it to `sent` and clears its error; a later status callback for it still records its WhatsApp id and moves it on. ' +
        'Any other status is 409 not_unconfirmed. To send it again instead, use .../resend.',
      tags,
      params: { id: str('conversation id'), messageId: str('our message id (msg_...)') },
      responses: { 200: 'the message' },
    }),
    async (req) => {
      const { id, messageId } = req.params as { id: string; messageId: string };
      await findVisibleConversation(db, req, id);
      const found = await findOutbound(deps, id, messageId);
      if (!found.ok) throw new HttpError(404, 'message_not_found', `No message ${messageId} of ours in this conversation.`);
      const result = await markOutboundSent(deps, found.message, { by: authorOf(req).author, now: deps.clock.now() });
      if (!result.ok) throw new HttpError(409, 'not_unconfirmed', `Message ${messageId} is ${result.status}; only an unconfirmed message can be marked sent.`, { status: result.status });
      return messageView(result.message);
    },
  );

  app.post(
    '/api/v1/conversations/:id/read',
    routeDoc({
      summary: 'Mark read: clears the unread count, the caller\'s own unread mark, and sends WhatsApp a read receipt (blue ticks) for the latest customer message',
      description: 'The receipt is sent by a background job; the answer does not wait for WhatsApp.',
      tags: ['conversations'],
      params: { id: str('conversation id') },
      responses: { 200: '{ unread_count, my_unread_count, last_read_at, read_receipt_for }' },
    }),
    async (req) => {
      const { id } = req.params as { id: string };
      await findVisibleConversation(db, req, id);
      const now = deps.clock.now();
      const latest = await latestInbound(db, id);
      const userId = principalOf(req).userId;
      await db.transaction().execute(async (trx) => {
        await trx.updateTable('conversations').set({ unread_count: 0, last_read_at: now }).where('id', '=', id).execute();
        // The caller's own read mark too (per-agent unread); tokens without a user have none.
        if (userId) await markReadFor(trx, userId, id, now);
        // One receipt per message: marking read twice sends it once (WhatsApp marks earlier ones too).
        if (latest) await enqueueJob(trx, deps.jobs, JOBS.conversationReadReceipt, { messageId: latest.id });
      });
      deps.jobs.wake();
      return { unread_count: 0, my_unread_count: userId ? 0 : null, last_read_at: new Date(now).toISOString(), read_receipt_for: latest?.external_id ?? null };
    },
  );
}
