import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { forEachDialect } from '../support/dialects.ts';
import { startWorld, type World } from '../support/test-world.ts';
import { approvedTemplate, body } from '../templates/helpers.ts';
import { agentSession, call, type As } from './agents-http.ts';

/**
 * An assigned_and_team agent sees contacts, label counts and template sends only through the
 * conversations it may see: a contact is visible when one of its conversations is; labels are
 * managed by admins; a template into someone else's conversation is refused like a text.
 */
forEachDialect('contacts, labels and templates follow conversation visibility', (dialect) => {
  let w: World;
  let agent: As;
  let agentUserId: string;
  let otherUserId: string;
  let mine: { contactId: string; conversationId: string };
  let hidden: { contactId: string; conversationId: string };
  let template: any;
  before(async () => {
    w = await startWorld({ dialect, config: { demoBot: false } });
    await w.sim.customer('5215550200001', 'Mía Visible').sendText('hola');
    await w.sim.customer('5215550200002', 'Oculta Ajena').sendText('hola');
    await w.settle();
    const rows = (await w.api('GET', '/api/v1/conversations')).body.data;
    const of = (waId: string) => {
      const r = rows.find((c: any) => c.contact.wa_id === waId);
      return { contactId: r.contact.id, conversationId: r.id };
    };
    mine = of('5215550200001');
    hidden = of('5215550200002');
    const restricted = await agentSession(w, 'rita@example.com', { visibility: 'assigned_and_team' });
    agent = { cookie: restricted.cookie };
    agentUserId = restricted.user.id;
    otherUserId = (await agentSession(w, 'otto@example.com')).user.id;
    assert.equal((await w.api('POST', `/api/v1/conversations/${mine.conversationId}/assign`, { user_id: agentUserId })).status, 200);
    assert.equal((await w.api('POST', `/api/v1/conversations/${hidden.conversationId}/assign`, { user_id: otherUserId })).status, 200);
    template = await approvedTemplate(w, {
      name: 'aviso_pedido',
      language: 'es_MX',
      category: 'UTILITY',
      components: [body('Hola {{1}}, su pedido está listo.', ['Ana'])],
    });
    assert.equal(template.status, 'APPROVED');
  });
  after(async () => {
    await w?.stop();
  });

  test('/contacts lists, reads and changes only contacts with a visible conversation; the rest are 404', async () => {
    const listed = await call(w, agent, 'GET', '/api/v1/contacts');
    assert.equal(listed.status, 200);
    assert.deepEqual(
      listed.body.data.map((c: any) => c.id),
      [mine.contactId],
    );
    assert.deepEqual((await call(w, agent, 'GET', '/api/v1/contacts?q=oculta')).body.data, []);
    assert.deepEqual((await call(w, agent, 'GET', '/api/v1/search?type=contacts&q=oculta')).body.data, [], 'as /search already did');
    assert.deepEqual(
      (await w.api('GET', '/api/v1/contacts')).body.data.map((c: any) => c.id).sort(),
      [mine.contactId, hidden.contactId].sort(),
      'the admin sees every contact',
    );

    const writes: Array<[string, string, unknown]> = [
      ['GET', '', undefined],
      ['PATCH', '', { name: 'Renamed' }],
      ['POST', '/block', undefined],
      ['POST', '/unblock', undefined],
      ['POST', '/opt-in', { source: 'web_form' }],
      ['POST', '/opt-out', {}],
    ];
    for (const [method, suffix, payload] of writes) {
      const res = await call(w, agent, method, `/api/v1/contacts/${hidden.contactId}${suffix}`, payload);
      assert.equal(res.status, 404, `${method} ${suffix || '/'} on a hidden contact`);
      assert.equal(res.body.error.code, 'contact_not_found');
    }
    const stored = await w.api('GET', `/api/v1/contacts/${hidden.contactId}`);
    assert.deepEqual(
      { name: stored.body.name, blocked: stored.body.blocked, opt_in: stored.body.opt_in.state },
      { name: 'Oculta Ajena', blocked: false, opt_in: 'unknown' },
      'nothing changed',
    );

    for (const [method, suffix, payload] of writes) {
      const res = await call(w, agent, method, `/api/v1/contacts/${mine.contactId}${suffix}`, payload);
      assert.equal(res.status, 200, `${method} ${suffix || '/'} on a visible contact: ${JSON.stringify(res.body)}`);
    }

    // Visibility follows the conversation: assigned to the agent, the contact appears.
    assert.equal((await w.api('POST', `/api/v1/conversations/${hidden.conversationId}/assign`, { user_id: agentUserId })).status, 200);
    assert.equal((await call(w, agent, 'GET', `/api/v1/contacts/${hidden.contactId}`)).status, 200);
    assert.equal((await w.api('POST', `/api/v1/conversations/${hidden.conversationId}/assign`, { user_id: otherUserId })).status, 200);
    assert.equal((await call(w, agent, 'GET', `/api/v1/contacts/${hidden.contactId}`)).status, 404);
  });

  test('GET /labels counts only visible conversations; creating and deleting labels is for admins', async () => {
    for (const id of [mine.conversationId, hidden.conversationId])
      assert.equal((await w.api('PUT', `/api/v1/conversations/${id}/labels/vip`)).status, 200);
    const count = async (as: As | 'admin') =>
      (await call(w, as, 'GET', '/api/v1/labels')).body.data.find((l: any) => l.name === 'vip')?.conversations;
    assert.equal(await count('admin'), 2);
    assert.equal(await count(agent), 1);

    const created = await call(w, agent, 'POST', '/api/v1/labels', { name: 'urgent' });
    assert.equal(created.status, 403);
    assert.deepEqual(
      { code: created.body.error.code, scope: created.body.error.details.required_scope },
      { code: 'forbidden', scope: 'admin' },
    );
    const vip = (await w.api('GET', '/api/v1/labels')).body.data.find((l: any) => l.name === 'vip');
    const deleted = await call(w, agent, 'DELETE', `/api/v1/labels/${vip.id}`);
    assert.equal(deleted.status, 403);
    assert.deepEqual(
      (await w.api('GET', `/api/v1/conversations/${hidden.conversationId}`)).body.labels,
      ['vip'],
      'the hidden conversation keeps its label',
    );

    // Agents still label the conversations they may see, creating a label by using it.
    const put = await call(w, agent, 'PUT', `/api/v1/conversations/${mine.conversationId}/labels/urgente`);
    assert.equal(put.status, 200);
    assert.deepEqual(put.body.labels, ['urgente', 'vip']);
    assert.equal((await call(w, agent, 'PUT', `/api/v1/conversations/${hidden.conversationId}/labels/urgente`)).status, 404);
    assert.equal((await call(w, agent, 'DELETE', `/api/v1/conversations/${mine.conversationId}/labels/vip`)).status, 200);

    assert.equal((await w.api('POST', '/api/v1/labels', { name: 'urgent' })).status, 201, 'the admin manages labels');
    assert.equal((await w.api('DELETE', `/api/v1/labels/${vip.id}`)).status, 204);
  });

  test('a template to a contact whose open conversation is hidden is 403 conversation_hidden, like a text, and nothing is sent', async () => {
    await w.settle();
    const outboundBefore = w.sim.outbound().length;
    const messagesBefore = Number(
      (
        await w.app.deps.storage.db
          .selectFrom('messages')
          .select((eb) => eb.fn.countAll().as('n'))
          .where('conversation_id', '=', hidden.conversationId)
          .executeTakeFirstOrThrow()
      ).n,
    );
    const parameters = { body: ['Ana'] };
    const attempts: Array<[string, unknown]> = [
      ['/api/v1/conversations', { contact_id: hidden.contactId, template: template.id, parameters }],
      ['/api/v1/conversations', { phone: '+5215550200002', template: template.name, language: 'es_MX', parameters }],
      [`/api/v1/templates/${template.id}/send`, { phone: '+5215550200002', parameters }],
      [`/api/v1/templates/${template.id}/send`, { contact_id: hidden.contactId, parameters }],
      ['/api/v1/conversations', { phone: '+5215550200002', text: 'hola' }],
    ];
    for (const [path, payload] of attempts) {
      const res = await call(w, agent, 'POST', path, payload);
      assert.equal(res.status, 403, `${path} ${JSON.stringify(payload)}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.error.code, 'conversation_hidden');
      assert.equal(JSON.stringify(res.body).includes(hidden.conversationId), false, 'the hidden conversation id is not revealed');
    }
    await w.settle();
    assert.equal(w.sim.outbound().length, outboundBefore, 'nothing reached the customer');
    const messagesAfter = Number(
      (
        await w.app.deps.storage.db
          .selectFrom('messages')
          .select((eb) => eb.fn.countAll().as('n'))
          .where('conversation_id', '=', hidden.conversationId)
          .executeTakeFirstOrThrow()
      ).n,
    );
    assert.equal(messagesAfter, messagesBefore);

    // Into the agent's own conversation, and to a new customer, templates still go.
    const own = await call(w, agent, 'POST', '/api/v1/conversations', { contact_id: mine.contactId, template: template.id, parameters });
    assert.equal(own.status, 202, JSON.stringify(own.body));
    assert.equal(own.body.message.conversation_id, mine.conversationId);
    const fresh = await call(w, agent, 'POST', `/api/v1/templates/${template.id}/send`, { phone: '+5215550200003', parameters });
    assert.equal(fresh.status, 202, JSON.stringify(fresh.body));
    // Once the other agent's conversation is closed, the contact is no longer one this agent may
    // see: by contact_id it reads as missing, as in /contacts/:id (by phone a new conversation is the agent's own).
    assert.equal((await w.api('PATCH', `/api/v1/conversations/${hidden.conversationId}`, { status: 'closed' })).status, 200);
    assert.equal((await call(w, agent, 'GET', `/api/v1/contacts/${hidden.contactId}`)).status, 404);
    for (const [path, payload] of [
      ['/api/v1/conversations', { contact_id: hidden.contactId, template: template.id, parameters }],
      [`/api/v1/templates/${template.id}/send`, { contact_id: hidden.contactId, parameters }],
    ] as Array<[string, unknown]>) {
      const res = await call(w, agent, 'POST', path, payload);
      assert.equal(res.status, 404, `${path}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.error.code, 'contact_not_found');
    }
    await w.settle();
    assert.equal(w.sim.outbound().length, outboundBefore + 2, 'only the two allowed sends went out');
    // The admin sees everything, so may send to the other agent's customer (a new conversation now).
    const admin = await w.api('POST', `/api/v1/templates/${template.id}/send`, { contact_id: hidden.contactId, parameters });
    assert.equal(admin.status, 202, JSON.stringify(admin.body));
    assert.notEqual(admin.body.message.conversation_id, hidden.conversationId);
  });
});
