import type { FastifyInstance } from 'fastify';
import { jsonObject } from '../auth/body-fields.ts';
import { HttpError } from '../core/http-error.ts';
import type { Deps } from '../deps.ts';
import { obj, routeDoc, str } from '../http/route-doc.ts';
import { emitNoteMentioned } from '../event-webhooks/pipeline-events.ts';
import { authorOf, findReadableConversation, findVisibleConversation } from './conversation-access.ts';
import { addNote, listNotes, noteView } from './note-store.ts';

const tags = ['notes'];

/** Private notes on a conversation: for agents only, never sent to WhatsApp. */
export async function noteRoutes(app: FastifyInstance, opts: { deps: Deps }): Promise<void> {
  const { deps } = opts;
  const db = deps.storage.db;
  const params = { id: str('conversation id') };

  app.get('/api/v1/conversations/:id/notes', routeDoc({ summary: 'Private notes, oldest first', tags, params }), async (req) => {
    const { id } = req.params as { id: string };
    await findReadableConversation(db, req, id);
    return { data: (await listNotes(db, id)).map(noteView) };
  });

  app.post(
    '/api/v1/conversations/:id/notes',
    routeDoc({
      summary: 'Add a private note; @email or @usr_… mentions are resolved to users',
      description: 'Notes are for agents: they are stored with the conversation and never sent to the customer. Each mentioned user (other than the author) gets a `notification` (reason `mention`) on the stream and a `note.mentioned` event, and may from then on read the conversation (detail, messages, notes) even when it is not assigned to them or their team.',
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
      const now = deps.clock.now();
      const note = await db.transaction().execute(async (trx) => {
        const added = await addNote(trx, { conversationId: id, authorId: who.userId, author: who.author, text, now });
        // The author mentioning themself is not news to them.
        for (const m of added.mentions) {
          if (m.user_id !== who.userId) await emitNoteMentioned(trx, deps.jobs, { noteId: added.id, conversationId: id, userId: m.user_id, author: who.author, now });
        }
        return added;
      });
      deps.jobs.wake();
      return reply.status(201).send(noteView(note));
    },
  );
}
