import type { FastifyInstance } from 'fastify';
import { principalOf } from '../auth/principal.ts';
import { requireScope } from '../auth/require-scope.ts';
import { visibleConversationFilter } from '../auth/visible-conversation-filter.ts';
import { HttpError } from '../core/http-error.ts';
import type { Deps } from '../deps.ts';
import { int, routeDoc, str } from '../http/route-doc.ts';
import { iso } from './conversation-views.ts';
import { searchContacts, searchMessages } from './search-store.ts';
import { isWaId } from '../core/whatsapp-ids.ts';

/** Search over message text and contact names and phones, within what the caller may see. */
export async function searchRoutes(app: FastifyInstance, opts: { deps: Deps }): Promise<void> {
  const { deps } = opts;
  const db = deps.storage.db;
  app.get(
    '/api/v1/search',
    routeDoc(
      {
        summary: 'Search messages or contacts',
        description: 'Substring match ignoring case and accents ("nandu" finds "Ñandú"). type=contacts matches the name the business gave the contact, its WhatsApp profile name, phone and WhatsApp id, and also needs the contacts:read scope. Agents see only results from conversations they may see.',
        tags: ['search'],
        querystring: { q: str('1 to 200 characters'), type: str('messages (default) or contacts', { enum: ['messages', 'contacts'] }), limit: int('1 to 100, default 20') },
        responses: { 200: '{ data }' },
      },
      { config: { access: 'conversations:read' } },
    ),
    async (req) => {
      const query = (req.query ?? {}) as Record<string, unknown>;
      const q = typeof query.q === 'string' ? query.q.trim() : '';
      if (q === '' || q.length > 200 || q.includes('\u0000')) throw new HttpError(400, 'invalid_q', '"q" must be 1 to 200 characters (no NUL characters).');
      const type = query.type ?? 'messages';
      if (type !== 'messages' && type !== 'contacts') throw new HttpError(400, 'invalid_type', 'type must be messages or contacts.');
      const limit = query.limit === undefined ? 20 : Number(query.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new HttpError(400, 'invalid_limit', 'limit must be a whole number from 1 to 100.');
      const visibility = visibleConversationFilter(principalOf(req));
      if (type === 'contacts') {
        requireScope(req, 'contacts:read');
        const rows = await searchContacts(db, q, visibility, limit);
        return {
          type,
          data: rows.map((r) => ({ id: r.id, name: r.contact_name, profile_name: r.contact_profile_name, phone: r.phone_e164, wa_id: isWaId(r.external_id) ? r.external_id : null, bsuid: r.bsuid, username: r.username, latest_conversation_id: r.latest_conversation_id })),
        };
      }
      const rows = await searchMessages(db, q, visibility, limit);
      return {
        type,
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
