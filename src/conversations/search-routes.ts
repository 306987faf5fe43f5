import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { principalOf } from '../auth/principal.ts';
import { requireScope } from '../auth/require-scope.ts';
import { visibleConversationFilter } from '../auth/visible-conversation-filter.ts';
import { HttpError } from '../core/http-error.ts';
import type { Deps } from '../deps.ts';
import { fieldError, Nullable, routeSchema } from '../http/route-schema.ts';
import { iso } from './conversation-views.ts';
import { searchContacts, searchMessages } from './search-store.ts';
import { isWaId } from '../core/whatsapp-ids.ts';

const Q_MESSAGE = '"q" must be 1 to 200 characters (no NUL characters).';
const SearchQuery = Type.Object({
  q: Type.String({ description: '1 to 200 characters (trimmed)', ...fieldError('invalid_q', 400, Q_MESSAGE) }),
  type: Type.Optional(
    Type.Enum(['messages', 'contacts'], {
      description: 'messages (default) or contacts',
      ...fieldError('invalid_type', 400, 'type must be messages or contacts.'),
    }),
  ),
  limit: Type.Optional(
    Type.String({
      pattern: '^[0-9]+$',
      description: '1 to 100, default 20',
      ...fieldError('invalid_limit', 400, 'limit must be a whole number from 1 to 100.'),
    }),
  ),
});
const Str = (description?: string) => Type.String(description ? { description } : {});
const MessageHits = Type.Object({
  type: Type.Literal('messages'),
  data: Type.Array(
    Type.Object({
      id: Str('message id'),
      conversation_id: Str(),
      direction: Str('in or out'),
      kind: Str('message type'),
      text: Nullable(Str()),
      sent_at: Nullable(Type.String({ format: 'date-time' })),
      conversation_status: Str('active, archived or closed'),
      contact: Type.Object({
        id: Str(),
        name: Nullable(Str('the name shown')),
        profile_name: Nullable(Str('WhatsApp profile name')),
        phone: Nullable(Str('E.164')),
      }),
    }),
    { description: 'messages whose text matches, newest first' },
  ),
});
const ContactHits = Type.Object({
  type: Type.Literal('contacts'),
  data: Type.Array(
    Type.Object({
      id: Str('contact id'),
      name: Nullable(Str('the name shown')),
      profile_name: Nullable(Str('WhatsApp profile name')),
      phone: Nullable(Str('E.164')),
      wa_id: Nullable(Str('WhatsApp id; null for a customer known only by BSUID')),
      bsuid: Nullable(Str('business-scoped user ID')),
      username: Nullable(Str('WhatsApp username')),
      latest_conversation_id: Nullable(Str('their newest conversation the caller may see')),
    }),
    { description: 'contacts whose name, phone or WhatsApp id matches, most recently updated first' },
  ),
});
const contact = { id: 'ct_01J9Z', name: 'Olga Ruiz', profile_name: 'Olga', phone: '+5215512345678' };
const searchExamples = [
  {
    type: 'messages',
    data: [
      {
        id: 'msg_01J9Y',
        conversation_id: 'conv_01J9Z',
        direction: 'in',
        kind: 'text',
        text: 'Where is my order?',
        sent_at: '2026-05-01T10:00:00.000Z',
        conversation_status: 'active',
        contact,
      },
    ],
  },
  { type: 'contacts', data: [{ ...contact, wa_id: '5215512345678', bsuid: null, username: null, latest_conversation_id: 'conv_01J9Z' }] },
];

/** Search over message text and contact names and phones, within what the caller may see. */
export async function searchRoutes(fastify: FastifyInstance, opts: { deps: Deps }): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { deps } = opts;
  const db = deps.storage.db;
  app.get(
    '/api/v1/search',
    routeSchema(
      {
        summary: 'Search messages or contacts',
        description:
          'Substring match ignoring case and accents ("nandu" finds "Ñandú"). type=contacts matches the name the business gave the contact, its WhatsApp profile name, phone and WhatsApp id, and also needs the contacts:read scope. Agents see only results from conversations they may see.',
        tags: ['search'],
        querystring: SearchQuery,
        response: { 200: Type.Union([MessageHits, ContactHits], { examples: searchExamples }) },
      },
      { config: { access: 'conversations:read' } },
    ),
    async (req) => {
      const query = req.query;
      const q = query.q.trim();
      if (q === '' || q.length > 200 || q.includes('\u0000')) throw new HttpError(400, 'invalid_q', Q_MESSAGE);
      const type = query.type ?? 'messages';
      const limit = query.limit === undefined ? 20 : Number(query.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 100)
        throw new HttpError(400, 'invalid_limit', 'limit must be a whole number from 1 to 100.');
      const visibility = visibleConversationFilter(principalOf(req));
      if (type === 'contacts') {
        requireScope(req, 'contacts:read');
        const rows = await searchContacts(db, q, visibility, limit);
        return {
          type: 'contacts' as const,
          data: rows.map((r) => ({
            id: r.id,
            name: r.contact_name,
            profile_name: r.contact_profile_name,
            phone: r.phone_e164,
            // A Telegram chat id is digits too: only a WhatsApp contact's external id is a wa_id.
            wa_id: r.channel_kind === 'whatsapp' && isWaId(r.external_id) ? r.external_id : null,
            bsuid: r.bsuid,
            username: r.username,
            latest_conversation_id: r.latest_conversation_id,
          })),
        };
      }
      const rows = await searchMessages(db, q, visibility, limit);
      return {
        type: 'messages' as const,
        data: rows.map((r) => ({
          id: r.id,
          conversation_id: r.conversation_id,
          direction: r.direction,
          kind: r.kind,
          text: r.text,
          sent_at: iso(r.sent_at),
          conversation_status: r.status,
          contact: { id: r.contact_id, name: r.contact_name, profile_name: r.contact_profile_name, phone: r.contact_phone },
        })),
      };
    },
  );
}
