import type { FastifyInstance } from 'fastify';
import { jsonObject } from '../auth/body-fields.ts';
import { isUniqueViolation } from '../auth/unique-violation.ts';
import { HttpError } from '../core/http-error.ts';
import { newId } from '../core/ids.ts';
import type { Deps } from '../deps.ts';
import { obj, routeDoc, str } from '../http/route-doc.ts';
import { authorOf, findVisibleConversation } from './conversation-access.ts';
import { linkedRecordView } from './conversation-views.ts';
import { CANNED_VARIABLES, isKnownVariable, renderCanned, variablesIn } from './canned-render.ts';
import { deleteCannedReply, findCannedReply, insertCannedReply, listCannedReplies, updateCannedReply, type CannedReplyRow } from './canned-reply-store.ts';

const tags = ['canned replies'];
const VARIABLES_DOC = `Variables: ${CANNED_VARIABLES.map((v) => `{{${v}}}`).join(', ')}, {{linked_record.attributes.<key>}}.`;

/** Canned replies: shared snippets with variables, rendered for one conversation before sending. */
export async function cannedReplyRoutes(app: FastifyInstance, opts: { deps: Deps }): Promise<void> {
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
      if (isUniqueViolation(err)) throw new HttpError(409, 'shortcut_taken', 'Another canned reply has this shortcut.', { field: 'shortcut' });
      throw err;
    }
  };
  const body = obj({ shortcut: str('1 to 50 letters, digits, - or _'), text: str(`1 to 4096 characters. ${VARIABLES_DOC}`) });

  app.get('/api/v1/canned-replies', routeDoc({ summary: 'Canned replies, by shortcut', tags, querystring: { q: str('shortcut prefix') } }), async (req) => {
    const q = (req.query as Record<string, unknown> | undefined)?.q;
    return { data: (await listCannedReplies(db, typeof q === 'string' && q !== '' ? q : undefined)).map(cannedView) };
  });

  app.post('/api/v1/canned-replies', routeDoc({ summary: 'Create a canned reply', description: VARIABLES_DOC, tags, body: { ...body, required: ['shortcut', 'text'] }, responses: { 201: 'the canned reply' } }), async (req, reply) => {
    const b = jsonObject(req.body, ['shortcut', 'text']);
    const now = deps.clock.now();
    const row: CannedReplyRow = { id: newId('cr', now), shortcut: shortcutField(b.shortcut), text: textField(b.text), created_by: authorOf(req).author, created_at: now, updated_at: now };
    await saving(() => insertCannedReply(db, row));
    return reply.status(201).send(cannedView(row));
  });

  app.patch('/api/v1/canned-replies/:id', routeDoc({ summary: 'Change a canned reply', tags, params: { id: str('canned reply id') }, body }), async (req) => {
    const { id } = req.params as { id: string };
    const b = jsonObject(req.body, ['shortcut', 'text']);
    await mustFind(id);
    const patch: { shortcut?: string; text?: string; updated_at: number } = { updated_at: deps.clock.now() };
    if (b.shortcut !== undefined) patch.shortcut = shortcutField(b.shortcut);
    if (b.text !== undefined) patch.text = textField(b.text);
    await saving(() => updateCannedReply(db, id, patch));
    return cannedView(await mustFind(id));
  });

  app.delete('/api/v1/canned-replies/:id', routeDoc({ summary: 'Delete a canned reply', tags, params: { id: str('canned reply id') }, responses: { 204: 'deleted' } }), async (req, reply) => {
    if (!(await deleteCannedReply(db, (req.params as { id: string }).id))) throw new HttpError(404, 'canned_reply_not_found', 'No such canned reply.');
    return reply.status(204).send();
  });

  app.post(
    '/api/v1/canned-replies/:id/render',
    routeDoc({
      summary: 'Render a canned reply for a conversation',
      description: `Returns the text to send (it is not sent). Unknown variables: 422 unknown_variables. Known ones without a value render empty and are listed in "missing". ${VARIABLES_DOC}`,
      tags,
      params: { id: str('canned reply id') },
      body: obj({ conversation_id: str('conversation id') }, ['conversation_id']),
      responses: { 200: '{ text, missing }' },
    }),
    async (req) => {
      const { id } = req.params as { id: string };
      const b = jsonObject(req.body, ['conversation_id']);
      if (typeof b.conversation_id !== 'string' || b.conversation_id === '') throw new HttpError(422, 'invalid_conversation_id', '"conversation_id" is required.', { field: 'conversation_id' });
      const canned = await mustFind(id);
      const c = await findVisibleConversation(db, req, b.conversation_id);
      const who = authorOf(req);
      const agent = who.userId ? await db.selectFrom('users').select(['name', 'email']).where('id', '=', who.userId).executeTakeFirst() : undefined;
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
      for (const [k, v] of Object.entries(record?.attributes ?? {})) values[`linked_record.attributes.${k}`] = v === null || v === undefined ? null : String(v);
      const out = renderCanned(canned.text, values);
      if (out.unknown.length > 0) {
        throw new HttpError(422, 'unknown_variables', `Unknown variable(s): ${out.unknown.join(', ')}.`, { variables: out.unknown });
      }
      return { text: out.text, missing: out.missing };
    },
  );
}

function shortcutField(v: unknown): string {
  if (typeof v !== 'string' || !/^[\w-]{1,50}$/.test(v)) throw new HttpError(422, 'invalid_shortcut', '"shortcut" must be 1 to 50 letters, digits, - or _.', { field: 'shortcut' });
  return v;
}

function textField(v: unknown): string {
  if (typeof v !== 'string' || v.trim() === '' || v.length > 4096) throw new HttpError(422, 'invalid_text', '"text" must be 1 to 4096 characters.', { field: 'text' });
  return v;
}

function cannedView(r: CannedReplyRow) {
  // Unknown variables are kept (a reply may be written before its data exists) but flagged; rendering refuses them.
  const variables = variablesIn(r.text);
  return { id: r.id, shortcut: r.shortcut, text: r.text, variables, unknown_variables: variables.filter((v) => !isKnownVariable(v)), created_by: r.created_by, created_at: new Date(r.created_at).toISOString(), updated_at: new Date(r.updated_at).toISOString() };
}
