import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Readable } from 'node:stream';
import { sql } from 'kysely';
import { importAudienceCsv } from '../../src/broadcasts/import-audience-csv.ts';
import { getBroadcast, pendingRecipients } from '../../src/broadcasts/broadcast-store.ts';
import { broadcastView } from '../../src/broadcasts/broadcast-views.ts';
import { readTallies } from '../../src/broadcasts/broadcast-tallies.ts';
import { syncInFlight } from '../../src/broadcasts/recipient-funnel.ts';
import { runBroadcast } from '../../src/broadcasts/run-broadcast.ts';
import { forEachDialect } from '../support/dialects.ts';
import { startWorld, type World } from '../support/test-world.ts';
import { approvedTemplate, body } from '../templates/helpers.ts';

const RECIPIENTS = Number(process.env.BROADCAST_TICK_RECIPIENTS ?? 100_000);

/**
 * A broadcast of 100,000 recipients: each tick reads the next batch by the (broadcast_id, state,
 * seq) index and only the recipients in flight by (broadcast_id, status), and GET reads the
 * counters, so a tick costs the same at the start of a large broadcast as of a small one. The
 * plans are asserted (an index, never a scan of the broadcast's recipients); the times are printed
 * for docs/broadcasts.md beside a full count of the recipients (what each tick did before), not
 * asserted: wall time on the shared machine swings with load.
 */
