import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { principalOf } from '../auth/principal.ts';
import { markReadFor } from './conversation-reads.ts';
import { HttpError } from '../core/http-error.ts';
import type { Deps } from '../deps.ts';
import { fieldError, Nullable, routeSchema, Timestamp } from '../http/route-schema.ts';
import { queueOutbound } from '../messaging/queue-outbound.ts';
import { findOutbound, markOutboundSent, resendOutbound, resentAs } from '../messaging/resolve-outbound.ts';
import { checkContactNotBlocked } from '../contacts/refuse-blocked.ts';
import { actorOf } from '../routing/routing-routes.ts';
import { pauseBot } from '../bot/bot-pause.ts';
import { authorOf, findVisibleConversation } from './conversation-access.ts';
import { refusal } from './conversation-refusals.ts';
import { ConversationParams, Message, MessageParams, messageExample } from './conversation-schemas.ts';
import { messageView } from './conversation-views.ts';
import { findMessageExternalId, latestInbound } from './message-store.ts';
import { parseReply, REPLY_TYPES } from './reply-content.ts';
import { checkWindowOpen } from '../messaging/window-guard.ts';
import { enqueueJob } from '../jobs/job-definition.ts';
import { JOBS } from '../jobs/job-catalog.ts';

const tags = ['messages'];

/**
 * A reply field: its JSON type is checked here with the code the reply parser (reply-content.ts)
 * gives a wrong value (422, details.field); which fields a type takes, lengths and the rest of
 * WhatsApp's limits are checked there.
 */
const field = <T extends Parameters<typeof Type.Optional>[0]>(schema: T) => Type.Optional(schema);
const must = (code: string, name: string, what = 'a non-empty string') => fieldError(code, 422, `"${name}" must be ${what}.`);
const optText = (name: string, description: string) =>
  field(Nullable(Type.String({ description }), must(`invalid_${name}`, name, 'a string')));
const reqText = (name: string, description: string) => field(Type.String({ description, ...must(`${name}_required`, name) }));
const REPLY_BODY = Type.Object(
  {
    type: field(
      Type.Enum([...REPLY_TYPES], {
        description: 'default text',
        ...fieldError('unsupported_type', 422, `"type" must be one of: ${REPLY_TYPES.join(', ')}.`),
      }),
    ),
    text: reqText('text', 'text: up to 4096 characters'),
    reply_to: field(
      Nullable(
        Type.String({ description: 'our message id or its wamid: quoted as WhatsApp context' }),
        must('invalid_reply_to', 'reply_to', 'one of our message ids or a wamid'),
      ),
    ),
    media_id: optText('media_id', 'image/video/audio/document/sticker: an id from POST /api/v1/media'),
    link: optText('link', '…or a public http(s) URL of the media'),
    caption: optText('caption', 'image/video/document: up to 1024 characters'),
    filename: optText('filename', 'document only: up to 240 characters'),
    latitude: field(
      Type.Number({ description: 'location: -90 to 90', ...must('invalid_latitude', 'latitude', 'a number from -90 to 90') }),
    ),
    longitude: field(
      Type.Number({ description: 'location: -180 to 180', ...must('invalid_longitude', 'longitude', 'a number from -180 to 180') }),
    ),
    name: optText('name', 'location name, up to 1000 characters'),
    address: optText('address', 'location address, up to 1000 characters'),
    contacts: field(
      Type.Array(Type.Unknown(), {
        description:
          'contacts: 1 to 20 contact cards as WhatsApp takes them: name.formatted_name required; phones, emails, urls, addresses (lists of objects), org (object), birthday (YYYY-MM-DD) optional',
        ...fieldError('invalid_contacts', 422, '"contacts" must hold 1 to 20 contact cards.'),
      }),
    ),
    body: reqText('body', 'buttons / cta_url (up to 1024), list (up to 4096): the message text'),
    header: optText('header', 'buttons/list/cta_url: up to 60 characters'),
    footer: optText('footer', 'buttons/list/cta_url: up to 60 characters'),
    buttons: field(
      Type.Array(Type.Unknown(), {
        description: 'buttons: 1 to 3 of {id, title (up to 20 characters)}',
        ...fieldError('invalid_buttons', 422, '"buttons" must hold 1 to 3 buttons.'),
      }),
    ),
    button: reqText('button', 'list: the button label, up to 20 characters'),
    sections: field(
      Type.Array(Type.Unknown(), {
        description:
          'list: 1 to 10 sections of {title, rows: [{id, title, description?}]} (10 rows in all; row title up to 24, description up to 72)',
        ...fieldError('invalid_sections', 422, '"sections" must hold 1 to 10 sections.'),
      }),
    ),
    display_text: reqText('display_text', 'cta_url: the button label, up to 20 characters'),
    url: reqText('url', 'cta_url: the absolute http(s) URL the button opens'),
    message_id: field(
      Nullable(
        Type.String({ description: 'reaction: our message id or its wamid' }),
        must('invalid_message_id', 'message_id', 'one of our message ids or a wamid'),
      ),
    ),
    emoji: field(
      Type.String({
        description: 'reaction: one emoji, or "" to remove',
        ...must('invalid_emoji', 'emoji', 'one emoji, or "" to remove the reaction'),
      }),
    ),
  },
  {
    additionalProperties: false,
    description: 'One message; `type` says which other fields it takes (a field of another type is 400 unknown_field)',
    examples: [
      { text: 'Your order ships today.' },
      { type: 'image', media_id: 'media_01J9Z', caption: 'Your receipt' },
      {
        type: 'buttons',
        body: 'Did this solve it?',
        buttons: [
          { id: 'yes', title: 'Yes' },
          { id: 'no', title: 'No' },
        ],
      },
      { type: 'reaction', message_id: 'msg_01J9Y', emoji: '👍' },
    ],
  },
);
const Queued = (description: string) => Type.Object(Message.properties, { description, examples: [messageExample] });

