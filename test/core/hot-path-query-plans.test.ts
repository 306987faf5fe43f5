import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import { BY_BSUID_OR_WA_ID } from '../../src/contacts/whatsapp-contact-store.ts';
import { openStorage } from '../../src/storage/open-database.ts';
import { rawQueriesMade } from '../../src/storage/raw-query.ts';
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
    if (/pg_notify|pg_advisory/.test(q.sqlite)) continue; // PostgreSQL-only statements
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
