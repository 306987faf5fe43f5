import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { pruneStreamEvents, streamEventsAfter, streamHead } from '../../src/realtime/stream-event-store.ts';
import type { Database as Tables } from '../../src/storage/database-types.ts';
import { SQLITE_DIALECT } from '../../src/storage/dialect.ts';
import { BY_BSUID_OR_WA_ID } from '../../src/contacts/whatsapp-contact-store.ts';
import { openStorage } from '../../src/storage/open-database.ts';
import { preparedStatementName, rawQueriesMade } from '../../src/storage/raw-query.ts';
// Loads every module of the server, so every prebuilt hot-path statement is made.
import '../../src/start-switchboard.ts';

/**
 * The statements every message runs (raw-query.ts) must find their rows through an index, whatever
 * the size of the tables: a full scan, or a search on an index's low-cardinality prefix alone, costs
 * more with every contact and message stored (issue #16: the contact lookup by BSUID *or* wa_id was
 * planned as a walk of every WhatsApp contact, 152 µs a message at only 1,000 contacts).
 */

// Columns with a handful of values: an index search constrained by these alone is a scan in disguise.
const LOW_CARDINALITY = new Set(['channel_kind', 'direction', 'provider', 'kind', 'queue_name']);
// Allowed: `status = 'pending'` reads a partial index of the few pending rows.
const ALLOWED = [/^select 1 as "one" from "webhook_events" where "status" = 'pending'/];

let dir: string;
let sqlite: Database.Database;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'switchboard-plans-'));
  const storage = await openStorage({ dataDir: dir });
  await storage.close();
  sqlite = new Database(join(dir, 'switchboard.sqlite'), { readonly: true });
});

after(() => {
  sqlite.close();
  rmSync(dir, { recursive: true, force: true });
});

function planOf(sqlText: string): string[] {
  const params = Array((sqlText.match(/\?/g) ?? []).length).fill(null);
  return (sqlite.prepare(`explain query plan ${sqlText}`).all(...params) as { detail: string }[]).map((r) => r.detail);
}

/** What is wrong with a plan step, or undefined. */
function weakStep(step: string): string | undefined {
  const scan = /^SCAN (\S+)/.exec(step);
  if (scan && !/json_each|VIRTUAL TABLE/.test(step)) return `scans every row of ${scan[1]}`;
  const search = /^SEARCH (\S+) USING (?:COVERING )?INDEX \S+ \(([^)]*)\)/.exec(step);
  if (search) {
    const cols = (search[2] ?? '').split(' AND ').map((c) => c.replace(/[=<>?]+.*$/, '').trim());
    if (cols.every((c) => LOW_CARDINALITY.has(c))) return `searches ${search[1]} by ${cols.join(', ')} only`;
  }
  return undefined;
}

test('every prebuilt hot-path statement that SQLite can plan finds its rows through a selective index', () => {
  const checked: string[] = [];
  const problems: string[] = [];
  for (const q of rawQueriesMade()) {
    if (/pg_notify|pg_advisory|graphile_worker\./.test(q.sqlite)) continue; // PostgreSQL-only statements
    if (ALLOWED.some((re) => re.test(q.sqlite))) continue;
    checked.push(q.sqlite);
    for (const step of planOf(q.sqlite)) {
      const why = weakStep(step);
      if (why) problems.push(`${why}: ${q.sqlite.replace(/\s+/g, ' ').slice(0, 140)}`);
    }
  }
  assert.ok(checked.length >= 30, `only ${checked.length} statements were made: the server's modules did not load`);
  assert.deepEqual(problems, []);
});

test('PostgreSQL runs every prebuilt statement prepared: none selects or returns `*`', () => {
  const unprepared = rawQueriesMade()
    .filter((q) => preparedStatementName(q.postgres) === undefined)
    .map((q) => q.postgres.replace(/\s+/g, ' ').slice(0, 120));
  assert.ok(rawQueriesMade().length >= 30);
  assert.deepEqual(unprepared, []);
});

test('the check itself catches the plan that walked every WhatsApp contact', () => {
  const orForm = `select * from "contacts" where "channel_kind" = 'whatsapp' and ("bsuid" = ? or "external_id" in (?, ?)) order by "created_at", "id"`;
  assert.ok(planOf(orForm).some((s) => weakStep(s)?.includes('contacts by channel_kind only')));
  const plan = planOf(BY_BSUID_OR_WA_ID.sqlite);
  assert.ok(
    plan.some((s) => /contacts_bsuid \(channel_kind=\? AND bsuid=\?\)/.test(s)),
    plan.join('\n'),
  );
  assert.ok(
    plan.some((s) => /\(channel_kind=\? AND external_id=\?\)/.test(s)),
    plan.join('\n'),
  );
});

test('the stream replay log is read in rowid order on SQLite, with no (xid, seq) index to keep', async () => {
  const file = join(dir, 'switchboard.sqlite');
  const indexes = sqlite.prepare(`select name from sqlite_schema where type = 'index' and tbl_name = 'stream_events'`).all();
  assert.deepEqual(indexes, [], 'migration 0042 drops stream_events_key on SQLite');
  const jobIndexes = sqlite.prepare(`select name from sqlite_schema where type = 'index' and tbl_name = 'jobs' and sql is not null`).all();
  assert.deepEqual(jobIndexes, [], 'and the job indexes no query used');
  const made: string[] = [];
  const db = new Kysely<Tables>({
    dialect: new SqliteDialect({ database: new Database(file) }),
    log: (e) => void (e.level === 'query' && made.push(e.query.sql)),
  });
  try {
    await streamHead(db, SQLITE_DIALECT);
    await streamEventsAfter(db, SQLITE_DIALECT, { xid: 0, seq: 5 }, 100, { xid: 0, seq: 50 });
    await pruneStreamEvents(db, SQLITE_DIALECT, Date.now());
  } finally {
    await db.destroy();
  }
  const after = made.find((q) => /seq" > \?|seq > \?/.test(q));
  assert.ok(after, made.join('\n'));
  assert.ok(
    planOf(after).some((s) => /USING INTEGER PRIMARY KEY \(rowid>\? AND rowid<\?\)/.test(s)),
    planOf(after).join('\n'),
  );
  for (const q of made) assert.ok(!planOf(q).some((s) => s.includes('TEMP B-TREE')), `sorts: ${q}\n${planOf(q).join('\n')}`);
});

test('the partial team and linked-record indexes still serve the inbox filters that name them', () => {
  const team = planOf(`select "id" from "conversations" where "team_id" = ? order by "last_message_at" desc, "id" desc limit 50`);
  assert.ok(
    team.some((s) => s.includes('conversations_team_activity (team_id=?)')),
    team.join('\n'),
  );
  assert.ok(!team.some((s) => s.includes('TEMP B-TREE')), team.join('\n'));
  const record = planOf(`select "id" from "conversations" where "linked_record_type" = ? and "linked_record_id" = ?`);
  assert.ok(
    record.some((s) => s.includes('conversations_linked_record')),
    record.join('\n'),
  );
});
