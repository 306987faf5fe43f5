import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { isBusinessTime, nextBusinessTime, timeSettings } from '../../src/flows/flow-time.ts';
import { forEachDialect } from '../support/dialects.ts';
import { startWorld, type World } from '../support/test-world.ts';
import { waitFor } from '../support/wait-for.ts';
import { publish, startBusinessApi, type BusinessApi } from './flow-helpers.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

test('business hours by Intl: inside, postponed to the next opening, across a DST change', () => {
  const hours = (tz: string, days?: number[]) =>
    timeSettings({ id: 'x', name: 'x', start: 'a', blocks: {}, settings: { business_hours: { timezone: tz, days } } }).hours;
  const tokyo = hours('Asia/Tokyo');
  assert.equal(isBusinessTime(Date.parse('2030-01-07T01:00:00Z'), tokyo), true); // 10:00 JST
  assert.equal(isBusinessTime(Date.parse('2030-01-07T10:30:00Z'), tokyo), false); // 19:30 JST
  assert.equal(new Date(nextBusinessTime(Date.parse('2030-01-07T10:30:00Z'), tokyo)).toISOString(), '2030-01-07T23:00:00.000Z');
  // Madrid springs forward on 2030-03-31: 08:00 local is 06:00Z that day (CEST), 07:00Z the day before.
  const madrid = hours('Europe/Madrid');
  assert.equal(new Date(nextBusinessTime(Date.parse('2030-03-30T20:00:00Z'), madrid)).toISOString(), '2030-03-31T06:00:00.000Z');
  assert.equal(new Date(nextBusinessTime(Date.parse('2030-03-29T20:00:00Z'), madrid)).toISOString(), '2030-03-30T07:00:00.000Z');
  // Weekdays only: Friday 2030-01-11 after closing -> Monday 08:00 UTC.
  assert.equal(
    new Date(nextBusinessTime(Date.parse('2030-01-11T20:00:00Z'), hours('UTC', [1, 2, 3, 4, 5]))).toISOString(),
    '2030-01-14T08:00:00.000Z',
  );
});