forEachDialect(`broadcasts: ticks of a ${RECIPIENTS}-recipient broadcast read by index`, (dialect) => {
  let w: World;
  before(async () => {
    w = await startWorld({ dialect });
  });
  after(async () => {
    await w?.stop();
  });

  test('the next batch, the in-flight recipients and the live counts never scan the broadcast', async () => {
    await approvedTemplate(w, {
      name: 'aviso_escala',
      language: 'es_MX',
      category: 'UTILITY',
      components: [body('Hola {{1}}, mañana hay mantenimiento.', ['Ana'])],
    });
    const lines = ['phone,name'];
    for (let i = 0; i < RECIPIENTS; i++) lines.push(`+1415${String(2_000_000 + i)},N${i}`);
    // Imported in process (the HTTP import is csv-import-speed.test.ts's): on a loaded machine a
    // 3 MB upload can outlast the server's request timeout.
    const imported = await importAudienceCsv(
      w.app.deps,
      { name: 'scale', createdBy: 'api', maxBytes: 64 * 1024 * 1024 },
      Readable.from([Buffer.from(`${lines.join('\n')}\n`)]),
    );
    assert.ok(imported.ok, JSON.stringify(imported).slice(0, 300));
    const audience = imported.audience.id;
    const made = await w.api('POST', '/api/v1/broadcasts', {
      name: 'scale',
      template: 'aviso_escala',
      language: 'es_MX',
      audience_id: audience,
      parameters: { body: [{ column: 'name' }] },
      override_opt_in: { reason: 'maintenance notice' },
    });
    const id: string = made.body.id;
    const t0 = performance.now();
    const started = await w.api('POST', `/api/v1/broadcasts/${id}/start`, {});
    const freezeMs = performance.now() - t0;
    assert.equal(started.status, 200, JSON.stringify(started.body).slice(0, 300));
    assert.equal(started.body.counts.pending, RECIPIENTS);
    const db = w.app.deps.storage.db;
    if (dialect === 'postgres') await sql`analyze broadcast_recipients`.execute(db);
    else await sql`analyze`.execute(db);

    // The plans: an index for each per-tick read, no scan of broadcast_recipients.
    const plan = async (q: { sql: string; parameters: readonly unknown[] }) => {
      const rows = await sql
        .raw(`${dialect === 'postgres' ? 'explain' : 'explain query plan'} ${inline(q.sql, q.parameters, dialect)}`)
        .execute(db);
      return rows.rows.map((r: any) => String(r['QUERY PLAN'] ?? r.detail)).join(' | ');
    };
    const next = db
      .selectFrom('broadcast_recipients')
      .selectAll()
      .where('broadcast_id', '=', id)
      .where('state', '=', sql.lit('pending'))
      .orderBy('seq')
      .limit(80)
      .compile();
    const inFlight = db
      .selectFrom('broadcast_recipients as r')
      .innerJoin('messages as m', 'm.id', 'r.message_id')
      .select(['r.contact_id', 'm.status'])
      .where('r.broadcast_id', '=', id)
      .where('r.status', '=', 'queued')
      .compile();
    for (const [name, q] of [
      ['next batch', next],
      ['in flight', inFlight],
    ] as const) {
      const p = await plan(q);
      console.log(`${dialect} plan, ${name}: ${p}`);
      assert.match(p, /broadcast_recipients_(pending|state_seq|status|seq|pk)|Index/i, `${name} uses an index: ${p}`);
      assert.doesNotMatch(p, /SCAN (r|broadcast_recipients)\b(?! USING)|Seq Scan on broadcast_recipients/, `${name} never scans: ${p}`);
    }

    // A few real ticks, then the same reads timed beside a full count of the recipients.
    const tickMs: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t = performance.now();
      await runBroadcast(w.app.deps, { broadcastId: id });
      tickMs.push(performance.now() - t);
      w.clock.advance(7000); // past the pair rate: the next tick hands out the next 80 (sends and callbacks go on meanwhile)
    }
    const time = async (f: () => Promise<unknown>, n = 20) => {
      const t = performance.now();
      for (let i = 0; i < n; i++) await f();
      return (performance.now() - t) / n;
    };
    const nextMs = await time(() => pendingRecipients(db, id, 80));
    const flightMs = await time(() => syncInFlight(db, w.app.deps.jobs, id, w.clock.now()));
    const countsMs = await time(() => readTallies(db, id));
    const row = await getBroadcast(db, id);
    const viewMs = row ? await time(() => broadcastView(db, row)) : Number.NaN;
    const getMs = await time(() => w.api('GET', `/api/v1/broadcasts/${id}`));
    const scanMs = await time(
      () =>
        db
          .selectFrom('broadcast_recipients as r')
          .leftJoin('messages as m', 'm.id', 'r.message_id')
          .select(['r.state', 'm.status', sql<number>`count(*)`.as('n')])
          .where('r.broadcast_id', '=', id)
          .groupBy(['r.state', 'm.status'])
          .execute(),
      5,
    );
    const b = (await w.api('GET', `/api/v1/broadcasts/${id}`)).body;
    assert.equal(b.counts.total, RECIPIENTS);
    assert.ok(b.counts.pending <= RECIPIENTS - 80, JSON.stringify(b.counts));
    console.log(
      `${dialect}: ${RECIPIENTS} recipients; freeze (start) ${(freezeMs / 1000).toFixed(1)} s; ticks (80 hand-outs each) ${tickMs.map((t) => t.toFixed(0)).join(', ')} ms; next batch ${nextMs.toFixed(2)} ms, in-flight sync ${flightMs.toFixed(2)} ms, counters ${countsMs.toFixed(2)} ms, the whole view ${viewMs.toFixed(2)} ms, GET /broadcasts/:id over HTTP (while the sends and their callbacks run) ${getMs.toFixed(2)} ms; a full count of the recipients (the old per-tick read) ${scanMs.toFixed(1)} ms`,
    );
    await w.api('POST', `/api/v1/broadcasts/${id}/cancel`);
  });
});

/** The compiled query with its parameters written in, for EXPLAIN (test-only: the values are ours). */
function inline(text: string, params: readonly unknown[], dialect: string): string {
  const lit = (v: unknown) => (typeof v === 'number' ? String(v) : `'${String(v).replaceAll("'", "''")}'`);
  if (dialect === 'postgres') return text.replace(/\$(\d+)/g, (_, n) => lit(params[Number(n) - 1]));
  let i = 0;
  return text.replace(/\?/g, () => lit(params[i++]));
}
