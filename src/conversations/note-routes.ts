import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { HttpError } from '../core/http-error.ts';
import type { Deps } from '../deps.ts';
import { fieldError, routeSchema } from '../http/route-schema.ts';
import { emitNoteMentioned } from '../event-webhooks/pipeline-events.ts';
import { authorOf, findReadableConversation, findVisibleConversation } from './conversation-access.ts';
import { Note, noteExample } from './conversation-schemas.ts';
import { addNote, listNotes, noteView } from './note-store.ts';

const tags = ['notes'];

const params = Type.Object({ id: Type.String({ description: 'conversation id' }) });
const TEXT_ERROR = fieldError('invalid_text', 422, '"text" must be 1 to 10000 characters.');

/** Private notes on a conversation: for agents only, never sent to WhatsApp. */
export async function noteRoutes(fastify: FastifyInstance, opts: { deps: Deps }): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { deps } = opts;
  const db = deps.storage.db;

  app.get(
    '/api/v1/conversations/:id/notes',
    routeSchema({
      summary: 'Private notes, oldest first',
      tags,
      params,
      response: { 200: Type.Object({ data: Type.Array(Note) }, { examples: [{ data: [noteExample] }] }) },
    }),
    async (req) => {
      const { id } = req.params;
      await findReadableConversation(db, req, id);
      return { data: (await listNotes(db, id)).map(noteView) };
    },
  );

  app.post(
    '/api/v1/conversations/:id/notes',
    routeSchema({
      summary: 'Add a private note; @email or @usr_… mentions are resolved to users',
      description:
        'Notes are for agents: they are stored with the conversation and never sent to the customer. Each mentioned user (other than the author) gets a `notification` (reason `mention`) on the stream and a `note.mentioned` event, and may from then on read the conversation (detail, messages, notes) even when it is not assigned to them or their team.',
      tags,
      params,
      body: Type.Object(
        { text: Type.String({ description: '1 to 10000 characters', ...TEXT_ERROR }) },
        { additionalProperties: false, examples: [{ text: noteExample.text }] },
      ),
      response: { 201: Type.Object(Note.properties, { description: 'the note with its resolved mentions', examples: [noteExample] }) },
    }),
    async (req, reply) => {
      const { id } = req.params;
      const b = req.body;
      if (b.text.trim() === '' || b.text.length > 10_000) {
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
          if (m.user_id !== who.userId)
            await emitNoteMentioned(trx, deps.jobs, { noteId: added.id, conversationId: id, userId: m.user_id, author: who.author, now });
        }
        return added;
      });
      deps.jobs.wake();
      return reply.status(201).send(noteView(note));
    },
  );
}
