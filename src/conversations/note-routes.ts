import type { FastifyInstance } from 'fastify';
import { jsonObject } from '../auth/body-fields.ts';
import { HttpError } from '../core/http-error.ts';
import type { Deps } from '../deps.ts';
import { obj, routeDoc, str } from '../http/route-doc.ts';
import { authorOf, findVisibleConversation } from './conversation-access.ts';
import { addNote, listNotes, noteView } from './note-store.ts';

const tags = ['notes'];

/** Private notes on a conversation: for agents only, never sent to WhatsApp. */
export async function noteRoutes(app: FastifyInstance, opts: { deps: Deps }): Promise<void> {
  const { deps } = opts;
  const db = deps.storage.db;
  const params = { id: str('conversation id') };

  app.get('/api/v1/conversations/:id/notes', routeDoc({ summary: 'Private notes, oldest first', tags, params }), async (req) => {
    const { id } = req.params as { id: string };
    await findVisibleConversation(db, req, id);
    return { data: (await listNotes(db, id)).map(noteView) };
  });

  app.post(
    '/api/v1/conversations/:id/notes',
    routeDoc({
      summary: 'Add a private note; @email or @usr_… mentions are resolved to users',
      description: 'Notes are for agents: they are stored with the conversation and never sent to the customer.',
      tags,
      params,
      body: obj({ text: str('1 to 10000 characters') }, ['text']),
      responses: { 201: 'the note with its resolved mentions' },
    }),
    async (req, reply) => {
      const { id } = req.params as { id: string };
      const b = jsonObject(req.body, ['text']);
      if (typeof b.text !== 'string' || b.text.trim() === '' || b.text.length > 10_000) {
        throw new HttpError(422, 'invalid_text', '"text" must be 1 to 10000 characters.', { field: 'text' });
      }
      await findVisibleConversation(db, req, id);
      const who = authorOf(req);
      const text = b.text;
      const note = await db.transaction().execute((trx) => addNote(trx, { conversationId: id, authorId: who.userId, author: who.author, text, now: deps.clock.now() }));
      return reply.status(201).send(noteView(note));
    },
  );
}
