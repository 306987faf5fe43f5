import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { parse } from 'csv-parse/sync';
import { forEachDialect } from '../support/dialects.ts';
import { ADMIN_TOKEN, startWorld, type World } from '../support/test-world.ts';
import { configuredBusinessHours } from '../../src/reports/business-time.ts';
import { foldAll } from './fold-all.ts';
import { History } from './report-history.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;

/** A percentile read from the histogram is within 2.5% of the exact value. */
function near(actual: unknown, expected: number, what: string): void {
  assert.equal(typeof actual, 'number', what);
  assert.ok(Math.abs((actual as number) - expected) <= expected * 0.025, `${what}: ${actual} is not within 2.5% of ${expected}`);
}

/**
 * One history worked out by hand (docs/reports.md has the definitions). Business hours 09:00-17:00
 * America/New_York, every day; US DST starts Sunday 2026-03-08 (EST -05:00 -> EDT -04:00).
 *
 * C1: customer 2026-03-06T21:30Z (Fri 16:30 EST), bot reply 21:35, bot hand-off 21:40, assigned to
 *     A (team T) 21:41, customer again 21:45, A replies 2026-03-09T14:00Z (Mon 10:00 EDT):
 *     first response 64.5 h; in business hours Fri 0.5 h + Sat 8 h + Sun 8 h (DST day) + Mon 1 h = 17.5 h.
 *     Customer 14:10, reassigned to B 14:20, B replies 14:30: next response 20 min (10 in hours... all of it).
 *     Archived 15:00: resolution 65.5 h (business 18.5 h), B's. Reopened 2026-03-10T13:00Z, customer
 *     13:00, B 13:05 (next response 5 min), closed 13:30: resolution 30 min (from the reopening).
 * C2: customer 2026-03-10T12:00Z, bot reply, archived 12:10 with no human: resolution 10 min, 0 in
 *     business hours (08:00-08:10 EDT), contained.
 * C3: broadcast bc_1 sends template promo/en_US 2026-03-10T10:00Z, delivered, read, customer 11:00
 *     (a reply), priced marketing 0.025 (estimate 0.03).
 * C4: an integration sends promo/en_US 2026-03-10T10:30Z; it fails.
 */
