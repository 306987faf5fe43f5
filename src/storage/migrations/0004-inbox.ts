import { sql, type Kysely } from 'kysely';
import type { DialectName } from '../dialect-name.ts';

/**
 * The conversation inbox: assignment columns (routing fills them), snooze, linked external record,
 * read and response-time bookkeeping on conversations; labels, notes with mentions, canned replies;
 * and the indexes the list filters use. Every list index ends in (last_message_at desc, id desc),
 * the keyset order, so the first page of a filter is an index range scan with no sort.
 */
export function inboxMigration(_dialect: DialectName) {
  const time = 'bigint' as const;
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      const columns: Array<[string, 'text' | 'bigint' | 'integer', boolean]> = [
        // [name, type, not null default 0]
        ['assignee_id', 'text', false],
        ['team_id', 'text', false],
        ['snoozed_until', time, false],
        ['linked_record_type', 'text', false],
        ['linked_record_id', 'text', false],
        ['linked_record', 'text', false], // JSON: { url, title, attributes }
        ['first_response_at', time, false],
        ['response_count', 'integer', true],
        ['response_total_ms', time, true],
        ['last_read_at', time, false],
        ['awaiting_reply_since', time, false],
      ];
      for (const [name, type, counter] of columns) {
        await db.schema
          .alterTable('conversations')
          .addColumn(name, type, (c) => (counter ? c.notNull().defaultTo(0) : c))
          .execute();
      }

      const listIndex = (name: string, lead: string[]) =>
        db.schema
          .createIndex(name)
          .ifNotExists()
          .on('conversations')
          .columns([...lead, 'last_message_at desc', 'id desc'])
          .execute();
      await listIndex('conversations_status_activity', ['status']);
      await listIndex('conversations_assignee_activity', ['assignee_id']);
      await listIndex('conversations_team_activity', ['team_id']);
      await listIndex('conversations_channel_activity', ['channel_id']);
      // Unread conversations are few among many: a partial index keeps "unread=true" a short scan.
      await sql`create index if not exists conversations_unread_activity on conversations (last_message_at desc, id desc) where unread_count > 0`.execute(
        db,
      );
      await db.schema
        .createIndex('conversations_linked_record')
        .ifNotExists()
        .on('conversations')
        .columns(['linked_record_type', 'linked_record_id'])
        .execute();

      await db.schema
        .createTable('labels')
        .ifNotExists()
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('color', 'text')
        .addColumn('created_at', time, (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('conversation_labels')
        .ifNotExists()
        .addColumn('conversation_id', 'text', (c) => c.notNull().references('conversations.id').onDelete('cascade'))
        .addColumn('label_id', 'text', (c) => c.notNull().references('labels.id').onDelete('cascade'))
        .addColumn('created_at', time, (c) => c.notNull())
        .addPrimaryKeyConstraint('conversation_labels_pk', ['conversation_id', 'label_id'])
        .execute();
      // The label filter: which conversations carry this label.
      await db.schema
        .createIndex('conversation_labels_label')
        .ifNotExists()
        .on('conversation_labels')
        .columns(['label_id', 'conversation_id'])
        .execute();

      await db.schema
        .createTable('notes')
        .ifNotExists()
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('conversation_id', 'text', (c) => c.notNull().references('conversations.id').onDelete('cascade'))
        .addColumn('author_id', 'text') // the user, when a user wrote it
        .addColumn('author', 'text', (c) => c.notNull()) // agent:<id> | api
        .addColumn('text', 'text', (c) => c.notNull())
        .addColumn('created_at', time, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('notes_conversation').ifNotExists().on('notes').columns(['conversation_id', 'created_at']).execute();

      await db.schema
        .createTable('note_mentions')
        .ifNotExists()
        .addColumn('note_id', 'text', (c) => c.notNull().references('notes.id').onDelete('cascade'))
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('conversation_id', 'text', (c) => c.notNull())
        .addColumn('created_at', time, (c) => c.notNull())
        .addPrimaryKeyConstraint('note_mentions_pk', ['note_id', 'user_id'])
        .execute();
      // "Where was I mentioned", newest first (notifications).
      await db.schema.createIndex('note_mentions_user').ifNotExists().on('note_mentions').columns(['user_id', 'created_at']).execute();

      await db.schema
        .createTable('canned_replies')
        .ifNotExists()
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('shortcut', 'text', (c) => c.notNull().unique())
        .addColumn('text', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', time, (c) => c.notNull())
        .addColumn('updated_at', time, (c) => c.notNull())
        .execute();
    },
  };
}
