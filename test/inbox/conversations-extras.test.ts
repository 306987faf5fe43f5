import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { forEachDialect } from '../support/dialects.ts';
import { startWorld, type World } from '../support/test-world.ts';
import { agentSession, call } from './agents-http.ts';

forEachDialect('inbox: notes, canned replies, search, OpenAPI docs', (dialect) => {
  let w: World;
  let conv: any;
  let agent: { user: any; cookie: string };
  before(async () => {
    w = await startWorld({ dialect });
    await w.sim.customer('15559990001', 'Olga').sendText('my boiler is broken');
    await w.settle();
    conv = (await w.api('GET', '/api/v1/conversations')).body.data[0];
    agent = await agentSession(w, 'nina@example.com');
  });
  after(async () => {
    await w?.stop();
  });

  test('private notes resolve @email and @userId mentions and are never sent to WhatsApp', async () => {
    const sentBefore = w.sim.outbound().length;
    const note = await call(w, { cookie: agent.cookie }, 'POST', `/api/v1/conversations/${conv.id}/notes`, {
      text: `@NINA@example.com and @${agent.user.id}: check the warranty. @nobody@example.com is nobody.`,
    });
    assert.equal(note.status, 201);
    assert.equal(note.body.author, `agent:${agent.user.id}`);
    assert.deepEqual(
      note.body.mentions.map((m: any) => m.user_id),
      [agent.user.id],
    );
    const plain = await w.api('POST', `/api/v1/conversations/${conv.id}/notes`, { text: 'mail me at ops@example.com' });
    assert.equal(plain.body.author, 'api');
    assert.deepEqual(plain.body.mentions, [], 'an address inside text is not a mention');
    const list = await w.api('GET', `/api/v1/conversations/${conv.id}/notes`);
    assert.deepEqual(
      list.body.data.map((n: any) => n.id),
      [note.body.id, plain.body.id],
    );
    const detail = await w.api('GET', `/api/v1/conversations/${conv.id}`);
    assert.equal(detail.body.notes.length, 2);
    assert.equal(
      detail.body.messages.some((m: any) => (m.text ?? '').includes('warranty')),
      false,
    );
    await w.settle();
    assert.equal(w.sim.outbound().length, sentBefore, 'nothing went to the customer');
    assert.equal((await w.api('POST', `/api/v1/conversations/${conv.id}/notes`, { text: '' })).body.error.code, 'invalid_text');
    const rows = await w.app.deps.storage.db.selectFrom('note_mentions').selectAll().execute();
    assert.deepEqual(
      rows.map((r) => [r.note_id, r.user_id]),
      [[note.body.id, agent.user.id]],
    );
  });

  test('canned replies: create, list by shortcut, change, render with variables, unknown variables 422, delete', async () => {
    await w.api('PUT', `/api/v1/conversations/${conv.id}/link`, {
      type: 'service_request',
      id: 'SR-7',
      title: 'Boiler',
      attributes: { visit: 'Monday' },
    });
    const created = await w.api('POST', '/api/v1/canned-replies', {
      shortcut: 'visit',
      text: 'Hi {{contact.name}}, {{agent.name}} here about {{linked_record.title}} ({{ linked_record.id }}): visit {{linked_record.attributes.visit}}. Ref {{conversation.id}}.',
    });
    assert.equal(created.status, 201);
    assert.deepEqual(created.body.unknown_variables, []);
    assert.equal((await w.api('POST', '/api/v1/canned-replies', { shortcut: 'visit', text: 'x' })).body.error.code, 'shortcut_taken');
    assert.equal(
      (await w.api('POST', '/api/v1/canned-replies', { shortcut: 'bad shortcut', text: 'x' })).body.error.code,
      'invalid_shortcut',
    );
    await w.api('POST', '/api/v1/canned-replies', { shortcut: 'thanks', text: 'Thanks!' });
    assert.deepEqual(
      (await w.api('GET', '/api/v1/canned-replies?q=vi')).body.data.map((c: any) => c.shortcut),
      ['visit'],
    );
    assert.deepEqual(
      (await w.api('GET', '/api/v1/canned-replies')).body.data.map((c: any) => c.shortcut),
      ['thanks', 'visit'],
    );

    const rendered = await call(w, { cookie: agent.cookie }, 'POST', `/api/v1/canned-replies/${created.body.id}/render`, {
      conversation_id: conv.id,
    });
    assert.equal(rendered.status, 200);
    assert.equal(rendered.body.text, `Hi Olga, nina here about Boiler (SR-7): visit Monday. Ref ${conv.id}.`);
    assert.deepEqual(rendered.body.missing, []);
    const asAdminToken = await w.api('POST', `/api/v1/canned-replies/${created.body.id}/render`, { conversation_id: conv.id });
    assert.deepEqual(asAdminToken.body.missing, ['agent.name'], 'the admin token is no agent');

    const typo = await w.api('PATCH', `/api/v1/canned-replies/${created.body.id}`, { text: 'Hi {{contact.nmae}} and {{order.total}}' });
    assert.equal(typo.status, 200);
    assert.deepEqual(typo.body.unknown_variables, ['contact.nmae', 'order.total']);
    const refused = await w.api('POST', `/api/v1/canned-replies/${created.body.id}/render`, { conversation_id: conv.id });
    assert.equal(refused.status, 422);
    assert.equal(refused.body.error.code, 'unknown_variables');
    assert.deepEqual(refused.body.error.details.variables, ['contact.nmae', 'order.total']);
    assert.equal((await w.api('POST', `/api/v1/canned-replies/${created.body.id}/render`, { conversation_id: 'conv_nope' })).status, 404);
    assert.equal((await w.api('DELETE', `/api/v1/canned-replies/${created.body.id}`)).status, 204);
    assert.equal((await w.api('DELETE', `/api/v1/canned-replies/${created.body.id}`)).status, 404);
  });

  test('search over message text and contact names and phones', async () => {
    const messages = await w.api('GET', '/api/v1/search?q=BOILER');
    assert.equal(messages.status, 200);
    // Newest first: the demo bot's echo, then the customer's message.
    assert.deepEqual(
      messages.body.data.map((m: any) => [m.conversation_id, m.direction, m.text]),
      [
        [conv.id, 'out', 'You said: my boiler is broken'],
        [conv.id, 'in', 'my boiler is broken'],
      ],
    );
    const byName = await w.api('GET', '/api/v1/search?type=contacts&q=olg');
    assert.deepEqual(
      byName.body.data.map((c: any) => [c.name, c.wa_id, c.latest_conversation_id]),
      [['Olga', '15559990001', conv.id]],
    );
    assert.equal((await w.api('GET', '/api/v1/search?type=contacts&q=5999')).body.data.length, 1);
    assert.equal((await w.api('GET', '/api/v1/search?q=')).body.error.code, 'invalid_q');
    assert.equal((await w.api('GET', '/api/v1/search?q=x&type=files')).body.error.code, 'invalid_type');
    const token = await w.api('POST', '/api/v1/tokens', { name: 'reader', scopes: ['conversations:read'] });
    const noContacts = await call(w, { bearer: token.body.token }, 'GET', '/api/v1/search?type=contacts&q=olg');
    assert.equal(noContacts.status, 403, 'contacts need contacts:read');
    assert.equal((await call(w, { bearer: token.body.token }, 'GET', '/api/v1/search?q=boiler')).status, 200);
    assert.equal(
      (await call(w, { bearer: token.body.token }, 'POST', `/api/v1/conversations/${conv.id}/notes`, { text: 'x' })).status,
      403,
      'writes need conversations:write',
    );
  });

  test('/docs and /openapi.json are served without credentials and describe the inbox routes', async () => {
    const doc = await fetch(`${w.app.url}/openapi.json`);
    assert.equal(doc.status, 200);
    const spec = await doc.json();
    assert.match(spec.openapi, /^3\./);
    for (const path of [
      '/api/v1/conversations',
      '/api/v1/conversations/{id}',
      '/api/v1/conversations/{id}/messages',
      '/api/v1/conversations/{id}/read',
      '/api/v1/conversations/{id}/notes',
      '/api/v1/conversations/{id}/labels/{labelName}',
      '/api/v1/conversations/{id}/link',
      '/api/v1/records/{type}/{id}/conversations',
      '/api/v1/labels',
      '/api/v1/canned-replies/{id}/render',
      '/api/v1/media',
      '/api/v1/search',
    ]) {
      assert.ok(spec.paths[path], `${path} documented`);
    }
    assert.ok(spec.paths['/api/v1/conversations'].get.summary);
    assert.ok(spec.paths['/api/v1/conversations/{id}/messages'].post.requestBody);
    const ui = await fetch(`${w.app.url}/docs`, { redirect: 'follow' });
    assert.equal(ui.status, 200);
    assert.match(await ui.text(), /swagger/i);
  });
});
