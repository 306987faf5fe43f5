import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { forEachDialect } from '../support/dialects.ts';
import { startWorld, type World } from '../support/test-world.ts';
import { agentSession, call } from './agents-http.ts';

/** Customers write; returns their conversation ids by wa_id. */
async function conversationsFor(w: World, customers: Array<[string, string]>): Promise<Map<string, string>> {
  for (const [waId, name] of customers) await w.sim.customer(waId, name).sendText(`hello from ${name}`);
  await w.settle();
  const list = await w.api('GET', '/api/v1/conversations?limit=200');
  return new Map(list.body.data.map((c: any) => [c.contact.wa_id, c.id]));
}

forEachDialect('inbox: list, filters, visibility, detail, status', (dialect) => {
  let w: World;
  let ids: Map<string, string>;
  let agent: { user: any; cookie: string };
  let team: any;
  before(async () => {
    w = await startWorld({ dialect });
    ids = await conversationsFor(w, [
      ['15557770001', 'Ana'],
      ['15557770002', 'Bruno'],
      ['15557770003', 'Carla'],
      ['15557770004', 'Dario'],
      ['15557770005', 'Elena'],
    ]);
    agent = await agentSession(w, 'restricted@example.com', { visibility: 'assigned_and_team' });
    team = (await call(w, 'admin', 'POST', '/api/v1/teams', { name: 'Support' })).body;
    await call(w, 'admin', 'PUT', `/api/v1/teams/${team.id}/members/${agent.user.id}`);
    // Assignment is the routing module's job; here it is set directly.
    const db = w.app.deps.storage.db;
    await db.updateTable('conversations').set({ assignee_id: agent.user.id }).where('id', '=', ids.get('15557770001')!).execute();
    await db.updateTable('conversations').set({ team_id: team.id }).where('id', '=', ids.get('15557770002')!).execute();
  });
  after(async () => {
    await w?.stop();
  });

  test('each row has contact, preview, unread, assignee, team, labels, linked record and window', async () => {
    const res = await w.api('GET', '/api/v1/conversations?limit=200');
    assert.equal(res.status, 200);
    const ana = res.body.data.find((c: any) => c.contact.wa_id === '15557770001');
    assert.equal(ana.contact.name, 'Ana');
    assert.equal(ana.contact.phone, '+15557770001');
    assert.equal(ana.status, 'active');
    assert.ok(ana.last_message_preview);
    assert.equal(ana.last_message_type, 'text', 'the newest message type, for the list icon');
    assert.ok(ana.last_message_at);
    assert.equal(ana.unread_count, 1);
    assert.deepEqual(ana.assignee, { id: agent.user.id, name: 'restricted' });
    assert.equal(ana.team, null);
    assert.deepEqual(ana.labels, []);
    assert.equal(ana.linked_record, null);
    assert.equal(ana.window.open, true);
    assert.equal(Date.parse(ana.window.open_until), Date.parse(ana.last_customer_message_at) + 24 * 3600_000);
    const bruno = res.body.data.find((c: any) => c.contact.wa_id === '15557770002');
    assert.deepEqual(bruno.team, { id: team.id, name: 'Support' });
  });

  test('filters: assignee (id, me, none), team, channel, unread, q, status', async () => {
    const names = async (path: string, as: any = 'admin') => {
      const res = await call(w, as, 'GET', path);
      assert.equal(res.status, 200, `${path}: ${JSON.stringify(res.body)}`);
      return res.body.data.map((c: any) => c.contact.name).sort();
    };
    assert.deepEqual(await names(`/api/v1/conversations?assignee=${agent.user.id}`), ['Ana']);
    assert.deepEqual(await names('/api/v1/conversations?assignee=me', { cookie: agent.cookie }), ['Ana']);
    assert.deepEqual(await names('/api/v1/conversations?assignee=none'), ['Bruno', 'Carla', 'Dario', 'Elena']);
    assert.deepEqual(await names(`/api/v1/conversations?team=${team.id}`), ['Bruno']);
    assert.deepEqual(await names(`/api/v1/conversations?channel=wa_${w.sim.phoneNumberId}&q=carl`), ['Carla']);
    assert.deepEqual(await names('/api/v1/conversations?channel=wa_nope'), []);
    assert.deepEqual(await names('/api/v1/conversations?q=7770004'), ['Dario']);
    assert.deepEqual(await names('/api/v1/conversations?q=ELEN'), ['Elena'], 'case-insensitive');
    assert.deepEqual(await names('/api/v1/conversations?q=%25'), [], '% is a literal, not a wildcard');
    assert.deepEqual(await names('/api/v1/conversations?q=a%25n'), [], '% inside a longer q is literal too');
    assert.ok((await names('/api/v1/conversations?q=El')).includes('Elena'), 'two characters: no trigram, found by scan');
    await w.api('POST', `/api/v1/conversations/${ids.get('15557770005')}/read`);
    assert.deepEqual(await names('/api/v1/conversations?unread=true'), ['Ana', 'Bruno', 'Carla', 'Dario']);
    assert.deepEqual(await names('/api/v1/conversations?unread=false'), ['Elena']);
    assert.deepEqual(await names('/api/v1/conversations?status=archived'), []);
    assert.equal((await w.api('GET', '/api/v1/conversations?unread=maybe')).body.error.code, 'invalid_unread');
    assert.equal((await w.api('GET', '/api/v1/conversations?status=open')).body.error.code, 'invalid_status');
    assert.equal(
      (await w.api('GET', '/api/v1/conversations?assignee=me')).body.error.code,
      'invalid_assignee',
      'the admin token is nobody',
    );
  });

  test("an assigned_and_team agent lists and reads only their and their team's conversations", async () => {
    const mine = await call(w, { cookie: agent.cookie }, 'GET', '/api/v1/conversations');
    assert.equal(mine.status, 200);
    assert.deepEqual(mine.body.data.map((c: any) => c.contact.name).sort(), ['Ana', 'Bruno']);
    const hidden = ids.get('15557770003')!;
    for (const [method, path, body] of [
      ['GET', `/api/v1/conversations/${hidden}`],
      ['PATCH', `/api/v1/conversations/${hidden}`, { status: 'archived' }],
      ['POST', `/api/v1/conversations/${hidden}/messages`, { text: 'hi' }],
      ['POST', `/api/v1/conversations/${hidden}/read`],
      ['GET', `/api/v1/conversations/${hidden}/notes`],
      ['POST', `/api/v1/conversations/${hidden}/notes`, { text: 'x' }],
      ['PUT', `/api/v1/conversations/${hidden}/labels/vip`],
      ['PUT', `/api/v1/conversations/${hidden}/link`, { type: 'order', id: '1' }],
    ] as const) {
      const res = await call(w, { cookie: agent.cookie }, method, path, body);
      assert.equal(res.status, 404, `${method} ${path}`);
      assert.equal(res.body.error.code, 'conversation_not_found');
    }
    assert.equal(
      (await call(w, { cookie: agent.cookie }, 'GET', `/api/v1/conversations/${ids.get('15557770002')}`)).status,
      200,
      'team conversation',
    );
    const search = await call(w, { cookie: agent.cookie }, 'GET', '/api/v1/search?q=hello%20from');
    assert.deepEqual(search.body.data.map((m: any) => m.contact.name).sort(), ['Ana', 'Bruno']);
    const contacts = await call(w, { cookie: agent.cookie }, 'GET', '/api/v1/search?type=contacts&q=5557770');
    assert.deepEqual(contacts.body.data.map((c: any) => c.name).sort(), ['Ana', 'Bruno']);
  });

  test('keyset pagination with a filter walks every match once, newest first', async () => {
    const seen: string[] = [];
    const times: number[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: any } = await w.api(
        'GET',
        `/api/v1/conversations?assignee=none&limit=1${cursor ? `&cursor=${cursor}` : ''}`,
      );
      assert.equal(page.status, 200);
      seen.push(...page.body.data.map((c: any) => c.id));
      times.push(...page.body.data.map((c: any) => Date.parse(c.last_message_at)));
      cursor = page.body.next_cursor;
    } while (cursor);
    assert.equal(seen.length, 4);
    assert.equal(new Set(seen).size, 4);
    assert.deepEqual(
      times,
      [...times].sort((a, b) => b - a),
    );
  });

  test('detail: messages backwards, notes, labels, window, response times', async () => {
    const id = ids.get('15557770001')!;
    await w.sim.customer('15557770001').sendText('second');
    await w.sim.customer('15557770001').sendText('third');
    await w.settle();
    const first = await w.api('GET', `/api/v1/conversations/${id}?limit=2`);
    assert.equal(first.status, 200);
    assert.equal(first.body.messages.length, 2);
    assert.ok(first.body.messages_before_cursor);
    const older = await w.api('GET', `/api/v1/conversations/${id}?limit=100&before=${first.body.messages_before_cursor}`);
    assert.ok(older.body.messages.length >= 2);
    assert.equal(older.body.messages[0].text, 'hello from Ana');
    assert.deepEqual(Object.keys(first.body.response_times).sort(), [
      'average_response_ms',
      'awaiting_reply_since',
      'first_response_at',
      'first_response_ms',
      'last_read_at',
      'responses',
    ]);
    assert.deepEqual(first.body.notes, []);
    assert.equal(first.body.window.open, true);
    assert.equal((await w.api('GET', '/api/v1/conversations/conv_missing')).status, 404);
  });

  test('status: archive, snooze (hidden from active until the time passes or the customer writes), close for good', async () => {
    const sub = await w.api('POST', '/api/v1/webhooks', {
      url: 'https://receiver.example.invalid/hook',
      events: ['conversation.updated', 'conversation.closed'],
    });
    assert.equal(sub.status, 201);
    const id = ids.get('15557770004')!;
    const archived = await w.api('PATCH', `/api/v1/conversations/${id}`, { status: 'archived' });
    assert.equal(archived.status, 200);
    assert.equal(archived.body.status, 'archived');
    const archivedList = await w.api('GET', '/api/v1/conversations?status=archived');
    assert.deepEqual(
      archivedList.body.data.map((c: any) => c.id),
      [id],
    );
    // The customer writes: an archived conversation reopens.
    await w.sim.customer('15557770004').sendText('back again');
    await w.settle();
    assert.equal((await w.api('GET', `/api/v1/conversations/${id}`)).body.status, 'active');

    const until = new Date(w.clock.now() + 3600_000).toISOString();
    const snoozed = await w.api('PATCH', `/api/v1/conversations/${id}`, { snoozed_until: until });
    assert.equal(snoozed.body.snoozed_until, until);
    const activeIds = async (extra = '') =>
      (await w.api('GET', `/api/v1/conversations?status=active${extra}`)).body.data.map((c: any) => c.id);
    assert.equal((await activeIds()).includes(id), false, 'hidden while snoozed');
    assert.deepEqual(await activeIds('&snoozed=true'), [id]);
    assert.equal((await activeIds('&snoozed=all')).includes(id), true);
    w.clock.advance(3600_000 + 1000);
    assert.equal((await activeIds()).includes(id), true, 'back when the time passed');
    await w.api('PATCH', `/api/v1/conversations/${id}`, { snoozed_until: new Date(w.clock.now() + 3600_000).toISOString() });
    await w.sim.customer('15557770004').sendText('are you there?');
    await w.settle();
    assert.equal((await activeIds()).includes(id), true, 'back when the customer wrote');

    const bad = await w.api('PATCH', `/api/v1/conversations/${id}`, { snoozed_until: '2001-01-01T00:00:00Z' });
    assert.equal(bad.status, 422);
    assert.equal(bad.body.error.code, 'invalid_snoozed_until');
    assert.equal((await w.api('PATCH', `/api/v1/conversations/${id}`, { status: 'open' })).body.error.code, 'invalid_status');
    assert.equal((await w.api('PATCH', `/api/v1/conversations/${id}`, { colour: 'red' })).body.error.code, 'unknown_field');

    const closed = await w.api('PATCH', `/api/v1/conversations/${id}`, { status: 'closed' });
    assert.equal(closed.body.status, 'closed');
    const reopen = await w.api('PATCH', `/api/v1/conversations/${id}`, { status: 'active' });
    assert.equal(reopen.status, 409);
    assert.equal(reopen.body.error.code, 'conversation_closed');
    const reply = await w.api('POST', `/api/v1/conversations/${id}/messages`, { text: 'hi' });
    assert.equal(reply.body.error.code, 'conversation_closed');
    // The customer writes again: a new conversation starts, the closed one stays closed.
    await w.sim.customer('15557770004').sendText('new topic');
    await w.settle();
    const list = await w.api('GET', '/api/v1/conversations?q=Dario&limit=10');
    assert.deepEqual(list.body.data.map((c: any) => c.status).sort(), ['active', 'closed']);

    const types = (await w.app.deps.storage.db.selectFrom('emitted_events').select('type').execute()).map((e) => e.type);
    assert.ok(types.includes('conversation.updated'));
    assert.ok(types.includes('conversation.closed'));
  });

  test('labels: create, list with counts, put on and take off by name, filter, delete', async () => {
    const created = await w.api('POST', '/api/v1/labels', { name: 'billing', color: '#ff8800' });
    assert.equal(created.status, 201);
    assert.equal((await w.api('POST', '/api/v1/labels', { name: 'billing' })).body.error.code, 'label_exists');
    assert.equal((await w.api('POST', '/api/v1/labels', { name: '' })).body.error.code, 'invalid_label_name');
    const ana = ids.get('15557770001')!;
    const bruno = ids.get('15557770002')!;
    assert.deepEqual((await w.api('PUT', `/api/v1/conversations/${ana}/labels/billing`)).body.labels, ['billing']);
    assert.deepEqual(
      (await w.api('PUT', `/api/v1/conversations/${ana}/labels/vip`)).body.labels,
      ['billing', 'vip'],
      'a new name creates the label',
    );
    await w.api('PUT', `/api/v1/conversations/${bruno}/labels/billing`);
    const byLabel = await w.api('GET', '/api/v1/conversations?label=billing');
    assert.deepEqual(byLabel.body.data.map((c: any) => c.id).sort(), [ana, bruno].sort());
    assert.deepEqual(byLabel.body.data.find((c: any) => c.id === ana).labels, ['billing', 'vip']);
    const labels = await w.api('GET', '/api/v1/labels');
    assert.deepEqual(
      labels.body.data.map((l: any) => [l.name, l.conversations]),
      [
        ['billing', 2],
        ['vip', 1],
      ],
    );
    assert.deepEqual((await w.api('DELETE', `/api/v1/conversations/${bruno}/labels/billing`)).body.labels, []);
    assert.equal((await w.api('DELETE', `/api/v1/labels/${created.body.id}`)).status, 204);
    assert.equal((await w.api('DELETE', `/api/v1/labels/${created.body.id}`)).status, 404);
    assert.deepEqual((await w.api('GET', `/api/v1/conversations/${ana}`)).body.labels, ['vip']);
  });

  test('linked record: link, find by record, show in list and detail, unlink', async () => {
    const id = ids.get('15557770003')!;
    const linked = await w.api('PUT', `/api/v1/conversations/${id}/link`, {
      type: 'service_request',
      id: 'SR-1042',
      url: 'https://crm.example.com/sr/1042',
      title: 'Broken boiler',
      attributes: { priority: 'high', visit: '2026-01-05' },
    });
    assert.equal(linked.status, 200);
    assert.deepEqual(linked.body.linked_record, {
      type: 'service_request',
      id: 'SR-1042',
      url: 'https://crm.example.com/sr/1042',
      title: 'Broken boiler',
      attributes: { priority: 'high', visit: '2026-01-05' },
    });
    const byRecord = await w.api('GET', '/api/v1/records/service_request/SR-1042/conversations');
    assert.deepEqual(
      byRecord.body.data.map((c: any) => c.id),
      [id],
    );
    assert.equal(byRecord.body.data[0].linked_record.title, 'Broken boiler');
    const byQuery = await w.api('GET', '/api/v1/conversations?record_type=service_request&record_id=SR-1042');
    assert.deepEqual(
      byQuery.body.data.map((c: any) => c.id),
      [id],
    );
    assert.equal((await w.api('GET', '/api/v1/conversations?record_id=SR-1042')).body.error.code, 'invalid_record_type');
    assert.equal((await w.api('GET', `/api/v1/conversations/${id}`)).body.linked_record.id, 'SR-1042');
    assert.equal((await w.api('PUT', `/api/v1/conversations/${id}/link`, { type: 'x y', id: '1' })).body.error.code, 'invalid_type');
    assert.equal(
      (await w.api('PUT', `/api/v1/conversations/${id}/link`, { type: 'x', id: '1', attributes: [1] })).body.error.code,
      'invalid_attributes',
    );
    assert.equal((await w.api('DELETE', `/api/v1/conversations/${id}/link`)).status, 204);
    assert.deepEqual((await w.api('GET', '/api/v1/records/service_request/SR-1042/conversations')).body.data, []);
    assert.equal((await call(w, 'anonymous', 'GET', '/api/v1/records/service_request/SR-1042/conversations')).status, 401);
  });

  test("q follows the last message and the contact's current profile name (the search index is kept by triggers)", async () => {
    const names = async (q: string) =>
      (await w.api('GET', `/api/v1/conversations?q=${encodeURIComponent(q)}`)).body.data.map((c: any) => c.contact.name);
    const customer = w.sim.customer('15557770099', 'Zoila');
    await customer.sendText('quiero un unicornio morado');
    await w.settle();
    assert.deepEqual(await names('unicornio'), ['Zoila']);
    assert.deepEqual(await names('UNICORNIO MOR'), ['Zoila'], 'case-insensitive, across words');
    w.sim.customer('15557770099', 'Zoila Renamed');
    await customer.sendText('ya no');
    await w.settle();
    assert.deepEqual(await names('unicornio'), [], 'the preview moved on');
    assert.deepEqual(await names('renamed'), ['Zoila Renamed']);
  });
});
