import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { forEachDialect } from '../support/dialects.ts';
import { startWorld, type World } from '../support/test-world.ts';
import { waitFor } from '../support/wait-for.ts';

forEachDialect('a message in, a reply out', (dialect) => {
  let w: World;
  before(async () => {
    w = await startWorld({ dialect });
  });
  after(async () => {
    await w?.stop();
  });

  test('a greeting gets the demo bot reply, echo for other text', async () => {
    const customer = w.sim.customer('15551230001', 'Ana');
    await customer.sendText('hi there');
    const greeting = await customer.waitForMessage((m) => m.type === 'text');
    assert.match(greeting.text ?? '', /Hello Ana!/);
    await customer.sendText('what time is it?');
    const echo = await customer.waitForMessage((m) => (m.text ?? '').startsWith('You said'));
    assert.equal(echo.text, 'You said: what time is it?');
  });

  test('the API lists the conversation and shows its history with delivery statuses', async () => {
    await w.settle();
    const list = await w.api('GET', '/api/v1/conversations');
    assert.equal(list.status, 200);
    const conv = list.body.data.find((c: any) => c.contact.wa_id === '15551230001');
    assert.ok(conv, 'conversation listed');
    assert.equal(conv.contact.name, 'Ana');
    assert.equal(conv.contact.phone, '+15551230001');
    assert.equal(conv.status, 'active');
    assert.equal(conv.window.open, true);
    await waitFor(async () => {
      const d = await w.api('GET', `/api/v1/conversations/${conv.id}`);
      return d.body.messages.filter((m: any) => m.direction === 'out').every((m: any) => m.status === 'read');
    });
    const detail = await w.api('GET', `/api/v1/conversations/${conv.id}`);
    assert.equal(detail.status, 200);
    assert.deepEqual(
      detail.body.messages.map((m: any) => [m.direction, m.text]),
      [
        ['in', 'hi there'],
        ['out', detail.body.messages[1].text],
        ['in', 'what time is it?'],
        ['out', 'You said: what time is it?'],
      ],
    );
    assert.match(detail.body.messages[1].external_id, /^wamid\./);
  });

  test('POST /api/v1/conversations/:id/messages sends a text that reaches the customer', async () => {
    const list = await w.api('GET', '/api/v1/conversations');
    const conv = list.body.data.find((c: any) => c.contact.wa_id === '15551230001');
    const sent = await w.api('POST', `/api/v1/conversations/${conv.id}/messages`, { text: 'An agent here' });
    assert.equal(sent.status, 202);
    assert.equal(sent.body.status, 'queued');
    const got = await w.sim.customer('15551230001').waitForMessage((m) => m.text === 'An agent here');
    assert.equal(got.type, 'text');
  });

  test('bad sends get clear 4xx errors', async () => {
    const list = await w.api('GET', '/api/v1/conversations');
    const id = list.body.data[0].id;
    assert.equal((await w.api('POST', `/api/v1/conversations/${id}/messages`, { text: '' })).body.error.code, 'text_required');
    assert.equal(
      (await w.api('POST', `/api/v1/conversations/${id}/messages`, { text: 'x'.repeat(4097) })).body.error.code,
      'text_too_long',
    );
    assert.equal((await w.api('POST', `/api/v1/conversations/nope/messages`, { text: 'x' })).status, 404);
    assert.equal((await w.api('GET', `/api/v1/conversations?limit=0`)).status, 400);
    assert.equal((await w.api('GET', `/api/v1/conversations?cursor=%%%`)).status, 400);
  });

  test('every API route needs the bearer token', async () => {
    for (const [method, path] of [
      ['GET', '/api/v1/conversations'],
      ['GET', '/api/v1/conversations/x'],
      ['POST', '/api/v1/conversations/x/messages'],
    ] as const) {
      const none = await fetch(`${w.app.url}${path}`, { method });
      assert.equal(none.status, 401, `${method} ${path} without token`);
      const wrong = await fetch(`${w.app.url}${path}`, { method, headers: { authorization: 'Bearer wrong-token' } });
      assert.equal(wrong.status, 401, `${method} ${path} with a wrong token`);
      assert.equal((await wrong.json()).error.code, 'unauthorized');
    }
  });

  test('outside the 24-hour window a free-form reply is refused with when it closed', async () => {
    const list = await w.api('GET', '/api/v1/conversations');
    const conv = list.body.data.find((c: any) => c.contact.wa_id === '15551230001');
    w.clock.advance(24 * 3600_000 + 1000);
    const res = await w.api('POST', `/api/v1/conversations/${conv.id}/messages`, { text: 'too late' });
    assert.equal(res.status, 422);
    assert.equal(res.body.error.code, 'window_closed');
    assert.equal(res.body.error.details.template_required, true);
    assert.equal(
      res.body.error.details.window_closed_at,
      new Date(Date.parse(conv.last_customer_message_at) + 24 * 3600_000).toISOString(),
    );
    const again = await w.api('GET', `/api/v1/conversations/${conv.id}`);
    assert.equal(again.body.window.open, false);
  });

  test('keyset pagination walks every conversation once, newest first', async () => {
    for (let i = 0; i < 5; i++) await w.sim.customer(`1555123010${i}`).sendText('hello');
    await w.settle();
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: any } = await w.api('GET', `/api/v1/conversations?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      assert.equal(page.status, 200);
      seen.push(...page.body.data.map((c: any) => c.id));
      cursor = page.body.next_cursor;
    } while (cursor);
    assert.equal(seen.length, 6);
    assert.equal(new Set(seen).size, 6);
  });

  test('health and readiness', async () => {
    const h = await fetch(`${w.app.url}/health`);
    assert.equal(h.status, 200);
    const r = await (await fetch(`${w.app.url}/health/ready`)).json();
    assert.equal(r.status, 'ready');
    assert.equal(r.database.dialect, dialect);
    assert.equal(typeof r.backlog.webhook_events.pending, 'number');
  });
});