forEachDialect('reports: a scripted history, worked out by hand', (dialect) => {
  let w: World;
  before(async () => {
    w = await startWorld({
      dialect,
      config: { flows: { businessHours: { start: '09:00', end: '17:00' }, businessTimezone: 'America/New_York' } },
    });
    const db = w.app.deps.storage.db;
    const channel = await db.selectFrom('channels').select('id').executeTakeFirstOrThrow();
    const h = new History(db, channel.id);
    await h.user('usr_a', 'Ana');
    await h.user('usr_b', 'Beto');
    await db
      .insertInto('teams')
      .values({ id: 'team_t', name: 'T', description: null, auto_assign: null, created_at: 0, updated_at: 0 })
      .execute();

    const c1 = await h.open(await h.contact('+5215512345001'), '2026-03-06T21:30:00Z');
    await h.message(c1, '2026-03-06T21:30:00Z', { direction: 'in' });
    await h.message(c1, '2026-03-06T21:35:00Z', { direction: 'out', author: 'bot:flow:welcome' });
    await h.pauseBot(c1, '2026-03-06T21:40:00Z', 'handoff');
    await h.assign(c1, '2026-03-06T21:41:00Z', 'usr_a', 'team_t');
    await h.message(c1, '2026-03-06T21:45:00Z', { direction: 'in' });
    await h.message(c1, '2026-03-09T14:00:00Z', { direction: 'out', author: 'agent:usr_a' });
    await h.message(c1, '2026-03-09T14:10:00Z', { direction: 'in' });
    await h.assign(c1, '2026-03-09T14:20:00Z', 'usr_b', 'team_t');
    await h.message(c1, '2026-03-09T14:30:00Z', { direction: 'out', author: 'agent:usr_b' });
    await h.setStatus(c1, '2026-03-09T15:00:00Z', 'archived');
    await h.setStatus(c1, '2026-03-10T13:00:00Z', 'active');
    await h.message(c1, '2026-03-10T13:00:00Z', { direction: 'in' });
    await h.message(c1, '2026-03-10T13:05:00Z', { direction: 'out', author: 'agent:usr_b' });
    await h.setStatus(c1, '2026-03-10T13:30:00Z', 'closed');

    const c2 = await h.open(await h.contact('+5215512345002'), '2026-03-10T12:00:00Z');
    await h.message(c2, '2026-03-10T12:00:00Z', { direction: 'in' });
    await h.message(c2, '2026-03-10T12:01:00Z', { direction: 'out', author: 'bot:flow:welcome' });
    await h.setStatus(c2, '2026-03-10T12:10:00Z', 'archived');

    const promo = { name: 'promo', language: 'en_US' };
    const c3 = await h.open(await h.contact('+5215512345003'), '2026-03-10T10:00:00Z');
    const t3 = await h.message(c3, '2026-03-10T10:00:00Z', { direction: 'out', author: 'broadcast:bc_1', template: promo, estimate: 0.03 });
    await h.status(t3, 'delivered', '2026-03-10T10:00:05Z');
    await h.price(t3, 'marketing', true, 0.025);
    await h.status(t3, 'read', '2026-03-10T10:20:00Z');
    await h.message(c3, '2026-03-10T11:00:00Z', { direction: 'in' });

    const c4 = await h.open(await h.contact('+5215512345004'), '2026-03-10T10:30:00Z');
    const t4 = await h.message(c4, '2026-03-10T10:30:00Z', { direction: 'out', author: 'api', template: promo });
    await h.status(t4, 'failed', '2026-03-10T10:30:02Z');
    // Every event folded before the first report is read (see fold-all.ts: PostgreSQL's server-wide horizon).
    await foldAll(w.app.deps.storage, configuredBusinessHours(w.app.deps.config));
  });
  after(async () => {
    await w?.stop();
  });

  const range = 'from=2026-03-06T00:00:00Z&to=2026-03-11T00:00:00Z';
  const get = async (path: string) => {
    const r = await w.api('GET', path);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body as { rows: Array<Record<string, unknown>>; from: string; to: string };
  };

  test('conversations opened, resolved, reopened per UTC day', async () => {
    const r = await get(`/api/v1/reports/conversations?${range}`);
    assert.deepEqual(r.rows, [
      { period: '2026-03-06T00:00:00+00:00', opened: 1, reopened: 0, resolved: 0, archived: 0, closed: 0 },
      { period: '2026-03-09T00:00:00+00:00', opened: 0, reopened: 0, resolved: 1, archived: 1, closed: 0 },
      { period: '2026-03-10T00:00:00+00:00', opened: 3, reopened: 1, resolved: 2, archived: 1, closed: 1 },
    ]);
  });

  test('messages by sender, in New York days across the DST change', async () => {
    const r = await get(`/api/v1/reports/messages?from=2026-03-06&to=2026-03-11&tz=America/New_York&group_by=sender`);
    assert.equal(r.from, '2026-03-06T00:00:00-05:00');
    assert.equal(r.to, '2026-03-11T00:00:00-04:00');
    assert.deepEqual(r.rows, [
      { period: '2026-03-06T00:00:00-05:00', sender: 'bot', messages_in: 0, messages_out: 1 },
      { period: '2026-03-06T00:00:00-05:00', sender: 'customer', messages_in: 2, messages_out: 0 },
      { period: '2026-03-09T00:00:00-04:00', sender: 'agent', messages_in: 0, messages_out: 2 },
      { period: '2026-03-09T00:00:00-04:00', sender: 'customer', messages_in: 1, messages_out: 0 },
      { period: '2026-03-10T00:00:00-04:00', sender: 'agent', messages_in: 0, messages_out: 1 },
      { period: '2026-03-10T00:00:00-04:00', sender: 'bot', messages_in: 0, messages_out: 1 },
      { period: '2026-03-10T00:00:00-04:00', sender: 'broadcast', messages_in: 0, messages_out: 1 },
      { period: '2026-03-10T00:00:00-04:00', sender: 'customer', messages_in: 3, messages_out: 0 },
      { period: '2026-03-10T00:00:00-04:00', sender: 'template', messages_in: 0, messages_out: 1 },
    ]);
    // The DST day has 23 hours: its hourly periods go from -05:00 to -04:00 with no 02:00.
    const hours = await get('/api/v1/reports/conversations?from=2026-03-08&to=2026-03-09&tz=America/New_York&interval=hour');
    assert.deepEqual(hours.rows, []);
    assert.equal(hours.to, '2026-03-09T00:00:00-04:00');
  });

  test('response and resolution times, all hours and business hours, overall and per agent', async () => {
    const all = await get(`/api/v1/reports/response-times?${range}&interval=none`);
    const by = (rows: Array<Record<string, unknown>>, metric: string) => rows.find((x) => x.metric === metric) as Record<string, unknown>;
    const first = by(all.rows, 'first_response');
    assert.equal(first.count, 1);
    assert.equal(first.avg_ms, 64.5 * HOUR);
    near(first.median_ms, 64.5 * HOUR, 'first median');
    const next = by(all.rows, 'next_response');
    assert.equal(next.count, 2);
    assert.equal(next.avg_ms, (20 * MIN + 5 * MIN) / 2);
    near(next.median_ms, 5 * MIN, 'next median (nearest rank of 2: the lower)');
    near(next.p90_ms, 20 * MIN, 'next p90');
    const res = by(all.rows, 'resolution');
    assert.equal(res.count, 3);
    assert.equal(res.avg_ms, Math.round((65.5 * HOUR + 30 * MIN + 10 * MIN) / 3));
    near(res.median_ms, 30 * MIN, 'resolution median');
    near(res.p90_ms, 65.5 * HOUR, 'resolution p90');

    const bh = await get(`/api/v1/reports/response-times?${range}&interval=none&business_hours=true`);
    assert.equal(by(bh.rows, 'first_response').avg_ms, 17.5 * HOUR);
    assert.equal(by(bh.rows, 'next_response').avg_ms, (20 * MIN + 5 * MIN) / 2);
    assert.equal(by(bh.rows, 'resolution').avg_ms, Math.round((18.5 * HOUR + 30 * MIN + 0) / 3));

    const agents = await get(`/api/v1/reports/response-times?${range}&interval=none&group_by=agent`);
    const pick = (metric: string, agent: string | null) => agents.rows.find((x) => x.metric === metric && x.agent_id === agent);
    assert.equal(pick('first_response', 'usr_a')?.count, 1);
    assert.equal(pick('next_response', 'usr_b')?.count, 2);
    assert.equal(pick('resolution', 'usr_b')?.count, 2);
    assert.equal(pick('resolution', null)?.count, 1);
    const teams = await get(`/api/v1/reports/response-times?${range}&interval=none&group_by=team&metric=first_response`);
    assert.deepEqual(
      teams.rows.map((x) => [x.team_id, x.count]),
      [['team_t', 1]],
    );
  });

  test('agents, bot containment, template and broadcast funnels, costs', async () => {
    const agents = await get(`/api/v1/reports/agents?${range}`);
    const a = agents.rows.find((x) => x.agent_id === 'usr_a');
    const b = agents.rows.find((x) => x.agent_id === 'usr_b');
    assert.deepEqual([a?.assigned, a?.handed_off, a?.messages_sent, a?.resolved], [1, 1, 1, 0]);
    assert.deepEqual([b?.assigned, b?.handed_off, b?.messages_sent, b?.resolved], [1, 0, 2, 2]);
    assert.equal(agents.rows.find((x) => x.agent_id === 'api')?.messages_sent, 1);

    const bot = await get(`/api/v1/reports/bot?${range}&interval=none`);
    assert.deepEqual(bot.rows, [
      {
        resolved_without_human: 1,
        resolved_with_human: 2,
        containment_rate: 0.3333,
        handoffs: 1,
        handoff_assigned: 0,
        handoff_handoff: 1,
        handoff_agent_message: 0,
        handoff_manual: 0,
        handoff_other: 0,
      },
    ]);

    const tpl = await get(`/api/v1/reports/templates?${range}&interval=none`);
    assert.deepEqual(tpl.rows, [{ template: 'promo', language: 'en_US', sent: 2, delivered: 1, read: 1, replied: 1, failed: 1 }]);
    const bc = await get(`/api/v1/reports/broadcasts?${range}&interval=none`);
    assert.deepEqual(bc.rows, [
      { broadcast_id: 'bc_1', name: null, template: 'promo', language: 'en_US', sent: 1, delivered: 1, read: 1, replied: 1, failed: 0 },
    ]);

    const costs = await get(`/api/v1/reports/costs?${range}&interval=none&group_by=category,country`);
    assert.deepEqual(costs.rows, [
      { category: null, country: 'MX', messages: 6, billable: 0, price: 0, price_estimate: 0, currency: 'USD' },
      { category: 'marketing', country: 'MX', messages: 1, billable: 1, price: 0.025, price_estimate: 0.03, currency: 'USD' },
    ]);
  });

  test('CSV has the rows and columns of the JSON (?format=csv and Accept: text/csv)', async () => {
    for (const path of [
      `/api/v1/reports/messages?${range}&group_by=sender,kind`,
      `/api/v1/reports/response-times?${range}&group_by=agent`,
      `/api/v1/reports/costs?${range}&group_by=category,template`,
      `/api/v1/reports/agents?${range}`,
    ]) {
      const json = await get(path);
      for (const how of ['query', 'accept'] as const) {
        const res = await fetch(`${w.app.url}${path}${how === 'query' ? '&format=csv' : ''}`, {
          headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(how === 'accept' ? { accept: 'text/csv' } : {}) },
        });
        assert.equal(res.status, 200);
        assert.match(res.headers.get('content-type') ?? '', /^text\/csv/);
        const rows = parse(await res.text(), { columns: true }) as Array<Record<string, string>>;
        const asText = json.rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v === null ? '' : String(v)])));
        assert.deepEqual(rows, asText, path);
      }
    }
  });

  // Last: it changes who holds the open conversations.
  test("agents: each agent's open conversations now follow the API's assignments, transfers, unassignments and closes", async () => {
    const load = async () => {
      const rows = (await get(`/api/v1/reports/agents?${range}`)).rows;
      return ['usr_a', 'usr_b'].map((id) => {
        const r = rows.find((x) => x.agent_id === id);
        return [r?.open_conversations, r?.capacity];
      });
    };
    assert.deepEqual(await load(), [
      [0, 5],
      [0, 5],
    ]);
    const open = await w.app.deps.storage.db
      .selectFrom('conversations')
      .select('id')
      .where('status', '<>', 'closed')
      .orderBy('id')
      .execute();
    assert.ok(open.length >= 2, 'the history leaves conversations that are not closed (an archived one among them)');
    const [x, y] = open.map((c) => c.id);
    const call = async (method: string, path: string, body: unknown) => {
      const r = await w.api(method, path, body);
      assert.equal(r.status, 200, `${method} ${path}: ${JSON.stringify(r.body)}`);
    };
    await call('POST', `/api/v1/conversations/${x}/assign`, { user_id: 'usr_a' });
    await call('POST', `/api/v1/conversations/${y}/assign`, { user_id: 'usr_a' });
    assert.deepEqual(await load(), [
      [2, 5],
      [0, 5],
    ]);
    await call('POST', `/api/v1/conversations/${y}/assign`, { user_id: 'usr_b' });
    assert.deepEqual(await load(), [
      [1, 5],
      [1, 5],
    ]);
    await call('PATCH', `/api/v1/conversations/${x}`, { status: 'closed' });
    await call('POST', `/api/v1/conversations/${y}/assign`, { user_id: null });
    assert.deepEqual(await load(), [
      [0, 5],
      [0, 5],
    ]);
  });

  test('bad input is a 400 with a code; an agent token is refused', async () => {
    for (const [path, code] of [
      ['/api/v1/reports/messages?tz=Mars/Olympus', 'invalid_time_zone'],
      ['/api/v1/reports/messages?from=yesterday', 'bad_time'],
      ['/api/v1/reports/messages?from=2026-03-02&to=2026-03-01', 'bad_range'],
      ['/api/v1/reports/messages?interval=month', 'invalid_interval'],
      ['/api/v1/reports/messages?group_by=colour', 'invalid_group_by'],
      ['/api/v1/reports/response-times?metric=speed', 'invalid_metric'],
    ] as const) {
      const r = await w.api('GET', path);
      assert.equal(r.status, 400, path);
      assert.equal(r.body.error.code, code, path);
    }
    const res = await fetch(`${w.app.url}/api/v1/reports/messages`);
    assert.equal(res.status, 401);
  });
});
