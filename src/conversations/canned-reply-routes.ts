import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { isUniqueViolation } from '../auth/unique-violation.ts';
import { HttpError } from '../core/http-error.ts';
import { newId } from '../core/ids.ts';
import type { Deps } from '../deps.ts';
import { fieldError, NoContent, routeSchema, Timestamp } from '../http/route-schema.ts';
import { authorOf, findVisibleConversation } from './conversation-access.ts';
import { linkedRecordView } from './conversation-views.ts';
import { CANNED_VARIABLES, isKnownVariable, renderCanned, variablesIn } from './canned-render.ts';
import {
  deleteCannedReply,
  findCannedReply,
  insertCannedReply,
  listCannedReplies,
  updateCannedReply,
  type CannedReplyRow,
} from './canned-reply-store.ts';

const tags = ['canned replies'];
const VARIABLES_DOC = `Variables: ${CANNED_VARIABLES.map((v) => `{{${v}}}`).join(', ')}, {{linked_record.attributes.<key>}}.`;

/** Canned replies: shared snippets with variables, rendered for one conversation before sending. */
const CannedReply = Type.Object({
  id: Type.String(),
  shortcut: Type.String(),
  text: Type.String(),
  variables: Type.Array(Type.String(), { description: 'the {{variables}} the text uses' }),
  unknown_variables: Type.Array(Type.String(), { description: 'variables that are not known: rendering refuses them' }),
  created_by: Type.String({ description: 'agent:<user id> or api' }),
  created_at: Timestamp(),
  updated_at: Timestamp(),
});
const cannedExample = {
  id: 'cr_01J9Z',
  shortcut: 'thanks',
  text: 'Thanks {{contact.name}}, we are on it.',
  variables: ['contact.name'],
  unknown_variables: [],
  created_by: 'agent:usr_01J9Z',
  created_at: '2026-05-01T10:00:00.000Z',
  updated_at: '2026-05-01T10:00:00.000Z',
};
const Shortcut = Type.String({
  pattern: '^[\\w-]{1,50}$',
  description: '1 to 50 letters, digits, - or _',
  ...fieldError('invalid_shortcut', 422, '"shortcut" must be 1 to 50 letters, digits, - or _.'),
});
const Text = Type.String({
  maxLength: 4096,
  description: `1 to 4096 characters. ${VARIABLES_DOC}`,
  ...fieldError('invalid_text', 422, '"text" must be 1 to 4096 characters.'),
});
const params = Type.Object({ id: Type.String({ description: 'canned reply id' }) });
const one = (description: string) => Type.Object(CannedReply.properties, { description, examples: [cannedExample] });

