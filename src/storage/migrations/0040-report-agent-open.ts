import { type Kysely, sql } from 'kysely';
import type { DialectName } from '../dialect-name.ts';

/**
 * The agents report's current load without counting conversations (#19, docs/reports.md
 * "Performance"). Counting the open, assigned conversations per agent walked every one of them
 * (420,287 rows, 294 ms on PostgreSQL at 1,000,000 conversations).
 *
 * Triggers on `conversations` append +1 / -1 to `report_agent_open_deltas` when a conversation
 * starts or stops being open (status other than closed) and assigned to someone: inserts only, so
 * concurrent writers never wait on one agent's row nor deadlock over two. The fold moves the deltas
 * into `report_agent_open` (one row per agent); the report reads both in one statement.
 *
 * The condition is the one the count used (0035's partial index): `status <> 'closed' and
 * assignee_id is not null`.
 */
const OPEN = (row: 'old' | 'new') => `${row}.status <> 'closed' and ${row}.assignee_id is not null`;
const CHANGED = `old.assignee_id is distinct from new.assignee_id or (old.status = 'closed') <> (new.status = 'closed')`;
const DELTA = (row: 'old' | 'new', d: number) => `insert into report_agent_open_deltas (agent_id, d) values (${row}.assignee_id, ${d})`;

export function reportAgentOpenMigration(dialect: DialectName) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      const pg = dialect === 'postgres';
      const big = pg ? 'bigint' : 'integer';
      // Hold the fold's lock (FOLD_LOCK_KEY) so no fold compacts between the backfill and the commit.
      if (pg) await sql`select pg_advisory_xact_lock(7160411029)`.execute(db);
      await sql.raw(`create table report_agent_open (agent_id text primary key, n ${big} not null)`).execute(db);
      await sql
        .raw(
          pg
            ? 'create table report_agent_open_deltas (id bigserial primary key, agent_id text not null, d integer not null)'
            : 'create table report_agent_open_deltas (id integer primary key autoincrement, agent_id text not null, d integer not null)',
        )
        .execute(db);
      if (pg) {
        await sql
          .raw(`create or replace function report_agent_open() returns trigger language plpgsql as $$
            begin
              if tg_op <> 'INSERT' then
                if ${OPEN('old')} then ${DELTA('old', -1)}; end if;
              end if;
              if tg_op <> 'DELETE' then
                if ${OPEN('new')} then ${DELTA('new', 1)}; end if;
              end if;
              return null;
            end $$`)
          .execute(db);
        const fn = 'for each row execute function report_agent_open()';
        await sql.raw(`create trigger report_agent_open_insert after insert on conversations ${fn}`).execute(db);
        await sql.raw(`create trigger report_agent_open_delete after delete on conversations ${fn}`).execute(db);
        await sql
          .raw(`create trigger report_agent_open_update after update of status, assignee_id on conversations for each row
            when (${CHANGED}) execute function report_agent_open()`)
          .execute(db);
      } else {
        const changed = CHANGED.replace(' is distinct from ', ' is not ');
        await sql
          .raw(`create trigger report_agent_open_insert after insert on conversations for each row when ${OPEN('new')}
            begin ${DELTA('new', 1)}; end`)
          .execute(db);
        await sql
          .raw(`create trigger report_agent_open_delete after delete on conversations for each row when ${OPEN('old')}
            begin ${DELTA('old', -1)}; end`)
          .execute(db);
        await sql
          .raw(`create trigger report_agent_open_update after update of status, assignee_id on conversations for each row
            when ${changed}
            begin
              insert into report_agent_open_deltas (agent_id, d) select old.assignee_id, -1 where ${OPEN('old')};
              insert into report_agent_open_deltas (agent_id, d) select new.assignee_id, 1 where ${OPEN('new')};
            end`)
          .execute(db);
      }
      // On PostgreSQL the triggers' lock on conversations keeps writers out until this commits.
      await sql`insert into report_agent_open (agent_id, n)
        select assignee_id, count(*) from conversations where status <> 'closed' and assignee_id is not null
        group by assignee_id`.execute(db);
    },
  };
}
