import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { sql } from 'kysely';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { principalOf } from '../auth/principal.ts';
import { visibleConversationFilter } from '../auth/visible-conversation-filter.ts';
import { HttpError } from '../core/http-error.ts';
import type { Deps } from '../deps.ts';
import { emitEvent } from '../event-webhooks/emit-event.ts';
import { emitConversationClosed, emitConversationUpdated } from '../event-webhooks/pipeline-events.ts';
import { fieldError, routeSchema } from '../http/route-schema.ts';
import { loadContactDetail } from './contact-detail.ts';
import { ContactMerged } from './contact-schemas.ts';
import { findVisibleContact } from './contact-store.ts';
import { contactView } from './contact-views.ts';
import { mergeConflict, mergeContacts } from './merge-contacts.ts';

const CONTACT_ID_MESSAGE = '"contact_id" must be the id of the contact to merge into this one.';

const MergeBody = Type.Object(
  {
    contact_id: Type.String({
      minLength: 1,
      maxLength: 100,
      description: 'the other contact: merged into this one, then deleted',
      ...fieldError('invalid_contact_id', 422, CONTACT_ID_MESSAGE),
    }),
  },
  {
    additionalProperties: false,
    examples: [{ contact_id: 'ct_01JA0' }],
    ...fieldError('invalid_contact_id', 422, CONTACT_ID_MESSAGE),
  },
);

/**
 * POST /api/v1/contacts/:id/merge (contacts:write): one person known as two contacts, typically
 * a WhatsApp number and a Telegram chat (docs/telegram.md, "One person on both channels"). The
 * other contact's conversations, messages, notes, opt-in ledger, flow sessions, tags and
 * attributes move to this one (merge-contacts.ts), which keeps both identities, so the next
 * message from either channel lands on it. An agent must see both contacts.
 */
export async function contactMergeRoutes(fastify: FastifyInstance, opts: { deps: Deps }): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { deps } = opts;
  const db = deps.storage.db;

  app.post(
    '/api/v1/contacts/:id/merge',
    routeSchema({
      summary: 'Merge another contact into this one, keeping both histories and both identities (e.g. WhatsApp and Telegram)',
      tags: ['contacts'],
      params: Type.Object({ id: Type.String({ description: 'contact id: the one that stays' }) }),
      body: MergeBody,
      response: { 200: ContactMerged },
    }),
    async (req) => {
      const { id } = req.params;
      const otherId = req.body.contact_id;
      if (otherId === id) throw new HttpError(422, 'same_contact', 'A contact cannot be merged into itself; give another contact_id.');
      const principal = principalOf(req);
      const visibility = visibleConversationFilter(principal);
      const now = deps.clock.now();
      const merge = await db.transaction().execute(async (trx) => {
        // Two merges of the same pair at once (PostgreSQL, several processes): the second waits, then finds one gone.
        if (deps.storage.dialect.multiProcess)
          await sql`select id from contacts where id in (${id}, ${otherId}) order by id for update`.execute(trx);
        const keep = await findVisibleContact(trx, id, visibility);
        if (!keep) throw new HttpError(404, 'contact_not_found', `No contact ${id}.`);
        const other = await findVisibleContact(trx, otherId, visibility);
        if (!other) throw new HttpError(404, 'contact_not_found', `No contact ${otherId} (contact_id).`, { field: 'contact_id' });
        const conflict = mergeConflict(keep, other);
        if (conflict)
          throw new HttpError(
            409,
            'identity_conflict',
            `${conflict} Only contacts on different channels, or one WhatsApp person's phone-only and BSUID-only records, can be merged.`,
          );
        const r = await mergeContacts(trx, keep, other, now, { keepFirst: true });
        // Integrators and the inbox stream hear of each conversation that changed.
        for (const conversationId of r.closed) await emitConversationClosed(trx, deps.jobs, { conversationId, now });
        for (const conversationId of r.moved.filter((c) => !r.closed.includes(c)))
          await emitConversationUpdated(trx, deps.jobs, { conversationId, changes: ['contact'], now });
        await emitEvent(
          trx,
          { jobs: deps.jobs },
          'contact.merged',
          async () => ({
            contact: contactView(await trx.selectFrom('contacts').selectAll().where('id', '=', id).executeTakeFirstOrThrow()),
            merged_contact_id: otherId,
            conversations_moved: r.moved,
            conversations_closed: r.closed,
            by: principal.userId ?? 'api',
          }),
          { now },
        );
        return { merged_contact_id: otherId, conversations_moved: r.moved, conversations_closed: r.closed };
      });
      deps.jobs.wake();
      const detail = await loadContactDetail(db, id, visibility);
      if (!detail) throw new HttpError(404, 'contact_not_found', `No contact ${id}.`);
      return { ...detail, merge };
    },
  );
}
