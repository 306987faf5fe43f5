import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { principalOf } from '../auth/principal.ts';
import { visibleConversationFilter } from '../auth/visible-conversation-filter.ts';
import { HttpError } from '../core/http-error.ts';
import type { Deps } from '../deps.ts';
import { fieldError, Nullable, routeSchema } from '../http/route-schema.ts';
import { recordOptChange } from '../messaging/record-opt-change.ts';
import {
  checkName,
  checkNote,
  checkTags,
  type ContactFieldReason,
  type FieldCheck,
  MAX_ATTRIBUTES_BYTES,
  MAX_TAGS,
  mergeAttributes,
  SOURCE_PATTERN,
} from './contact-fields.ts';
import { ContactDetail, ContactPage } from './contact-schemas.ts';
import { loadContactDetail } from './contact-detail.ts';
import { findVisibleContact, listContacts, patchContact, setBlocked } from './contact-store.ts';
import { contactView } from './contact-views.ts';

const tags = ['contacts'];
const params = Type.Object({ id: Type.String({ description: 'contact id' }) });

const NAME_MESSAGE = '"name" must be a non-empty string of at most 200 characters (no NUL characters), or null.';
const TAG_MESSAGE = 'Each tag is 1-48 letters, digits, spaces or _ . : - (starting with a letter or digit).';
const NOTE_MESSAGE = '"note" must be a string of at most 1000 characters (no NUL characters).';

/** A refused field (contact-fields.ts) as this API answers it: 422 and the code each field documented. */
const FIELD_REFUSALS: Record<ContactFieldReason, (detail?: string) => HttpError> = {
  invalid_name: () => new HttpError(422, 'invalid_name', NAME_MESSAGE),
  invalid_attribute_name: (k) => new HttpError(422, 'invalid_attributes', `Attribute names are at most 100 characters ("${k ?? ''}...").`),
  attributes_too_large: () =>
    new HttpError(422, 'attributes_too_large', `Attributes may take at most ${MAX_ATTRIBUTES_BYTES} bytes as JSON.`),
  invalid_tag: () => new HttpError(422, 'invalid_tags', TAG_MESSAGE),
  invalid_note: () => new HttpError(422, 'invalid_note', NOTE_MESSAGE),
};
function accepted<T>(check: FieldCheck<T>): T {
  if (!check.ok) throw FIELD_REFUSALS[check.reason](check.detail);
  return check.value;
}

const ListQuery = Type.Object({
  q: Type.Optional(
    Type.String({
      description: 'search: name, profile name, phone, username or BSUID (at most 200 characters)',
      ...fieldError('invalid_q', 400, '"q" must be given once, as text of at most 200 characters (no NUL characters).'),
    }),
  ),
  tag: Type.Optional(Type.String({ description: 'only contacts with this tag' })),
  opted_in: Type.Optional(
    Type.String({
      enum: ['true', 'false'],
      description: 'true or false',
      ...fieldError('invalid_opted_in', 400, 'opted_in must be true or false.'),
    }),
  ),
  blocked: Type.Optional(
    Type.String({
      enum: ['true', 'false'],
      description: 'true or false',
      ...fieldError('invalid_blocked', 400, 'blocked must be true or false.'),
    }),
  ),
  limit: Type.Optional(
    Type.String({
      description: 'contacts per page, 1 to 200 (default 50)',
      ...fieldError('invalid_limit', 400, 'limit must be a whole number from 1 to 200.'),
    }),
  ),
  cursor: Type.Optional(
    Type.String({
      description: 'next_cursor of the previous page',
      ...fieldError('invalid_cursor', 400, 'cursor is not one this API returned.'),
    }),
  ),
});

const PatchBody = Type.Object(
  {
    name: Type.Optional(
      Nullable(
        Type.String({ description: '1 to 200 characters (trimmed); null falls back to the WhatsApp profile name' }),
        fieldError('invalid_name', 422, NAME_MESSAGE),
      ),
    ),
    attributes: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), {
        description: `merged into the contact's attributes; a key set to null is removed (names up to 100 characters, ${MAX_ATTRIBUTES_BYTES} bytes in all)`,
        ...fieldError(
          'invalid_attributes',
          422,
          '"attributes" must be a JSON object; its keys are merged into the contact\'s (null removes a key).',
        ),
      }),
    ),
    tags: Type.Optional(
      Type.Array(Type.String(fieldError('invalid_tags', 422, TAG_MESSAGE)), {
        maxItems: MAX_TAGS,
        description: `replaces the tags: at most ${MAX_TAGS}, each 1-48 letters, digits, spaces or _ . : - (trimmed, de-duplicated)`,
        ...fieldError('invalid_tags', 422, `"tags" must be an array of at most ${MAX_TAGS} strings.`),
      }),
    ),
  },
  { additionalProperties: false, examples: [{ name: 'Olga Ruiz', attributes: { plan: 'pro', trial: null }, tags: ['vip'] }] },
);

const OptBody = Type.Object(
  {
    source: Type.Optional(
      Type.String({
        pattern: SOURCE_PATTERN,
        description:
          'how consent was given or withdrawn, like web_form, whatsapp, import or agent (default: agent for a signed-in user, else api)',
        ...fieldError(
          'invalid_source',
          422,
          '"source" names how consent was given, like web_form, whatsapp, import or agent (lower-case letters, digits and _).',
        ),
      }),
    ),
    note: Type.Optional(Nullable(Type.String({ description: 'at most 1000 characters' }), fieldError('invalid_note', 422, NOTE_MESSAGE))),
  },
  { additionalProperties: false, examples: [{ source: 'web_form', note: 'signed up on the site' }] },
);