/** Replying: send any supported message type within the 24-hour window, and mark as read. */
export async function messageRoutes(fastify: FastifyInstance, opts: { deps: Deps }): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { deps } = opts;
  const db = deps.storage.db;

  app.post(
    '/api/v1/conversations/:id/messages',
    routeSchema({
      summary: 'Reply: text, media, location, contacts, buttons, list, cta_url, reaction; optionally quoting a message',
      description:
        "Checked against WhatsApp's limits before it is queued (422 with `details.field`). Outside the customer's 24-hour window: " +
        '422 window_closed with `details.window_closed_at` and `template_required: true`. Answers 202 with the queued message; its status then moves to accepted, sent, delivered, read or failed. ' +
        'Pauses the bot in the conversation (reason agent_message; see POST /api/v1/conversations/{id}/bot/resume), whoever sends it: a signed-in agent or an API token.',
      tags,
      params: ConversationParams,
      body: REPLY_BODY,
      response: { 202: Queued('the queued message') },
    }),
    async (req, reply) => {
      const { id } = req.params;
      const parsed = parseReply(req.body);
      const conversation = await findVisibleConversation(db, req, id);
      if (conversation.status === 'closed')
        throw new HttpError(409, 'conversation_closed', 'This conversation is closed; a new one starts when the customer writes.');
      const now = deps.clock.now();
      const window = await checkWindowOpen(db, conversation.channel_id, conversation.last_customer_message_at, now);
      if (!window.ok) throw refusal(window);
      const blocked = await checkContactNotBlocked(db, { conversationId: id });
      if (!blocked.ok) throw refusal(blocked);
      const resolve = async (ref: string, field: string): Promise<string> => {
        const found = await findMessageExternalId(db, { conversationId: id, channelId: conversation.channel_id, ref });
        if (found.ok) return found.externalId;
        if (found.reason === 'not_sent')
          throw new HttpError(422, `${field}_not_sent`, `Message ${ref} has no WhatsApp id yet (not sent); it cannot be referred to.`, {
            field,
          });
        throw new HttpError(422, `${field}_not_found`, `No message ${ref} in this conversation.`, { field });
      };
      const replyTo = parsed.replyTo !== undefined ? await resolve(parsed.replyTo, 'reply_to') : undefined;
      const content =
        parsed.content.type === 'reaction'
          ? { ...parsed.content, messageId: await resolve(parsed.content.messageId, 'message_id') }
          : parsed.content;
      const message = await db.transaction().execute(async (trx) => {
        const m = await queueOutbound(trx, deps.jobs, {
          conversationId: id,
          channelId: conversation.channel_id,
          content,
          ...(replyTo !== undefined ? { replyTo } : {}),
          author: authorOf(req).author,
          now,
        });
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
    routeSchema({
      summary: 'Resend a failed or unconfirmed message as a new message',
      description:
        'For an outbound message whose status is `failed` or `unconfirmed`. The same content (and quoted message) is queued as a new message at the end of the ' +
        'conversation, with `resend_of` naming the original, and answered 202 like a reply; the original keeps its record (an `unconfirmed` one becomes `failed` ' +
        'with error `unconfirmed_resent`). Checked like a new send: free-form content outside the 24-hour window is 422 window_closed, a closed conversation 409 ' +
        'conversation_closed (templates may still be resent), a blocked contact 422. A message is resent once: 409 already_resent (with `details.resent_as`); ' +
        'another status is 409 not_resendable.',
      tags,
      params: MessageParams,
      response: { 202: Queued('the new queued message') },
    }),
    async (req, reply) => {
      const { id, messageId } = req.params;
      const conversation = await findVisibleConversation(db, req, id);
      const found = await findOutbound(deps, id, messageId);
      if (!found.ok) throw new HttpError(404, 'message_not_found', `No message ${messageId} of ours in this conversation.`);
      const original = found.message;
      if (original.status !== 'failed' && original.status !== 'unconfirmed') {
        throw new HttpError(
          409,
          'not_resendable',
          `Message ${messageId} is ${original.status}; only failed or unconfirmed messages can be resent.`,
          { status: original.status },
        );
      }
      const already = await resentAs(deps, original.id);
      if (already !== null)
        throw new HttpError(409, 'already_resent', `Message ${messageId} was already resent as ${already}.`, { resent_as: already });
      const now = deps.clock.now();
      if (original.kind !== 'template') {
        if (conversation.status === 'closed')
          throw new HttpError(409, 'conversation_closed', 'This conversation is closed; a new one starts when the customer writes.');
        const window = await checkWindowOpen(db, conversation.channel_id, conversation.last_customer_message_at, now);
        if (!window.ok) throw refusal(window);
      }
      const blocked = await checkContactNotBlocked(db, { conversationId: id });
      if (!blocked.ok) throw refusal(blocked);
      const result = await resendOutbound(deps, original, { author: authorOf(req).author, now });
      if (!result.ok) {
        if (result.reason === 'already_resent')
          throw new HttpError(
            409,
            'already_resent',
            `Message ${messageId} was already resent${result.resentAs ? ` as ${result.resentAs}` : ''}.`,
            { resent_as: result.resentAs },
          );
        throw new HttpError(
          409,
          'not_resendable',
          `Message ${messageId} is ${result.status}; only failed or unconfirmed messages can be resent.`,
          { status: result.status },
        );
      }
      return reply.status(202).send(messageView(result.message));
    },
  );

  app.post(
    '/api/v1/conversations/:id/messages/:messageId/mark-sent',
    routeSchema({
      summary: 'Resolve an unconfirmed message: it did reach the customer',
      description:
        'For an outbound message whose status is `unconfirmed` (the process stopped, or the Graph API did not answer, while it was being handed over, so it was ' +
        'not sent again). Sets it to `sent` and clears its error; a later status callback for it still records its WhatsApp id and moves it on. ' +
        'Any other status is 409 not_unconfirmed. To send it again instead, use .../resend.',
      tags,
      params: MessageParams,
      response: {
        200: Type.Object(Message.properties, {
          description: 'the message',
          examples: [{ ...messageExample, external_id: null, status: 'sent', attempts: 1 }],
        }),
      },
    }),
    async (req) => {
      const { id, messageId } = req.params;
      await findVisibleConversation(db, req, id);
      const found = await findOutbound(deps, id, messageId);
      if (!found.ok) throw new HttpError(404, 'message_not_found', `No message ${messageId} of ours in this conversation.`);
      const result = await markOutboundSent(deps, found.message, { by: authorOf(req).author, now: deps.clock.now() });
      if (!result.ok)
        throw new HttpError(
          409,
          'not_unconfirmed',
          `Message ${messageId} is ${result.status}; only an unconfirmed message can be marked sent.`,
          { status: result.status },
        );
      return messageView(result.message);
    },
  );

  app.post(
    '/api/v1/conversations/:id/read',
    routeSchema({
      summary:
        "Mark read: clears the unread count, the caller's own unread mark, and sends WhatsApp a read receipt (blue ticks) for the latest customer message",
      description: 'The receipt is sent by a background job; the answer does not wait for WhatsApp.',
      tags: ['conversations'],
      params: ConversationParams,
      response: {
        200: Type.Object(
          {
            unread_count: Type.Integer({ description: 'always 0 now' }),
            my_unread_count: Nullable(Type.Integer(), { description: "the caller's own unread count: 0, or null without a user" }),
            last_read_at: Timestamp('when it was marked read'),
            read_receipt_for: Nullable(
              Type.String({ description: 'the wamid of the customer message the read receipt is sent for; null when there is none yet' }),
            ),
          },
          {
            examples: [
              {
                unread_count: 0,
                my_unread_count: 0,
                last_read_at: '2026-05-01T10:05:00.000Z',
                read_receipt_for: 'wamid.HBgNNTIxNTUxMjM0NTY3OBUCABIYFjNFQjA',
              },
            ],
          },
        ),
      },
    }),
    async (req) => {
      const { id } = req.params;
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
      return {
        unread_count: 0,
        my_unread_count: userId ? 0 : null,
        last_read_at: new Date(now).toISOString(),
        read_receipt_for: latest?.external_id ?? null,
      };
    },
  );
}