export async function cannedReplyRoutes(fastify: FastifyInstance, opts: { deps: Deps }): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { deps } = opts;
  const db = deps.storage.db;
  const mustFind = async (id: string) => {
    const row = await findCannedReply(db, id);
    if (!row) throw new HttpError(404, 'canned_reply_not_found', `No canned reply ${id}.`);
    return row;
  };
  const saving = async (write: () => Promise<void>) => {
    try {
      await write();
    } catch (err) {
      if (isUniqueViolation(err))
        throw new HttpError(409, 'shortcut_taken', 'Another canned reply has this shortcut.', { field: 'shortcut' });
      throw err;
    }
  };

  app.get(
    '/api/v1/canned-replies',
    routeSchema({
      summary: 'Canned replies, by shortcut',
      tags,
      querystring: Type.Object({ q: Type.Optional(Type.String({ description: 'shortcut prefix' })) }),
      response: { 200: Type.Object({ data: Type.Array(CannedReply) }, { examples: [{ data: [cannedExample] }] }) },
    }),
    async (req) => {
      const q = req.query.q;
      return { data: (await listCannedReplies(db, q !== undefined && q !== '' ? q : undefined)).map(cannedView) };
    },
  );

  app.post(
    '/api/v1/canned-replies',
    routeSchema({
      summary: 'Create a canned reply',
      description: VARIABLES_DOC,
      tags,
      body: Type.Object(
        { shortcut: Shortcut, text: Text },
        { additionalProperties: false, examples: [{ shortcut: 'thanks', text: 'Thanks {{contact.name}}, we are on it.' }] },
      ),
      response: { 201: one('the canned reply') },
    }),
    async (req, reply) => {
      const now = deps.clock.now();
      const row: CannedReplyRow = {
        id: newId('cr', now),
        shortcut: shortcutField(req.body.shortcut),
        text: textField(req.body.text),
        created_by: authorOf(req).author,
        created_at: now,
        updated_at: now,
      };
      await saving(() => insertCannedReply(db, row));
      return reply.status(201).send(cannedView(row));
    },
  );

  app.patch(
    '/api/v1/canned-replies/:id',
    routeSchema({
      summary: 'Change a canned reply',
      tags,
      params,
      body: Type.Object(
        { shortcut: Type.Optional(Shortcut), text: Type.Optional(Text) },
        { additionalProperties: false, examples: [{ text: 'Thanks {{contact.name}}!' }] },
      ),
      response: { 200: one('the canned reply as changed') },
    }),
    async (req) => {
      const { id } = req.params;
      const b = req.body;
      await mustFind(id);
      const patch: { shortcut?: string; text?: string; updated_at: number } = { updated_at: deps.clock.now() };
      if (b.shortcut !== undefined) patch.shortcut = shortcutField(b.shortcut);
      if (b.text !== undefined) patch.text = textField(b.text);
      await saving(() => updateCannedReply(db, id, patch));
      return cannedView(await mustFind(id));
    },
  );

  app.delete(
    '/api/v1/canned-replies/:id',
    routeSchema({ summary: 'Delete a canned reply', tags, params, response: { 204: NoContent } }),
    async (req, reply) => {
      if (!(await deleteCannedReply(db, req.params.id))) throw new HttpError(404, 'canned_reply_not_found', 'No such canned reply.');
      return reply.status(204).send();
    },
  );

  app.post(
    '/api/v1/canned-replies/:id/render',
    routeSchema({
      summary: 'Render a canned reply for a conversation',
      description: `Returns the text to send (it is not sent). Unknown variables: 422 unknown_variables. Known ones without a value render empty and are listed in "missing". ${VARIABLES_DOC}`,
      tags,
      params,
      body: Type.Object(
        {
          conversation_id: Type.String({
            minLength: 1,
            description: 'conversation id',
            ...fieldError('invalid_conversation_id', 422, '"conversation_id" is required.'),
          }),
        },
        { additionalProperties: false, examples: [{ conversation_id: 'conv_01J9Z' }] },
      ),
      response: {
        200: Type.Object(
          {
            text: Type.String({ description: 'the text to send' }),
            missing: Type.Array(Type.String(), { description: 'known variables that had no value (rendered empty)' }),
          },
          { examples: [{ text: 'Thanks Olga, we are on it.', missing: [] }] },
        ),
      },
    }),
    async (req) => {
      const { id } = req.params;
      const b = req.body;
      if (b.conversation_id === '')
        throw new HttpError(422, 'invalid_conversation_id', '"conversation_id" is required.', { field: 'conversation_id' });
      const canned = await mustFind(id);
      const c = await findVisibleConversation(db, req, b.conversation_id);
      const who = authorOf(req);
      const agent = who.userId
        ? await db.selectFrom('users').select(['name', 'email']).where('id', '=', who.userId).executeTakeFirst()
        : undefined;
      const record = linkedRecordView(c);
      const values: Record<string, string | null | undefined> = {
        'contact.name': c.contact_name,
        'contact.phone': c.contact_phone,
        'contact.wa_id': c.contact_wa_id,
        'agent.name': agent?.name,
        'agent.email': agent?.email,
        'conversation.id': c.id,
        'linked_record.type': record?.type,
        'linked_record.id': record?.id,
        'linked_record.title': record?.title,
        'linked_record.url': record?.url,
      };
      for (const [k, v] of Object.entries(record?.attributes ?? {}))
        values[`linked_record.attributes.${k}`] = v === null || v === undefined ? null : String(v);
      const out = renderCanned(canned.text, values);
      if (out.unknown.length > 0) {
        throw new HttpError(422, 'unknown_variables', `Unknown variable(s): ${out.unknown.join(', ')}.`, { variables: out.unknown });
      }
      return { text: out.text, missing: out.missing };
    },
  );
}

function shortcutField(v: unknown): string {
  if (typeof v !== 'string' || !/^[\w-]{1,50}$/.test(v))
    throw new HttpError(422, 'invalid_shortcut', '"shortcut" must be 1 to 50 letters, digits, - or _.', { field: 'shortcut' });
  return v;
}

function textField(v: unknown): string {
  if (typeof v !== 'string' || v.trim() === '' || v.length > 4096)
    throw new HttpError(422, 'invalid_text', '"text" must be 1 to 4096 characters.', { field: 'text' });
  return v;
}

function cannedView(r: CannedReplyRow) {
  // Unknown variables are kept (a reply may be written before its data exists) but flagged; rendering refuses them.
  const variables = variablesIn(r.text);
  return {
    id: r.id,
    shortcut: r.shortcut,
    text: r.text,
    variables,
    unknown_variables: variables.filter((v) => !isKnownVariable(v)),
    created_by: r.created_by,
    created_at: new Date(r.created_at).toISOString(),
    updated_at: new Date(r.updated_at).toISOString(),
  };
}
