import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { forEachDialect } from '../support/dialects.ts';
import { startWorld, type World } from '../support/test-world.ts';
import { waitFor } from '../support/wait-for.ts';
import { approvedTemplate, body } from '../templates/helpers.ts';
import { publish } from './flow-helpers.ts';

forEachDialect('flow triggers: template buttons, API start with a template, hand-off pause lifted', (dialect) => {
  let w: World;
  const text = (t: string) => (m: { text?: string }) => m.text === t;
  const buttons = { '0': 'continue', '1': 'cancel' };
  const sessionsOf = async (flow: string) => (await w.api('GET', `/api/v1/flows/${flow}/sessions`)).body.data;
  before(async () => {
    w = await startWorld({ dialect });
    await approvedTemplate(w, {
      name: 'booking_reminder',
      language: 'en_US',
      category: 'UTILITY',
      components: [
        body('Hi {{1}}, shall we finish your booking?', ['Ana']),
        {
          type: 'BUTTONS',
          buttons: [
            { type: 'QUICK_REPLY', text: 'Continue' },
            { type: 'QUICK_REPLY', text: 'Cancel' },
          ],
        },
      ],
    });
    await approvedTemplate(w, {
      name: 'new_offer',
      language: 'en_US',
      category: 'MARKETING',
      components: [
        body('Hi {{1}}, there is a new offer for you.', ['Ana']),
        { type: 'BUTTONS', buttons: [{ type: 'QUICK_REPLY', text: 'Continue' }] },
      ],
    });
    const ask = (id: string, triggers: unknown[]) => ({
      id,
      name: id,
      start: 'day',
      triggers,
      blocks: {
        day: { type: 'ask', kind: 'text', prompt: 'Which day suits you?', variable: 'day', exits: { next: 'done' } },
        done: { type: 'end', status: 'succeeded', message: 'Booked for {{session.day}}' },
      },
    });
    await publish(w, ask('resume-booking', [{ type: 'template_button', template: 'booking_reminder', payload: 'continue' }]));
    await publish(w, ask('api-booking', []));
  });
  after(async () => {
    await w?.stop();
  });

  test('a template quick-reply button starts the flow that names its template and payload', async () => {
    const sent = await w.api('POST', '/api/v1/conversations', {
      phone: '+14155550111',
      template: 'booking_reminder',
      language: 'en_US',
      parameters: { body: ['Lu'], buttons },
    });
    assert.equal(sent.status, 202, JSON.stringify(sent.body));
    const c = w.sim.customer('14155550111', 'Lu');
    const tpl = await c.waitForMessage((m) => m.type === 'template');
    await c.tapTemplateButton(tpl.wamid, 'continue');
    await c.waitForMessage(text('Which day suits you?'));
    await c.sendText('Monday');
    await c.waitForMessage(text('Booked for Monday'));
    // Sent without payloads, WhatsApp echoes the button text: "Continue" matches case-insensitively.
    await w.api('POST', '/api/v1/conversations', {
      phone: '+14155550122',
      template: 'booking_reminder',
      language: 'en_US',
      parameters: { body: ['Max'] },
    });
    const c2 = w.sim.customer('14155550122', 'Max');
    const tpl2 = await c2.waitForMessage((m) => m.type === 'template');
    await c2.tapTemplateButton(tpl2.wamid, 'Continue');
    await c2.waitForMessage(text('Which day suits you?'));
    const flows = (await w.api('GET', '/api/v1/flows/resume-booking')).body;
    assert.deepEqual(
      [flows.triggers[0].type, flows.triggers[0].template, flows.triggers[0].payload],
      ['template_button', 'booking_reminder', 'continue'],
    );
  });

  test('POST /flows/:id/start with a template: sent outside the window, the session waits for the button; continue resumes, cancel fails', async () => {
    const started = await w.api('POST', '/api/v1/flows/api-booking/start', {
      phone: '+14155550133',
      template: { name: 'booking_reminder', language: 'en_US', parameters: { body: ['Ned'], buttons } },
    });
    assert.equal(started.status, 202, JSON.stringify(started.body));
    assert.deepEqual([started.body.status, started.body.awaiting], ['waiting', 'button']);
    assert.match(started.body.template_message.id, /^msg_/);
    const c = w.sim.customer('14155550133', 'Ned');
    const tpl = await c.waitForMessage((m) => m.type === 'template');
    await c.tapTemplateButton(tpl.wamid, 'continue');
    await c.waitForMessage(text('Which day suits you?'));
    await c.sendText('Friday');
    await c.waitForMessage(text('Booked for Friday'));

    const again = await w.api('POST', '/api/v1/flows/api-booking/start', {
      phone: '+14155550144',
      template: { name: 'booking_reminder', language: 'en_US', parameters: { body: ['Oz'], buttons } },
    });
    assert.equal(again.status, 202);
    const c2 = w.sim.customer('14155550144', 'Oz');
    const tpl2 = await c2.waitForMessage((m) => m.type === 'template');
    await c2.tapTemplateButton(tpl2.wamid, 'cancel');
    await waitFor(
      async () => (await sessionsOf('api-booking')).find((s: any) => s.id === again.body.id)?.status === 'failed',
      5000,
      'cancelled',
    );
    assert.equal((await sessionsOf('api-booking')).find((s: any) => s.id === again.body.id).reason, 'cancelled');
  });

  test('a template start needs opt-in for marketing (as sendTemplate enforces) and leaves no session when refused; bad bodies are 400', async () => {
    const refused = await w.api('POST', '/api/v1/flows/api-booking/start', {
      phone: '+14155550155',
      template: { name: 'new_offer', language: 'en_US', parameters: { body: ['Pia'] } },
    });
    assert.deepEqual([refused.status, refused.body.error.code], [422, 'opt_in_required']);
    const missing = await w.api('POST', '/api/v1/flows/api-booking/start', {
      phone: '+14155550155',
      template: { name: 'no_such_template' },
    });
    assert.deepEqual(
      [missing.status, missing.body.error.code],
      [404, 'template_not_found'],
      'no session_active: the refused start left nothing behind',
    );
    const bad = await w.api('POST', '/api/v1/flows/api-booking/start', { phone: '+14155550155', template: 'booking_reminder' });
    assert.deepEqual([bad.status, bad.body.error.code], [400, 'invalid_template']);
    const noWindow = await w.api('POST', '/api/v1/flows/api-booking/start', { phone: '+14155550155' });
    assert.equal(noWindow.body.error.code, 'window_closed');
  });

  test('a template block can wait for its button: continue takes next, cancel takes cancel', async () => {
    await publish(w, {
      id: 'remind',
      name: 'Remind',
      start: 'tpl',
      triggers: [{ type: 'exact', value: 'remind me' }],
      blocks: {
        tpl: {
          type: 'template',
          name: 'booking_reminder',
          language: 'en_US',
          parameters: { body: ['{{contact.name}}'], buttons },
          wait_for_button: true,
          exits: { next: 'yes', cancel: 'no' },
        },
        yes: { type: 'end', status: 'succeeded', message: 'Great, let us go on.' },
        no: { type: 'end', status: 'failed', reason: 'declined', message: 'OK, cancelled.' },
      },
    });
    const c = w.sim.customer('14155550166', 'Quinn');
    await c.sendText('remind me');
    const tpl = await c.waitForMessage((m) => m.type === 'template');
    await c.tapTemplateButton(tpl.wamid, 'cancel');
    await c.waitForMessage(text('OK, cancelled.'));
    await c.sendText('remind me');
    const tpl2 = await c.waitForMessage((m) => m.type === 'template');
    await c.tapTemplateButton(tpl2.wamid, 'continue');
    await c.waitForMessage(text('Great, let us go on.'));
  });

  test('closing or unassigning a handed-off conversation lifts the bot pause', async () => {
    await publish(w, {
      id: 'human',
      name: 'Human',
      start: 'h',
      triggers: [{ type: 'exact', value: 'agent please' }],
      blocks: { h: { type: 'handoff', message: 'Connecting you.' } },
    });
    const paused = async (conversationId: string) =>
      (await w.api('GET', `/api/v1/conversations/${conversationId}`)).body.bot.paused === true;
    const convOf = async (waId: string) => {
      const ct = await w.app.deps.storage.db.selectFrom('contacts').select('id').where('external_id', '=', waId).executeTakeFirstOrThrow();
      return (
        await w.app.deps.storage.db
          .selectFrom('conversations')
          .select('id')
          .where('contact_id', '=', ct.id)
          .orderBy('created_at', 'desc')
          .executeTakeFirstOrThrow()
      ).id;
    };
    const c = w.sim.customer('14155550177', 'Ray');
    await c.sendText('agent please');
    await c.waitForMessage(text('Connecting you.'));
    await w.settle();
    const conv = await convOf('14155550177');
    assert.equal(await paused(conv), true);
    const closed = await w.api('PATCH', `/api/v1/conversations/${conv}`, { status: 'closed' });
    assert.equal(closed.status, 200, JSON.stringify(closed.body));
    assert.equal(await paused(conv), false);

    const c2 = w.sim.customer('14155550188', 'Sam');
    await c2.sendText('agent please');
    await c2.waitForMessage(text('Connecting you.'));
    await w.settle();
    const conv2 = await convOf('14155550188');
    const user = await w.api('POST', '/api/v1/users', { email: 'tess@example.com', name: 'Tess', password: 'a-long-enough-password-1' });
    assert.equal(user.status, 201, JSON.stringify(user.body));
    assert.equal((await w.api('POST', `/api/v1/conversations/${conv2}/assign`, { user_id: user.body.id })).status, 200);
    assert.equal(await paused(conv2), true, 'assigned: the agent holds it, the bot stays silent');
    assert.equal((await w.api('POST', `/api/v1/conversations/${conv2}/unassign`)).status, 200);
    assert.equal(await paused(conv2), false);
    await c2.sendText('back to the bot');
    await c2.waitForMessage(text('You said: back to the bot'));
  });
});
