import { sql, type Kysely } from 'kysely';
import type { DialectName } from '../dialect-name.ts';

/**
 * Reports (#19, docs/reports.md). Triggers append every change a report counts to `report_events`
 * in the transaction that makes it (a message stored, a template's status, a price, a conversation
 * opened, closed, reopened or assigned, a bot pause, an availability change). The fold
 * (src/reports/fold-report-events.ts) turns them into hourly rollups and deletes them, in one
 * transaction, so each event counts exactly once; reports read only the rollups.
 *
 * Commit order: on PostgreSQL an event carries its writing transaction's id and the fold takes only
 * events below the oldest running transaction (as 0018-sync-change-seq does), so events are folded
 * in the order they happened even when transactions commit out of order.
 *
 * Times come from the rows (the application's clock), never from the database's clock.
 */
export function reportsMigration(dialect: DialectName) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      const pg = dialect === 'postgres';
      const big = pg ? 'bigint' : 'integer';
      const real = pg ? 'double precision' : 'real';
      if (pg)
        await sql`create table report_events (
          id bigserial primary key,
          xid bigint not null default (pg_current_xact_id()::text::bigint),
          type text not null, at bigint not null, ref text not null, conversation_id text,
          old_value text, new_value text)`.execute(db);
      else
        await sql`create table report_events (
          id integer primary key autoincrement, xid integer not null default 0,
          type text not null, at integer not null, ref text not null, conversation_id text,
          old_value text, new_value text)`.execute(db);

      // Per-conversation state the fold keeps between events (running clocks, who holds it).
      await sql
        .raw(`create table report_conversation_state (
          conversation_id text primary key, channel_id text not null,
          opened_at ${big} not null, awaiting_since ${big}, responded integer not null default 0,
          human integer not null default 0, handed_off integer not null default 0,
          assignee_id text, team_id text,
          template_key text, template_at ${big})`)
        .execute(db);
      await sql
        .raw(`create table report_availability_state (user_id text primary key, availability text not null, since ${big} not null)`)
        .execute(db);

      // Rollups, one row per UTC hour and dimension. '' stands for "none" so keys stay unique.
      const rollups: Array<[string, string, string]> = [
        [
          'report_volume',
          'hour, channel_id, metric, sender, kind',
          `channel_id text not null, metric text not null, sender text not null, kind text not null, n ${big} not null`,
        ],
        [
          'report_times',
          'hour, metric, business, channel_id, team_id, agent_id, bucket',
          `metric text not null, business integer not null, channel_id text not null, team_id text not null, agent_id text not null, bucket integer not null, n ${big} not null, total_ms ${big} not null`,
        ],
        [
          'report_templates',
          'hour, channel_id, template, language, broadcast_id, metric',
          `channel_id text not null, template text not null, language text not null, broadcast_id text not null, metric text not null, n ${big} not null`,
        ],
        [
          'report_costs',
          'hour, channel_id, category, template, country',
          `channel_id text not null, category text not null, template text not null, country text not null, messages ${big} not null, billable ${big} not null, price ${real} not null, price_estimate ${real} not null`,
        ],
        ['report_agents', 'hour, agent_id, metric', `agent_id text not null, metric text not null, n ${big} not null`],
        [
          'report_bot',
          'hour, channel_id, metric, reason',
          `channel_id text not null, metric text not null, reason text not null, n ${big} not null`,
        ],
      ];
      for (const [table, key, columns] of rollups)
        await sql.raw(`create table ${table} (hour ${big} not null, ${columns}, primary key (${key}))`).execute(db);

      for (const t of pg ? postgresTriggers() : sqliteTriggers()) await sql.raw(t).execute(db);
      for (const q of backfill(pg)) await sql.raw(q).execute(db);
    },
  };
}

interface TriggerSpec {
  name: string;
  table: string;
  event: string; // insert | update of ...
  when: string | null; // in SQLite syntax ("is not" for "is distinct from")
  type: string;
  at: string;
  ref: string;
  conversation: string;
  old: string | null; // SQLite expression
  new: string | null;
}

const sqliteJson = (row: string, fields: Record<string, string>) =>
  `json_object(${Object.entries(fields)
    .map(([k, c]) => `'${k}', ${row}.${c}`)
    .join(', ')})`;
const COST = { c: 'pricing_category', b: 'billable', p: 'price', e: 'price_estimate' };
const ASSIGN = { a: 'assignee_id', t: 'team_id' };

