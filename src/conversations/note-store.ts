import { newId } from '../core/ids.ts';
import type { Selectable } from 'kysely';
import type { Executor } from '../jobs/job-queue.ts';
import type { Database } from '../storage/database-types.ts';
import { mentionTokens } from './note-mentions.ts';

export type NoteRow = Selectable<Database['notes']>;

export interface Mention {
  user_id: string;
  email: string;
  name: string;
}

/**
 * Private notes: kept beside the conversation, never sent to the customer (nothing here touches
 * the outbound path). Mentions are resolved to existing, not deleted users and stored.
 */
export async function addNote(
  db: Executor,
  input: { conversationId: string; authorId: string | null; author: string; text: string; now: number },
): Promise<NoteRow & { mentions: Mention[] }> {
  const row: NoteRow = {
    id: newId('note', input.now),
    conversation_id: input.conversationId,
    author_id: input.authorId,
    author: input.author,
    text: input.text,
    created_at: input.now,
  };
  await db.insertInto('notes').values(row).execute();
  const mentions = await resolveMentions(db, input.text);
  if (mentions.length > 0) {
    await db
      .insertInto('note_mentions')
      .values(mentions.map((m) => ({ note_id: row.id, user_id: m.user_id, conversation_id: input.conversationId, created_at: input.now })))
      .execute();
  }
  return { ...row, mentions };
}

export async function listNotes(db: Executor, conversationId: string, limit = 200): Promise<Array<NoteRow & { mentions: Mention[] }>> {
  const notes = await db
    .selectFrom('notes')
    .selectAll()
    .where('conversation_id', '=', conversationId)
    .orderBy('created_at')
    .orderBy('id')
    .limit(limit)
    .execute();
  if (notes.length === 0) return [];
  const mentions = await db
    .selectFrom('note_mentions as nm')
    .innerJoin('users as u', 'u.id', 'nm.user_id')
    .select(['nm.note_id', 'u.id as user_id', 'u.email', 'u.name'])
    .where(
      'nm.note_id',
      'in',
      notes.map((n) => n.id),
    )
    .execute();
  return notes.map((n) => ({
    ...n,
    mentions: mentions.filter((m) => m.note_id === n.id).map(({ user_id, email, name }) => ({ user_id, email, name })),
  }));
}

export function noteView(n: NoteRow & { mentions: Mention[] }) {
  return {
    id: n.id,
    conversation_id: n.conversation_id,
    author: n.author,
    author_id: n.author_id,
    text: n.text,
    mentions: n.mentions,
    created_at: new Date(n.created_at).toISOString(),
  };
}

async function resolveMentions(db: Executor, text: string): Promise<Mention[]> {
  const { emails, userIds } = mentionTokens(text);
  if (emails.length === 0 && userIds.length === 0) return [];
  const users = await db
    .selectFrom('users')
    .select(['id as user_id', 'email', 'name'])
    .where('deleted_at', 'is', null)
    .where((eb) =>
      eb.or([...(emails.length > 0 ? [eb('email', 'in', emails)] : []), ...(userIds.length > 0 ? [eb('id', 'in', userIds)] : [])]),
    )
    .execute();
  return users;
}