/** The opt-in/opt-out body is optional: no body (or null) reads as {}. */
const emptyBodyIsObject = async (req: FastifyRequest) => {
  if (req.body === undefined || req.body === null) req.body = {};
};

/** Contacts: list and search, detail with the opt-in ledger, edit, opt-in/out, block (contacts:read / contacts:write). */
export async function contactRoutes(fastify: FastifyInstance, opts: { deps: Deps }): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
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
    const d = await loadContactDetail(db, id, visibleConversationFilter(principalOf(req)));
    if (!d) throw new HttpError(404, 'contact_not_found', `No contact ${id}.`);
    return d;
  };

  app.get(
    '/api/v1/contacts',
    routeSchema({
      summary: 'List and search contacts, newest first (only contacts of conversations the caller may see)',
      tags,
      querystring: ListQuery,
      response: { 200: ContactPage },
    }),
    async (req) => {
      const q = req.query;
      const limit = q.limit === undefined ? 50 : Number(q.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 200)
        throw new HttpError(400, 'invalid_limit', 'limit must be a whole number from 1 to 200.');
      if (q.q !== undefined && (q.q.length > 200 || q.q.includes('\u0000'))) {
        throw new HttpError(400, 'invalid_q', '"q" must be given once, as text of at most 200 characters (no NUL characters).');
      }
      const beforeId = q.cursor === undefined ? undefined : Buffer.from(q.cursor, 'base64url').toString('utf8');
      if (beforeId !== undefined && !/^ct_[\w-]+$/.test(beforeId))
        throw new HttpError(400, 'invalid_cursor', 'cursor is not one this API returned.');
      const rows = await listContacts(
        db,
        { q: q.q?.trim() || undefined, tag: q.tag, optedIn: bool(q.opted_in), blocked: bool(q.blocked), limit: limit + 1, beforeId },
        visibleConversationFilter(principalOf(req)),
      );
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      return { data: page.map(contactView), next_cursor: rows.length > limit && last ? Buffer.from(last.id).toString('base64url') : null };
    },
  );

  app.get(
    '/api/v1/contacts/:id',
    routeSchema({
      summary: 'A contact with its consent history (the latest 100 changes, newest first) and its conversations on every channel',
      tags,
      params,
      response: { 200: ContactDetail('the contact') },
    }),
    async (req) => detail(req, req.params.id),
  );

  app.patch(
    '/api/v1/contacts/:id',
    routeSchema({
      summary: "Change a contact's name, attributes (merged) or tags (replaced)",
      tags,
      params,
      body: PatchBody,
      response: { 200: ContactDetail('the contact as changed') },
    }),
    async (req) => {
      const { id } = req.params;
      const b = req.body;
      const current = await mustFind(req, id);
      const patch: Parameters<typeof patchContact>[2] = { updated_at: deps.clock.now() };
      if (b.name !== undefined) patch.name = accepted(checkName(b.name));
      if (b.attributes !== undefined) patch.attributes = accepted(mergeAttributes(current.attributes, b.attributes));
      if (b.tags !== undefined) patch.tags = JSON.stringify(accepted(checkTags(b.tags)));
      await patchContact(db, id, patch);
      return detail(req, id);
    },
  );

  for (const optedIn of [true, false]) {
    app.post(
      `/api/v1/contacts/:id/${optedIn ? 'opt-in' : 'opt-out'}`,
      {
        ...routeSchema({
          summary: optedIn
            ? 'Record that the contact opted in to marketing messages (body optional)'
            : 'Record that the contact opted out of marketing messages (body optional)',
          tags,
          params,
          body: OptBody,
          response: { 200: ContactDetail('the contact with the change in its history') },
        }),
        preValidation: emptyBodyIsObject,
      },
      async (req) => {
        const { id } = req.params;
        const b = req.body;
        const p = principalOf(req);
        const change = {
          contactId: id,
          optedIn,
          source: b.source ?? (p.userId ? 'agent' : 'api'),
          actor: p.userId ?? 'system',
          note: accepted(checkNote(b.note)),
          now: deps.clock.now(),
        };
        await mustFind(req, id);
        await db.transaction().execute((trx) => recordOptChange(trx, deps.jobs, change));
        deps.jobs.wake();
        return detail(req, id);
      },
    );
  }

  for (const blocked of [true, false]) {
    app.post(
      `/api/v1/contacts/:id/${blocked ? 'block' : 'unblock'}`,
      routeSchema({
        summary: blocked ? 'Block a contact: nothing more is sent to them (no body)' : 'Unblock a contact (no body)',
        tags,
        params,
        response: { 200: ContactDetail('the contact') },
      }),
      async (req) => {
        const { id } = req.params;
        await mustFind(req, id);
        await db.transaction().execute((trx) => setBlocked(trx, id, blocked, deps.clock.now()));
        return detail(req, id);
      },
    );
  }
}

function bool(v: string | undefined): boolean | undefined {
  return v === undefined ? undefined : v === 'true';
}
