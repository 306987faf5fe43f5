import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startBusinessApi, type BusinessApi } from '../flows/flow-helpers.ts';
import { Readable } from 'node:stream';
import { importAudienceCsv } from '../../src/broadcasts/import-audience-csv.ts';
import { waIdVariants } from '../../src/core/phone.ts';
import { forEachDialect } from '../support/dialects.ts';
import { ADMIN_TOKEN, startWorld, type World } from '../support/test-world.ts';
import { waitFor } from '../support/wait-for.ts';
import { approvedTemplate, body } from '../templates/helpers.ts';

const UNREGISTERED = '525512349999';

/** Posts a CSV file as it would be uploaded. */
async function importCsv(w: World, query: string, csv: string): Promise<{ status: number; body: any }> {
  const res = await fetch(`${w.app.url}/api/v1/audiences/import?${query}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'text/csv' },
    body: csv,
  });
  return { status: res.status, body: await res.json() };
}

async function contactId(w: World, externalId: string): Promise<string> {
  const row = await w.app.deps.storage.db
    .selectFrom('contacts')
    .select('id')
    .where('external_id', '=', externalId)
    .executeTakeFirstOrThrow();
  return row.id;
}

/** Runs a running broadcast tick by tick (a second of the shared clock each) until it leaves `running`. */
async function drive(w: World, id: string, maxTicks = 30): Promise<any> {
  for (let i = 0; i < maxTicks; i++) {
    await w.sim.drainWebhooks();
    await w.settle();
    const b = (await w.api('GET', `/api/v1/broadcasts/${id}`)).body;
    if (b.state !== 'running' && b.state !== 'scheduled') return b;
    w.clock.advance(1000);
  }
  throw new Error(`broadcast ${id} still running after ${maxTicks} ticks`);
}

/** Templates each customer received, by name. */
const templatesTo = (w: World, waId: string, name: string) =>
  waIdVariants(waId).reduce(
    (n, id) =>
      n +
      w.sim
        .customer(id)
        .received()
        .filter((m) => m.type === 'template' && m.template?.name === name).length,
    0,
  );

forEachDialect(
  'broadcasts: CSV and segment audiences, checked parameters, opt-in, sending once each, pause/resume/cancel, schedule',
  (dialect) => {
    let w: World;
    let hooks: BusinessApi;
    const tpl: Record<string, any> = {};
    before(async () => {
      w = await startWorld({ dialect, sim: { unregisteredNumbers: [UNREGISTERED] }, config: { eventWebhooks: { allowPrivate: true } } });
      hooks = await startBusinessApi();
      const sub = await w.api('POST', '/api/v1/webhooks', {
        url: `${hooks.url}/events`,
        events: ['broadcast.started', 'broadcast.paused', 'broadcast.completed', 'broadcast.failed', 'broadcast.recipient.failed'],
      });
      assert.equal(sub.status, 201, JSON.stringify(sub.body));
      tpl.promo = await approvedTemplate(w, {
        name: 'promo_broadcast',
        language: 'es_MX',
        category: 'MARKETING',
        components: [body('Hola {{1}}, tu pedido {{2}} tiene un descuento este mes.', ['Ana', 'R-1'])],
      });
      tpl.notice = await approvedTemplate(w, {
        name: 'aviso_servicio',
        language: 'es_MX',
        category: 'UTILITY',
        components: [body('Hola {{1}}, mañana hay mantenimiento en tu zona.', ['Ana'])],
      });
      assert.equal(tpl.promo.status, 'APPROVED');
    });
    after(async () => {
      await hooks?.close();
      await w?.stop();
    });

    test('CSV import: numbers normalised with a default country, each bad row reported by line and reason, good rows imported', async () => {
      // Line 7's customer opted out and line 8's is blocked, before the import.
      for (const id of ['5215512340006', '5215512340007']) await w.sim.customer(id, 'X').sendText('hola');
      await w.sim.drainWebhooks();
      await w.settle();
      assert.equal((await w.api('POST', `/api/v1/contacts/${await contactId(w, '5215512340006')}/opt-out`, {})).status, 200);
      assert.equal((await w.api('POST', `/api/v1/contacts/${await contactId(w, '5215512340007')}/block`)).status, 200);
      const csv = [
        'phone,customer_name,request_id',
        '+5215512340001,Ana,R-1',
        '5512340002,Beto,R-2', // national, read with default_country MX
        '123,Carla,R-3',
        '+5215512340004,,R-4',
        '+525512340001,Ana otra vez,R-5', // the same customer as line 2 (Mexico's 521 variant)
        '+5215512340006,Dora,R-6',
        '+5215512340007,Eli,R-7',
        '"+52 1 55 1234 0008","Fer, Jr.",R-8',
      ].join('\n');
      const res = await importCsv(w, 'name=July&default_country=MX', csv);
      assert.equal(res.status, 201, JSON.stringify(res.body));
      const { audience, report } = res.body;
      assert.equal(audience.members, 3);
      assert.deepEqual(audience.columns, ['customer_name', 'request_id']);
      assert.deepEqual(
        report.rejected_rows.map((r: any) => [r.line, r.reason]),
        [
          [4, 'bad_number'],
          [5, 'missing_variable'],
          [6, 'duplicate'],
          [7, 'opted_out'],
          [8, 'blocked'],
        ],
      );
      assert.deepEqual(report.by_reason, { bad_number: 1, missing_variable: 1, duplicate: 1, opted_out: 1, blocked: 1 });
      assert.match(report.rejected_rows[2].message, /line 2/);
      const got = await w.api('GET', `/api/v1/audiences/${audience.id}`);
      assert.equal(got.body.report.rejected, 5);
      tpl.csvAudience = audience.id;
      // Without a default country a national number is a bad number; a file without a phone column is refused.
      const intl = await importCsv(w, 'name=NoCountry', 'phone,x\n5512340002,a\n+14155550100,b\n');
      assert.deepEqual([intl.body.report.imported, intl.body.report.rejected_rows[0]?.line], [1, 2]);
      const noPhone = await importCsv(w, 'name=Bad', 'telefono,x\n1,2\n');
      assert.deepEqual([noPhone.status, noPhone.body.error.code], [422, 'phone_column_missing']);
      const junk = await importCsv(w, 'name=Junk', 'phone,x\n"+1415,"b\n');
      assert.deepEqual([junk.status, junk.body.error.code], [422, 'invalid_csv']);
      assert.equal((await w.api('POST', '/api/v1/audiences/import?name=x', { phone: '1' })).status, 415);
      // A customer known only by a BSUID can be a recipient.
      const bs = await importCsv(w, 'name=Bsuid', 'bsuid,customer_name\nMX.13491208655302741918,Gus\nnot-a-bsuid,Hal\n');
      assert.deepEqual([bs.body.report.imported, bs.body.report.rejected_rows[0]?.reason], [1, 'bad_number']);
    });

    test('a broadcast checks every recipient before the first send, excludes and counts those not opted in, then sends each exactly once', async () => {
      const ana = await contactId(w, '525512340001');
      const beto = await contactId(w, '525512340002');
      for (const id of [ana, beto]) assert.equal((await w.api('POST', `/api/v1/contacts/${id}/opt-in`, {})).status, 200);
      // Fer (line 9) never opted in: excluded and counted.
      const bad = await w.api('POST', '/api/v1/broadcasts', {
        name: 'bad',
        template: 'promo_broadcast',
        audience_id: tpl.csvAudience,
        parameters: { body: [{ column: 'customer_name' }] },
      });
      assert.equal(bad.status, 201, JSON.stringify(bad.body));
      const checked = await w.api('POST', `/api/v1/broadcasts/${bad.body.id}/validate`);
      assert.equal(checked.status, 200, JSON.stringify(checked.body));
      assert.equal(checked.body.ok, false);
      assert.deepEqual(checked.body.excluded, { not_opted_in: 1, opted_out: 0, blocked: 0 });
      assert.deepEqual(
        checked.body.errors.map((e: any) => [e.line, e.code]),
        [
          [2, 'template_param_missing'],
          [3, 'template_param_missing'],
        ],
      );
      const refused = await w.api('POST', `/api/v1/broadcasts/${bad.body.id}/start`, {});
      assert.deepEqual([refused.status, refused.body.error.code, refused.body.error.details.error_count], [422, 'broadcast_invalid', 2]);
      assert.equal(templatesTo(w, '5215512340001', 'promo_broadcast'), 0);

      const made = await w.api('POST', '/api/v1/broadcasts', {
        name: 'July promo',
        template: tpl.promo.id,
        audience_id: tpl.csvAudience,
        parameters: { body: [{ contact: 'name', fallback: 'cliente' }, { column: 'request_id' }] },
      });
      const id = made.body.id;
      assert.equal(made.body.state, 'draft');
      const estimate = await w.api('POST', `/api/v1/broadcasts/${id}/estimate`);
      assert.equal(estimate.body.recipients, 2);
      assert.deepEqual(Object.keys(estimate.body.cost.by_country), ['MX']);
      assert.ok(estimate.body.cost.total > 0 && estimate.body.cost.by_category.marketing === estimate.body.cost.total);
      const started = await w.api('POST', `/api/v1/broadcasts/${id}/start`, {});
      assert.equal(started.status, 200, JSON.stringify(started.body));
      assert.equal(started.body.state, 'running');
      assert.deepEqual(started.body.excluded, { not_opted_in: 1, opted_out: 0, blocked: 0 });
      // Frozen: a second start is refused.
      assert.equal((await w.api('POST', `/api/v1/broadcasts/${id}/start`, {})).body.error.code, 'broadcast_state');
      const done = await drive(w, id);
      assert.equal(done.state, 'completed', JSON.stringify(done));
      assert.equal(done.counts.total, 2);
      assert.equal(done.funnel.sent, 2);
      const got = w.sim
        .customer('5215512340001')
        .received()
        .filter((m) => m.type === 'template');
      assert.equal(got.length, 1);
      assert.equal(got[0]?.template?.body, 'Hola cliente, tu pedido R-1 tiene un descuento este mes.');
      assert.equal(templatesTo(w, '525512340002', 'promo_broadcast'), 1);
      assert.equal(templatesTo(w, '525512340008', 'promo_broadcast'), 0);
      const recipients = await w.api('GET', `/api/v1/broadcasts/${id}/recipients`);
      assert.equal(recipients.status, 200, JSON.stringify(recipients.body));
      assert.deepEqual(
        recipients.body.data.map((r: any) => r.address),
        ['+525512340001', '+525512340002'],
      );
      assert.ok(recipients.body.data.every((r: any) => ['sent', 'delivered', 'read'].includes(r.status) && r.message_id));
      await waitFor(
        () => hooks.requests.some((r) => r.body.includes('"broadcast.completed"') && r.body.includes(id)),
        5000,
        'broadcast.completed delivered',
      );
      assert.ok(hooks.requests.some((r) => r.body.includes('"broadcast.started"') && r.body.includes(id)));
    });

    test('opt-in override: recorded for UTILITY templates, refused for MARKETING', async () => {
      const refused = await w.api('POST', '/api/v1/broadcasts', {
        name: 'x',
        template: tpl.promo.id,
        audience_id: tpl.csvAudience,
        parameters: {},
        override_opt_in: { reason: 'asked by phone' },
      });
      assert.deepEqual([refused.status, refused.body.error.code], [422, 'opt_in_override_not_allowed']);
      const made = await w.api('POST', '/api/v1/broadcasts', {
        name: 'maintenance',
        template: 'aviso_servicio',
        audience_id: tpl.csvAudience,
        parameters: { body: [{ column: 'customer_name' }] },
        override_opt_in: { reason: 'service notice to every customer of the zone' },
      });
      assert.deepEqual(made.body.opt_in_override, { reason: 'service notice to every customer of the zone' });
      const checked = await w.api('POST', `/api/v1/broadcasts/${made.body.id}/validate`);
      assert.deepEqual([checked.body.ok, checked.body.recipients, checked.body.excluded.not_opted_in], [true, 3, 0]);
      const done = await drive(w, (await w.api('POST', `/api/v1/broadcasts/${made.body.id}/start`, {})).body.id);
      assert.equal(done.state, 'completed');
      assert.equal(templatesTo(w, '525512340008', 'aviso_servicio'), 1);
      const row = await w.app.deps.storage.db
        .selectFrom('messages')
        .select('opt_in_override_reason')
        .where('template_name', '=', 'aviso_servicio')
        .where('author', '=', `broadcast:${made.body.id}`)
        .execute();
      assert.deepEqual(
        row.map((r) => r.opt_in_override_reason),
        Array(3).fill('service notice to every customer of the zone'),
      );
    });

    test('a segment is counted now and frozen at start; at most rate_per_second a tick; pause, resume and cancel never send anyone twice', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 8; i++) ids.push(`1415555${String(2000 + i)}`);
      const csv = ['phone,name', ...ids.map((p, i) => `+${p},N${i}`)].join('\n');
      const imported = await importCsv(w, 'name=bulk', csv);
      assert.equal(imported.body.report?.imported, 8, JSON.stringify(imported.body));
      for (const p of ids) {
        const c = await contactId(w, p);
        await w.api('POST', `/api/v1/contacts/${c}/opt-in`, {});
        await w.api('PATCH', `/api/v1/contacts/${c}`, { tags: ['bulk'], attributes: { plan: p.endsWith('7') ? 'free' : 'gold' } });
      }
      const seg = await w.api('POST', '/api/v1/audiences', {
        name: 'gold bulk',
        segment: { tags: ['bulk'], attributes: { plan: 'gold' }, opted_in: true },
      });
      assert.equal(seg.status, 201, JSON.stringify(seg.body));
      assert.equal(seg.body.members, 7);
      const make = async (name: string) =>
        (
          await w.api('POST', '/api/v1/broadcasts', {
            name,
            template: tpl.notice.id,
            audience_id: seg.body.id,
            rate_per_second: 3,
            parameters: { body: [{ contact: 'attributes.plan' }] },
          })
        ).body.id;
      const id = await make('paced');
      await w.api('POST', `/api/v1/broadcasts/${id}/start`, {});
      // A contact tagged after the start is not included.
      const late = await contactId(w, ids[7] ?? '');
      await w.api('PATCH', `/api/v1/contacts/${late}`, { attributes: { plan: 'gold' } });
      assert.equal((await w.api('GET', `/api/v1/audiences/${seg.body.id}`)).body.members, 8);
      await waitFor(async () => (await w.api('GET', `/api/v1/broadcasts/${id}`)).body.counts.pending < 7, 5000, 'the first tick');
      const paused = await w.api('POST', `/api/v1/broadcasts/${id}/pause`);
      await w.settle();
      let b = (await w.api('GET', `/api/v1/broadcasts/${id}`)).body;
      const left = b.counts.pending;
      assert.equal(b.counts.total, 7);
      assert.ok(left >= 1 && left <= 6, JSON.stringify(b.counts)); // a pause may come mid-tick: the tick stops there
      assert.deepEqual([paused.body.state, paused.body.state_reason], ['paused', 'paused by api']);
      for (let i = 0; i < 3; i++) {
        w.clock.advance(1000);
        await w.settle();
      }
      b = (await w.api('GET', `/api/v1/broadcasts/${id}`)).body;
      assert.equal(b.counts.pending, left, 'nothing handed out while paused');
      assert.equal((await w.api('POST', `/api/v1/broadcasts/${id}/pause`)).body.error.code, 'broadcast_state');
      assert.equal((await w.api('POST', `/api/v1/broadcasts/${id}/resume`)).body.state, 'running');
      b = await drive(w, id);
      assert.equal(b.state, 'completed');
      for (const p of ids.slice(0, 7)) assert.equal(templatesTo(w, p, 'aviso_servicio'), 1, p);
      // rate_per_second 3: no 1 s window holds more than 3 hand-outs.
      const times = (await w.api('GET', `/api/v1/broadcasts/${id}/recipients`)).body.data
        .map((r: any) => Date.parse(r.queued_at))
        .sort((x: number, y: number) => x - y);
      for (let i = 3; i < times.length; i++) assert.ok(times[i] - times[i - 3] >= 1000, `4 hand-outs within 1 s: ${times.join(', ')}`);
      assert.equal(templatesTo(w, ids[7] ?? '', 'aviso_servicio'), 0);
      await waitFor(
        () => hooks.requests.some((r) => r.body.includes('"broadcast.paused"') && r.body.includes(id)),
        5000,
        'broadcast.paused delivered',
      );

      w.clock.advance(7000); // Meta's pair rate: the next broadcast to the same customers waits 6 s
      const cancelled = await make('cancelled');
      await w.api('POST', `/api/v1/broadcasts/${cancelled}/start`, {});
      await waitFor(async () => (await w.api('GET', `/api/v1/broadcasts/${cancelled}`)).body.counts.pending < 8, 5000, 'the first tick');
      assert.equal((await w.api('POST', `/api/v1/broadcasts/${cancelled}/cancel`)).body.state, 'cancelled');
      const handed = 8 - (await w.api('GET', `/api/v1/broadcasts/${cancelled}`)).body.counts.pending;
      for (let i = 0; i < 3; i++) {
        w.clock.advance(7000);
        await w.sim.drainWebhooks();
        await w.settle();
      }
      b = (await w.api('GET', `/api/v1/broadcasts/${cancelled}`)).body;
      assert.equal(b.counts.pending, 8 - handed);
      assert.ok(handed >= 1 && handed <= 6);
      const sent = ids.reduce((n, p) => n + templatesTo(w, p, 'aviso_servicio'), 0);
      assert.equal(sent, 7 + handed, 'only what was handed out before the cancel was sent');
      const pending = await w.api('GET', `/api/v1/broadcasts/${cancelled}/recipients?status=pending&limit=2`);
      assert.deepEqual([pending.body.data?.length, pending.body.next_cursor !== null], [2, true], JSON.stringify(pending.body));
      const rest = await w.api('GET', `/api/v1/broadcasts/${cancelled}/recipients?status=pending&cursor=${pending.body.next_cursor}`);
      assert.equal(rest.body.data.length, 8 - handed - 2);
      assert.equal((await w.api('POST', `/api/v1/broadcasts/${cancelled}/resume`)).status, 409);
    });

    test('a template paused mid-send pauses the broadcast and says why; a permanent failure marks the recipient failed with its code', async () => {
      const phones = ['5215512360001', '5215512360002', '5215512360003', UNREGISTERED];
      const csv = ['phone,customer_name,request_id', ...phones.map((p, i) => `+${p},C${i},R${i}`)].join('\n');
      const aud = (await importCsv(w, 'name=pause', csv)).body.audience.id;
      for (const p of phones) await w.api('POST', `/api/v1/contacts/${await contactId(w, p.replace(/^521/, '52'))}/opt-in`, {});
      const id = (
        await w.api('POST', '/api/v1/broadcasts', {
          name: 'p',
          template: tpl.promo.id,
          audience_id: aud,
          rate_per_second: 1,
          parameters: { body: [{ column: 'customer_name' }, { column: 'request_id' }] },
        })
      ).body.id;
      // One a second (file order): two go, then the template is paused; the unregistered number is last.
      assert.equal((await w.api('POST', `/api/v1/broadcasts/${id}/start`, {})).status, 200);
      await w.sim.drainWebhooks();
      await w.settle();
      const get = async () => (await w.api('GET', `/api/v1/broadcasts/${id}`)).body;
      assert.equal((await get()).counts.pending, 3);
      w.clock.advance(1000);
      // PostgreSQL's engine brings waiting jobs forward after the clock moved, asynchronously.
      await waitFor(
        async () => {
          const c = (await get()).counts;
          return c.pending === 2 && c.queued === 0; // handed to WhatsApp before the template is paused (else Meta refuses it: 132015)
        },
        5000,
        'the second tick',
      );
      await w.sim.templates.setStatus('promo_broadcast', 'es_MX', 'PAUSED');
      await w.sim.drainWebhooks();
      await w.settle();
      w.clock.advance(1000);
      await waitFor(async () => (await get()).state === 'paused', 5000, 'paused by itself');
      const b = await get();
      assert.match(b.state_reason, /^template_paused: template promo_broadcast is PAUSED/);
      // A tick is due one second of real time after the last (its run-at follows the app clock
      // from now on): under load the steps since the second tick can take longer, and the third
      // then hands one more out before the pause is known (seen on PostgreSQL, also before
      // 2026-12-07's changes). Never more than that; nobody gets it twice (checked at the end).
      assert.ok(b.counts.pending === 2 || b.counts.pending === 1, `pending ${b.counts.pending}`);
      assert.equal((await w.api('POST', `/api/v1/broadcasts/${id}/resume`)).body.state, 'running');
      await w.settle();
      await waitFor(
        async () => (await w.api('GET', `/api/v1/broadcasts/${id}`)).body.state === 'paused',
        5000,
        'pauses again while the template is PAUSED',
      );
      await w.sim.templates.setStatus('promo_broadcast', 'es_MX', 'APPROVED');
      await w.sim.drainWebhooks();
      await w.settle();
      await w.api('POST', `/api/v1/broadcasts/${id}/resume`);
      const done = await drive(w, id);
      assert.equal(done.state, 'completed');
      // Meta accepted the unregistered number, then sent `failed` 131026.
      // A late failure is applied (and announced) when its status callback arrives, also after completion.
      // Under load this once failed however many skips were allowed: the failure, arriving before
      // the Graph API's answer, was applied and then undone by that answer (fixed in a94c3c7,
      // send-faults.test.ts covers it). Up to ten skips are still allowed for a slow machine, and
      // the failure must be counted: one never applied still fails the test.
      let skips = 0;
      for (; skips < 10; skips++) {
        w.clock.advance(60_000);
        await w.sim.drainWebhooks();
        await w.settle();
        if (skips >= 2 && (await get()).counts.failed === 1) break;
      }
      if (skips > 2) console.log(`# the late failure was counted after ${skips + 1} clock skips`);
      const after = await get();
      assert.equal(after.counts.failed, 1, `counts after the late failure: ${JSON.stringify(after.counts)}`);
      for (const p of phones.slice(0, 3)) assert.equal(templatesTo(w, p.replace(/^521/, '52'), 'promo_broadcast'), 1, p);
      const failed = await w.api('GET', `/api/v1/broadcasts/${id}/recipients?status=failed`);
      assert.equal(failed.body.data.length, 1);
      assert.equal(failed.body.data[0].address, `+${UNREGISTERED.replace(/^521/, '52')}`);
      assert.match(String(failed.body.data[0].error?.code), /131026/);
      await waitFor(
        () => hooks.requests.some((r) => r.body.includes('"broadcast.recipient.failed"') && r.body.includes(id)),
        5000,
        'broadcast.recipient.failed delivered',
      );
    });

    test('scheduled for a time in a time zone: recipients frozen and sent when it comes', async () => {
      const at = new Date(w.clock.now() + 3600_000);
      // The same moment as a wall-clock time in Mexico City (UTC-6 all year).
      const local = new Date(at.getTime() - 6 * 3600_000).toISOString().slice(0, 19);
      const id = (
        await w.api('POST', '/api/v1/broadcasts', {
          name: 's',
          template: tpl.notice.id,
          audience_id: tpl.csvAudience,
          parameters: { body: [{ column: 'customer_name' }] },
          override_opt_in: { reason: 'notice' },
        })
      ).body.id;
      const bad = await w.api('POST', `/api/v1/broadcasts/${id}/start`, { at: local });
      assert.deepEqual([bad.status, bad.body.error.code], [422, 'invalid_schedule']);
      const s = await w.api('POST', `/api/v1/broadcasts/${id}/start`, { at: local, time_zone: 'America/Mexico_City' });
      assert.equal(s.status, 200, JSON.stringify(s.body));
      assert.equal(s.body.state, 'scheduled');
      assert.equal(Date.parse(s.body.scheduled_at), Math.floor(at.getTime() / 1000) * 1000);
      await w.settle();
      assert.equal((await w.api('GET', `/api/v1/broadcasts/${id}`)).body.counts.total, 0);
      w.clock.advance(3600_000);
      const done = await drive(w, id);
      assert.equal(done.state, 'completed', JSON.stringify(done));
      assert.equal(done.counts.total, 3);
    });

    test('bad input is a 4xx with the documented codes', async () => {
      assert.equal((await w.api('GET', '/api/v1/broadcasts/bc_none')).status, 404);
      assert.equal(
        (await w.api('POST', '/api/v1/broadcasts', { name: 'x', template: 'nope', audience_id: tpl.csvAudience })).body.error.code,
        'template_not_found',
      );
      assert.equal(
        (await w.api('POST', '/api/v1/broadcasts', { name: 'x', template: tpl.promo.id, audience_id: 'aud_none' })).body.error.code,
        'audience_not_found',
      );
      assert.equal(
        (
          await w.api('POST', '/api/v1/broadcasts', {
            name: 'x',
            template: tpl.promo.id,
            audience_id: tpl.csvAudience,
            rate_per_second: 5000,
          })
        ).status,
        400,
      );
      assert.equal((await w.api('POST', '/api/v1/audiences', { name: 'x', segment: { last_seen_after: 'yesterday' } })).status, 400);
      // Over the size limit: refused (the rest of the upload read away), nothing kept.
      const before = (await w.api('GET', '/api/v1/audiences')).body.data.length;
      const big = await importAudienceCsv(
        w.app.deps,
        { name: 'big', createdBy: 'api', maxBytes: 100 },
        Readable.from([Buffer.from('phone,x\n'), ...Array.from({ length: 20 }, () => Buffer.from('+14155550100,b\n'))]),
      );
      assert.deepEqual([big.ok, !big.ok && big.reason], [false, 'csv_too_large']);
      assert.equal((await w.api('GET', '/api/v1/audiences')).body.data.length, before);
      const list = await w.api('GET', '/api/v1/broadcasts?state=completed');
      assert.ok(list.body.data.length >= 3 && list.body.data.every((b: any) => b.state === 'completed'));
      assert.ok((await w.api('GET', '/api/v1/audiences')).body.data.length >= 5);
    });
  },
);