forEachDialect('flows: re-engagement, business hours, the 24-hour window, expiry', (dialect) => {
  let w: World;
  let api: BusinessApi;
  // Days ahead of today at 00:00 UTC: each test moves the shared clock forward only.
  const base = Math.floor(Date.now() / DAY) * DAY + 2 * DAY;
  const setClock = (t: number) => {
    assert.ok(t > w.clock.now(), 'the test clock only moves forward');
    w.clock.offsetMs = t - Date.now();
  };
  const text = (t: string) => (m: { text?: string }) => m.text === t;
  const session = async (flow: string, contactWaId: string) => {
    const ct = await w.app.deps.storage.db
      .selectFrom('contacts')
      .select('id')
      .where('external_id', '=', contactWaId)
      .executeTakeFirstOrThrow();
    return (await w.api('GET', `/api/v1/flows/${flow}/sessions`)).body.data.find((s: any) => s.contact_id === ct.id);
  };
  const question = (id: string, settings: Record<string, unknown>) => ({
    id,
    name: id,
    start: 'q',
    triggers: [{ type: 'exact', value: `start ${id}` }],
    settings,
    blocks: {
      q: { type: 'ask', kind: 'text', prompt: 'What is your name?', variable: 'name', exits: { next: 'done' } },
      done: { type: 'end', status: 'succeeded', message: 'Thanks {{session.name}}', result: { name: '{{session.name}}' } },
    },
  });

  before(async () => {
    api = await startBusinessApi();
    w = await startWorld({ dialect, config: { flows: { httpAllowPrivate: true }, eventWebhooks: { allowPrivate: true } } });
    await publish(w, question('re', { reengagement: { enabled: true, delay_minutes: 30 }, business_hours: { timezone: 'UTC' } }));
    await publish(
      w,
      question('re-tokyo', {
        reengagement: { enabled: true, delay_minutes: 30, message: 'Still there, {{contact.name}}?', yes: 'Sí', no: 'Ya no' },
        business_hours: { timezone: 'Asia/Tokyo' },
      }),
    );
    await publish(
      w,
      question('re-window', {
        reengagement: { enabled: true, delay_minutes: 1380 },
        session_timeout_minutes: 2880,
        business_hours: { start: '08:00', end: '09:00', timezone: 'Asia/Tokyo' },
      }),
    );
    await publish(w, question('exp', { session_timeout_minutes: 60 }));
  });
  after(async () => {
    await w?.stop();
    await api?.close();
  });

  test('inside business hours: re-engagement after the delay; yes asks the unanswered question again', async () => {
    setClock(base + 10 * HOUR);
    const c = w.sim.customer('15558880001', 'Ana');
    await c.sendText('start re');
    await c.waitForMessage(text('What is your name?'));
    await w.settle();
    w.clock.advance(29 * MIN);
    await new Promise((r) => setTimeout(r, 1500)); // the sweeper runs each second: nothing is due yet
    assert.equal(c.received().filter((m) => m.type === 'interactive').length, 0);
    w.clock.advance(2 * MIN);
    const re = await c.waitForMessage((m) => m.type === 'interactive');
    assert.equal(re.body.interactive.body.text, 'Are you still there? Shall we continue where we left off?');
    assert.deepEqual(
      re.body.interactive.action.buttons.map((b: any) => [b.reply.id, b.reply.title]),
      [
        ['reengage_yes', 'Yes, continue'],
        ['reengage_no', 'No, thanks'],
      ],
    );
    await c.replyButton(re.wamid, 'reengage_yes');
    await c.waitForMessage(text('What is your name?'));
    await c.sendText('Ana Diaz');
    await c.waitForMessage(text('Thanks Ana Diaz'));
    await w.settle();
    const s = await session('re', '15558880001');
    assert.deepEqual([s.status, s.reason], ['succeeded', null]);
  });

  test('no ends the session as failed, reason declined_reengagement', async () => {
    setClock(base + 3 * DAY + 11 * HOUR);
    const c = w.sim.customer('15558880002', 'Bo');
    await c.sendText('start re');
    await c.waitForMessage(text('What is your name?'));
    await w.settle();
    w.clock.advance(31 * MIN);
    const re = await c.waitForMessage((m) => m.type === 'interactive');
    await c.replyButton(re.wamid, 'reengage_no');
    await waitFor(async () => (await session('re', '15558880002')).status === 'failed', 5000, 'session failed');
    const s = await session('re', '15558880002');
    assert.equal(s.reason, 'declined_reengagement');
    const result = (await w.api('GET', '/api/v1/flows/re/results')).body.data.find((r: any) => r.session_id === s.id);
    assert.deepEqual([result.status, result.reason], ['failed', 'declined_reengagement']);
  });

  test('outside business hours: postponed to the next opening in the flow time zone, then sent', async () => {
    const day = base + 6 * DAY;
    setClock(day + 9 * HOUR + 45 * MIN); // 18:45 in Tokyo
    const c = w.sim.customer('15558880003', 'Cy');
    await c.sendText('start re-tokyo');
    await c.waitForMessage(text('What is your name?'));
    await w.settle();
    w.clock.advance(31 * MIN); // 19:16 in Tokyo: closed
    const opening = day + 23 * HOUR; // 08:00 the next day in Tokyo
    await waitFor(
      async () => (await session('re-tokyo', '15558880003')).wake_at === new Date(opening).toISOString(),
      5000,
      'postponed to the opening',
    );
    assert.equal(c.received().filter((m) => m.type === 'interactive').length, 0, 'nothing sent after closing');
    setClock(opening + MIN);
    const re = await c.waitForMessage((m) => m.type === 'interactive');
    assert.equal(re.body.interactive.body.text, 'Still there, Cy?');
    // A typed answer other than yes/no is taken as the answer to the question itself.
    await c.sendText('Cyril');
    await c.waitForMessage(text('Thanks Cyril'));
  });

  test('never outside the 24-hour window: a re-engagement that cannot be sent in it expires the session (window_closed)', async () => {
    const day = base + 9 * DAY;
    setClock(day + 1 * HOUR); // 10:00 in Tokyo; business hours 08:00-09:00 there
    const c = w.sim.customer('15558880004', 'Di');
    await c.sendText('start re-window');
    await c.waitForMessage(text('What is your name?'));
    await w.settle();
    const asked = day + HOUR;
    const windowCloses = asked + DAY;
    setClock(asked + 23 * HOUR + MIN); // due at 09:00 Tokyo (closed); the next opening is after the window closes
    await waitFor(
      async () => (await session('re-window', '15558880004')).wake_at === new Date(windowCloses).toISOString(),
      5000,
      'waits for the window to close',
    );
    setClock(windowCloses + MIN);
    await waitFor(async () => (await session('re-window', '15558880004')).status === 'expired', 5000, 'expired');
    const s = await session('re-window', '15558880004');
    assert.equal(s.reason, 'window_closed');
    assert.equal(c.received().filter((m) => m.type === 'interactive').length, 0, 'no message outside the window');
    const result = (await w.api('GET', '/api/v1/flows/re-window/results')).body.data.find((r: any) => r.session_id === s.id);
    assert.deepEqual([result.status, result.reason], ['failed', 'window_closed']);
  });

  test('session expiry: status expired, result failed with reason expired, flow.failed delivered', async () => {
    const sub = await w.api('POST', '/api/v1/webhooks', { url: `${api.url}/events`, events: ['flow.failed'] });
    assert.equal(sub.status, 201, JSON.stringify(sub.body));
    setClock(base + 12 * DAY + 10 * HOUR);
    const c = w.sim.customer('15558880005', 'Eve');
    await c.sendText('start exp');
    await c.waitForMessage(text('What is your name?'));
    await w.settle();
    w.clock.advance(61 * MIN);
    await waitFor(async () => (await session('exp', '15558880005')).status === 'expired', 5000, 'expired');
    const s = await session('exp', '15558880005');
    assert.equal(s.reason, 'expired');
    await waitFor(() => api.requests.some((r) => r.path === '/events' && r.body.includes(s.id)), 8000, 'flow.failed delivered');
    const evt = JSON.parse(api.requests.find((r) => r.path === '/events' && r.body.includes(s.id))?.body ?? '{}');
    assert.deepEqual([evt.type, evt.data.status, evt.data.reason], ['flow.failed', 'failed', 'expired']);
    // The customer's next message is not an answer any more: the demo bot has it.
    await c.sendText('sorry, Eve');
    await c.waitForMessage(text('You said: sorry, Eve'));
  });

  test('a pending re-engagement survives a restart', async () => {
    setClock(base + 15 * DAY + 10 * HOUR);
    const c = w.sim.customer('15558880006', 'Fay');
    await c.sendText('start re');
    await c.waitForMessage(text('What is your name?'));
    await w.restart();
    w.clock.advance(31 * MIN);
    const re = await c.waitForMessage((m) => m.type === 'interactive', 8000);
    await c.replyButton(re.wamid, 'reengage_yes');
    await c.waitForMessage(text('What is your name?'));
    await c.sendText('Fay');
    await c.waitForMessage(text('Thanks Fay'));
  });
});
