import type { FastifyInstance, FastifyRequest } from 'fastify';
import { principalOf } from '../auth/principal.ts';
import { visibleConversationFilter } from '../auth/visible-conversation-filter.ts';
import { HttpError } from '../core/http-error.ts';
import type { Deps } from '../deps.ts';
import { boolQuery, mergeAttributes, nameField, noteField, objectBody, sourceField, tagsField } from './contact-fields.ts';
import { findVisibleContact, listContacts, optHistory, patchContact, setBlocked } from './contact-store.ts';
import { contactView, optEventView } from './contact-views.ts';
import { recordOptChange } from '../messaging/record-opt-change.ts';

/** Contacts: list and search, detail with the opt-in ledger, edit, opt-in/out, block (contacts:read / contacts:write). */
export async function contactRoutes(app: FastifyInstance, opts: { deps: Deps }): Promise<void> {
  const { deps } = opts;
  const db = deps.storage.db;

  // A contact is visible to an assigned_and_team agent when one of its conversations is; a
  // hidden one answers 404 like a missing one, so ids cannot be probed.
  const mustFind = async (req: FastifyRequest, id: string) => {
    const c = await findVisibleContact(db, id, visibleConversationFilter(principalOf(req)));
    if (!c) throw new HttpError(404, 'contact_not_found', `No contact ${id}.`);
    return c;
  };
  const detail = async (req: FastifyRequest, id: string) => {
    const c = await mustFind(req, id);
    return { ...contactView(c), opt_in_history: (await optHistory(db, id)).map(optEventView) };
  };

  app.get('/api/v1/contacts', async (req) => {
    const q = (req.query ?? {}) as Record<string, string | undefined>;
    const limit = q.limit === undefined ? 50 : Number(q.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 200) throw new HttpError(400, 'invalid_limit', 'limit must be a whole number from 1 to 200.');
    if (q.q !== undefined && (typeof q.q !== 'string' || q.q.length > 200 || q.q.includes('\u0000'))) {
      throw new HttpError(400, 'invalid_q', '"q" must be given once, as text of at most 200 characters (no NUL characters).');
    }
    const beforeId = q.cursor === undefined ? undefined : Buffer.from(q.cursor, 'base64url').toString('utf8');
    if (beforeId !== undefined && !/^ct_[\w-]+$/.test(beforeId)) throw new HttpError(400, 'invalid_cursor', 'cursor is not one this API returned.');
    const rows = await listContacts(
      db,
      { q: q.q?.trim() || undefined, tag: q.tag, optedIn: boolQuery(q.opted_in, 'opted_in'), blocked: boolQuery(q.blocked, 'blocked'), limit: limit + 1, beforeId },
      visibleConversationFilter(principalOf(req)),
    );
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return { data: page.map(contactView), next_cursor: rows.length > limit && last ? Buffer.from(last.id).toString('base64url') : null };
  });

  app.get('/api/v1/contacts/:id', async (req) => detail(req, idOf(req)));

  app.patch('/api/v1/contacts/:id', async (req) => {
    const id = idOf(req);
    const b = objectBody(req.body, ['name', 'attributes', 'tags']);
    const current = await mustFind(req, id);
    const patch: Parameters<typeof patchContact>[2] = { updated_at: deps.clock.now() };
    if (b.name !== undefined) patch.name = nameField(b.name);
    if (b.attributes !== undefined) patch.attributes = mergeAttributes(current.attributes, b.attributes);
    if (b.tags !== undefined) patch.tags = JSON.stringify(tagsField(b.tags));
    await patchContact(db, id, patch);
    return detail(req, id);
  });

  for (const optedIn of [true, false]) {
    app.post(`/api/v1/contacts/:id/${optedIn ? 'opt-in' : 'opt-out'}`, async (req) => {
      const id = idOf(req);
      const b = objectBody(req.body ?? {}, ['source', 'note']);
      const p = principalOf(req);
      const change = {
        contactId: id,
        optedIn,
        source: sourceField(b.source, p.userId ? 'agent' : 'api'),
        actor: p.userId ?? 'system',
        note: noteField(b.note),
        now: deps.clock.now(),
      };
      await mustFind(req, id);
      await db.transaction().execute((trx) => recordOptChange(trx, deps.jobs, change));
      deps.jobs.wake();
      return detail(req, id);
    });
  }

  for (const blocked of [true, false]) {
    app.post(`/api/v1/contacts/:id/${blocked ? 'block' : 'unblock'}`, async (req) => {
      const id = idOf(req);
      await mustFind(req, id);
      await db.transaction().execute((trx) => setBlocked(trx, id, blocked, deps.clock.now()));
      return detail(req, id);
    });
  }
}

function idOf(req: FastifyRequest): string {
  return (req.params as { id: string }).id;
}
