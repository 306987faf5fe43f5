import { sql, type Kysely } from 'kysely';
import type { DialectName } from '../dialect-name.ts';

/**
 * Sync without gaps (#13). `conversations.sync_seq` moves a conversation ahead on every change to
 * it, to its messages' statuses, labels, notes or bot pause; `GET /api/v1/conversations?updated_since`
 * pages by (sync_seq, id). `stream_events` keeps the recent inbox events for SSE replay with
 * Last-Event-ID, keyed (xid, seq).
 *
 * Commit order. A sequence number is taken when a row is written, not when its transaction
 * commits: on PostgreSQL a transaction holding 41 may commit after one holding 42, so a reader that
 * returned 42 and moved its cursor past it would never see 41. Both keys are therefore led by the
 * writing transaction's id (`pg_current_xact_id()`, 64-bit, never wraps) and readers only return
 * rows whose xid is below `pg_snapshot_xmin(pg_current_snapshot())`, the oldest transaction still
 * running: every transaction below it has ended, so no row can ever again appear with a key at or
 * below a key handed out. Rows a running transaction wrote wait until it ends. No lock is taken,
 * writers never wait on each other. On SQLite (one writer at a time, commits in write order) a
 * plain counter is enough: max(sync_seq) + 1 through the index (conversations are never deleted,
 * so the maximum never goes back), and an AUTOINCREMENT seq with xid 0 for events.
 *
 * The bump is folded into the conversation's own update where there is one (every new message
 * already updates its conversation): on PostgreSQL a BEFORE trigger sets the column in the same
 * row write; on SQLite an AFTER trigger rewrites the row just written (same page, same
 * transaction). A status change, label, note or bot pause adds that one conversation update.
 */
export function syncChangeSeqMigration(dialect: DialectName) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      if (dialect === 'postgres') await upPostgres(db);
      else await upSqlite(db);
    },
  };
}

/** The tables whose changes move their conversation in the change order (0043 keeps the same set). */
export const SYNC_CHILDREN = [
  { table: 'messages', when: 'after update of status', condition: 'old.status is distinct from new.status' },
  { table: 'conversation_labels', when: 'after insert or delete', condition: null },
  { table: 'notes', when: 'after insert or update or delete', condition: null },
  { table: 'bot_pauses', when: 'after insert or update or delete', condition: null },
] as const;

async function upPostgres(db: Kysely<unknown>): Promise<void> {
  await sql`alter table conversations add column sync_seq bigint not null default 0`.execute(db);
  // One transaction: every existing row gets the same xid; the id orders them.
  await sql`update conversations set sync_seq = pg_current_xact_id()::text::bigint`.execute(db);
  await sql`create index conversations_sync on conversations (sync_seq, id)`.execute(db);
  await sql`create or replace function switchboard_conversation_sync() returns trigger language plpgsql as $$
    begin new.sync_seq := pg_current_xact_id()::text::bigint; return new; end $$`.execute(db);
  await sql`create trigger conversations_sync before insert or update on conversations for each row execute function switchboard_conversation_sync()`.execute(
    db,
  );
  await sql`create or replace function switchboard_conversation_touch() returns trigger language plpgsql as $$
    begin
      if tg_op = 'DELETE' then update conversations set sync_seq = 0 where id = old.conversation_id;
      else update conversations set sync_seq = 0 where id = new.conversation_id; end if;
      return null;
    end $$`.execute(db);
  for (const c of SYNC_CHILDREN) {
    const when = c.condition ? ` when (${c.condition})` : '';
    await sql
      .raw(`create trigger ${c.table}_sync ${c.when} on ${c.table} for each row${when} execute function switchboard_conversation_touch()`)
      .execute(db);
  }
  await sql`create table stream_events (
    xid bigint not null default (pg_current_xact_id()::text::bigint),
    seq bigserial not null,
    at bigint not null,
    type text not null,
    conversation_id text,
    message_id text,
    user_id text,
    primary key (xid, seq))`.execute(db);
}

/** SQLite's triggers on SYNC_CHILDREN (one per operation), each running `bump` on the row's conversation. */
export function sqliteSyncChildTriggers(bump: (conversationId: string) => string): string[] {
  const triggers: string[] = [];
  for (const c of SYNC_CHILDREN) {
    const condition = c.condition?.replace('is distinct from', 'is not');
    for (const op of ['insert', 'update', 'delete'] as const) {
      if (!c.when.includes(op)) continue;
      const row = op === 'delete' ? 'old' : 'new';
      const of = c.table === 'messages' ? ' of status' : '';
      triggers.push(
        `create trigger ${c.table}_sync_${op} after ${op}${of} on ${c.table}${condition ? ` when ${condition}` : ''} begin ${bump(`${row}.conversation_id`)} end`,
      );
    }
  }
  return triggers;
}

async function upSqlite(db: Kysely<unknown>): Promise<void> {
  await sql`alter table conversations add column sync_seq integer not null default 0`.execute(db);
  await sql`update conversations set sync_seq = rowid`.execute(db);
  await sql`create index conversations_sync on conversations (sync_seq, id)`.execute(db);
  const bump = (id: string) => `update conversations set sync_seq = (select max(sync_seq) from conversations) + 1 where id = ${id};`;
  await sql.raw(`create trigger conversations_sync_insert after insert on conversations begin ${bump('new.id')} end`).execute(db);
  // The bump's own update changes sync_seq, so it does not fire this again.
  await sql
    .raw(
      `create trigger conversations_sync_update after update on conversations when new.sync_seq is old.sync_seq begin ${bump('new.id')} end`,
    )
    .execute(db);
  for (const trigger of sqliteSyncChildTriggers(bump)) await sql.raw(trigger).execute(db);
  await sql`create table stream_events (
    seq integer primary key autoincrement,
    xid integer not null default 0,
    at integer not null,
    type text not null,
    conversation_id text,
    message_id text,
    user_id text)`.execute(db);
  await sql`create index stream_events_key on stream_events (xid, seq)`.execute(db);
}