const SPECS: TriggerSpec[] = [
  {
    name: 'report_message',
    table: 'messages',
    event: 'insert',
    when: null,
    type: 'message',
    at: "case when new.direction = 'in' then new.sent_at else new.created_at end",
    ref: 'new.id',
    conversation: 'new.conversation_id',
    old: null,
    new: null,
  },
  {
    name: 'report_template_status',
    table: 'messages',
    event: 'update of status',
    when: 'new.template_name is not null and old.status is not new.status',
    type: 'message_status',
    at: 'coalesce(new.status_at, new.created_at)',
    ref: 'new.id',
    conversation: 'new.conversation_id',
    old: 'old.status',
    new: 'new.status',
  },
  {
    name: 'report_message_cost',
    table: 'messages',
    event: 'update of pricing_category, billable, price',
    when: 'old.pricing_category is not new.pricing_category or old.billable is not new.billable or old.price is not new.price',
    type: 'message_cost',
    at: 'new.created_at',
    ref: 'new.id',
    conversation: 'new.conversation_id',
    old: sqliteJson('old', COST),
    new: sqliteJson('new', COST),
  },
  {
    name: 'report_conversation_opened',
    table: 'conversations',
    event: 'insert',
    when: null,
    type: 'conversation_opened',
    at: 'new.created_at',
    ref: 'new.id',
    conversation: 'new.id',
    old: null,
    new: null,
  },
  {
    name: 'report_conversation_status',
    table: 'conversations',
    event: 'update of status',
    when: 'old.status is not new.status',
    type: 'conversation_status',
    at: 'new.updated_at',
    ref: 'new.id',
    conversation: 'new.id',
    old: 'old.status',
    new: 'new.status',
  },
  {
    name: 'report_conversation_assignee',
    table: 'conversations',
    event: 'update of assignee_id, team_id',
    when: 'old.assignee_id is not new.assignee_id or old.team_id is not new.team_id',
    type: 'conversation_assignee',
    at: 'new.updated_at',
    ref: 'new.id',
    conversation: 'new.id',
    old: sqliteJson('old', ASSIGN),
    new: sqliteJson('new', ASSIGN),
  },
  {
    name: 'report_bot_pause',
    table: 'bot_pauses',
    event: 'insert',
    when: null,
    type: 'bot_pause',
    at: 'new.paused_at',
    ref: 'new.conversation_id',
    conversation: 'new.conversation_id',
    old: null,
    new: 'new.reason',
  },
  {
    name: 'report_availability',
    table: 'users',
    event: 'update of availability',
    when: 'old.availability is not new.availability',
    type: 'availability',
    at: 'new.updated_at',
    ref: 'new.id',
    conversation: 'null',
    old: 'old.availability',
    new: 'new.availability',
  },
];

/**
 * The history before this migration, as the events the triggers would have written, in time order:
 * conversations opened, messages, their template status and price, conversations closed or
 * archived. Assignments, bot pauses and availability before it are not known (no history of them).
 */
function backfill(pg: boolean): string[] {
  const json = (row: string, f: Record<string, string>) => {
    const s = sqliteJson(row, f);
    return pg ? `json_build_object(${s.slice('json_object('.length, -1)})::text` : s;
  };
  const nulls = pg
    ? `json_build_object('c', null, 'b', null, 'p', null, 'e', m.price_estimate)::text`
    : `json_object('c', null, 'b', null, 'p', null, 'e', m.price_estimate)`;
  const ins = 'insert into report_events (type, at, ref, conversation_id, old_value, new_value)';
  return [
    `${ins} select 'conversation_opened', created_at, id, id, null, null from conversations order by created_at, id`,
    `${ins} select 'message', case when direction = 'in' then sent_at else created_at end, id, conversation_id, null, null from messages order by created_at, seq`,
    `${ins} select 'message_status', coalesce(status_at, created_at), id, conversation_id, 'queued', status from messages where template_name is not null and status not in ('queued', 'sending') order by created_at, seq`,
    `${ins} select 'message_cost', created_at, m.id, m.conversation_id, ${nulls}, ${json('m', COST)} from messages m where m.pricing_category is not null or m.price is not null or m.billable is not null order by m.created_at, m.seq`,
    `${ins} select 'conversation_status', updated_at, id, id, 'active', status from conversations where status <> 'active' order by updated_at, id`,
  ];
}

function insertFor(s: TriggerSpec, old: string | null, neu: string | null): string {
  return `insert into report_events (type, at, ref, conversation_id, old_value, new_value) values ('${s.type}', ${s.at}, ${s.ref}, ${s.conversation}, ${old ?? 'null'}, ${neu ?? 'null'})`;
}

function sqliteTriggers(): string[] {
  return SPECS.map(
    (s) =>
      `create trigger ${s.name} after ${s.event} on ${s.table} for each row${s.when ? ` when ${s.when}` : ''} begin ${insertFor(s, s.old, s.new)}; end`,
  );
}

function postgresTriggers(): string[] {
  const pgJson = (expr: string | null) =>
    expr?.startsWith('json_object(') ? `json_build_object(${expr.slice('json_object('.length, -1)})::text` : expr;
  const out: string[] = [];
  for (const s of SPECS) {
    const when = s.when ? ` when (${s.when.replaceAll(' is not ', ' is distinct from ')})` : '';
    // Numbers and flags are cast to text where a text column takes them.
    const old = s.old && !s.old.startsWith('json_object(') ? `${s.old}::text` : pgJson(s.old);
    const neu = s.new && !s.new.startsWith('json_object(') ? `${s.new}::text` : pgJson(s.new);
    out.push(`create or replace function ${s.name}() returns trigger language plpgsql as $$
      begin ${insertFor(s, old, neu)}; return null; end $$`);
    out.push(`create trigger ${s.name} after ${s.event} on ${s.table} for each row${when} execute function ${s.name}()`);
  }
  return out;
}
