import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { forEachDialect } from '../support/dialects.ts';
import { ADMIN_TOKEN, startWorld, type World } from '../support/test-world.ts';
import { waitFor } from '../support/wait-for.ts';
import { agentSession, call } from './agents-http.ts';

const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');

forEachDialect('inbox: replies of every type, limits, 24-hour rule, media, mark read, response times', (dialect) => {
  let w: World;
  let conv: any;
  const waId = '12125550147';
  before(async () => {
    w = await startWorld({ dialect });
    await w.sim.customer(waId, 'Rita').sendText('hello');
    await w.settle();
    conv = (await w.api('GET', '/api/v1/conversations')).body.data.find((c: any) => c.contact.wa_id === waId);
  });
  after(async () => {
    await w?.stop();
  });

  const send = (body: unknown) => w.api('POST', `/api/v1/conversations/${conv.id}/messages`, body);
  const customer = () => w.sim.customer(waId);

  test('text, location, buttons and a list reach the customer as sent', async () => {
    assert.equal((await send({ text: 'Plain text' })).status, 202);
    assert.equal((await customer().waitForMessage((m) => m.text === 'Plain text')).type, 'text');

    assert.equal((await send({ type: 'location', latitude: 19.43, longitude: -99.13, name: 'Office', address: 'Centro' })).status, 202);
    const loc = await customer().waitForMessage((m) => m.type === 'location');
    assert.deepEqual(loc.body.location, { latitude: 19.43, longitude: -99.13, name: 'Office', address: 'Centro' });

    const buttons = await send({
      type: 'buttons',
      body: 'Pick one',
      footer: 'Thanks',
      buttons: [
        { id: 'yes', title: 'Yes' },
        { id: 'no', title: 'No' },
      ],
    });
    assert.equal(buttons.status, 202);
    const b = await customer().waitForMessage((m) => m.type === 'interactive' && m.body.interactive.type === 'button');
    assert.deepEqual(
      b.body.interactive.action.buttons.map((x: any) => x.reply.title),
      ['Yes', 'No'],
    );

    const list = await send({
      type: 'list',
      body: 'Choose a slot',
      button: 'Slots',
      sections: [
        { title: 'Morning', rows: [{ id: 'm9', title: '09:00', description: 'early' }] },
        { title: 'Afternoon', rows: [{ id: 'a3', title: '15:00' }] },
      ],
    });
    assert.equal(list.status, 202);
    const l = await customer().waitForMessage((m) => m.type === 'interactive' && m.body.interactive.type === 'list');
    assert.equal(l.body.interactive.action.sections.length, 2);
    // The customer picks a row: it comes back as an inbound interactive reply.
    await customer().replyList(l.wamid, 'a3');
    await w.settle();
  });

  test('reply_to quotes a message by our id or its wamid; a reaction targets a message', async () => {
    const detail = await w.api('GET', `/api/v1/conversations/${conv.id}`);
    const inbound = detail.body.messages.find((m: any) => m.direction === 'in' && m.text === 'hello');
    const byOurId = await send({ text: 'Quoting you', reply_to: inbound.id });
    assert.equal(byOurId.status, 202);
    assert.equal(byOurId.body.reply_to, inbound.external_id);
    const quoted = await customer().waitForMessage((m) => m.text === 'Quoting you');
    assert.equal(quoted.contextId, inbound.external_id);
    assert.equal((await send({ text: 'By wamid', reply_to: inbound.external_id })).status, 202);

    const reaction = await send({ type: 'reaction', message_id: inbound.id, emoji: '👍' });
    assert.equal(reaction.status, 202);
    const r = await customer().waitForMessage((m) => m.type === 'reaction');
    assert.deepEqual(r.body.reaction, { message_id: inbound.external_id, emoji: '👍' });

    const missing = await send({ text: 'x', reply_to: 'wamid.nope' });
    assert.equal(missing.status, 422);
    assert.deepEqual([missing.body.error.code, missing.body.error.details.field], ['reply_to_not_found', 'reply_to']);
    const queued = await w.app.deps.storage.db
      .insertInto('messages')
      .values({
        id: 'msg_unsent',
        conversation_id: conv.id,
        channel_id: conv.channel_id,
        direction: 'out',
        external_id: null,
        kind: 'text',
        text: 'x',
        content: JSON.stringify({ type: 'text', text: 'x' }),
        raw: null,
        status: 'failed',
        status_at: 0,
        error_code: null,
        error_message: null,
        reply_to_external_id: null,
        sent_at: 0,
        created_at: 0,
        attempts: 0,
        author: 'api',
      })
      .execute();
    assert.ok(queued);
    assert.equal((await send({ type: 'reaction', message_id: 'msg_unsent', emoji: '👍' })).body.error.code, 'message_id_not_sent');
  });

  test('WhatsApp limits are checked before queueing: 422 with a code and the field', async () => {
    const cases: Array<[unknown, string, string]> = [
      [{ text: '' }, 'text_required', 'text'],
      [{ text: 'x'.repeat(4097) }, 'text_too_long', 'text'],
      [{ type: 'carousel' }, 'unsupported_type', 'type'],
      [{ type: 'buttons', body: 'b', buttons: [1, 2, 3, 4].map((i) => ({ id: `${i}`, title: `${i}` })) }, 'invalid_buttons', 'buttons'],
      [{ type: 'buttons', body: 'b', buttons: [{ id: 'a', title: 'x'.repeat(21) }] }, 'button_title_too_long', 'buttons[0].title'],
      [
        {
          type: 'buttons',
          body: 'b',
          buttons: [
            { id: 'a', title: 'Same' },
            { id: 'b', title: 'Same' },
          ],
        },
        'duplicate_button',
        'buttons[1]',
      ],
      [{ type: 'buttons', body: 'x'.repeat(1025), buttons: [{ id: 'a', title: 'A' }] }, 'body_too_long', 'body'],
      [
        {
          type: 'list',
          body: 'b',
          button: 'Go',
          sections: [{ rows: Array.from({ length: 11 }, (_, i) => ({ id: `r${i}`, title: `Row ${i}` })) }],
        },
        'too_many_rows',
        'sections',
      ],
      [
        { type: 'list', body: 'b', button: 'Go', sections: [{ rows: [{ id: 'r', title: 'x'.repeat(25) }] }] },
        'row_title_too_long',
        'sections[0].rows[0].title',
      ],
      [
        { type: 'list', body: 'b', button: 'x'.repeat(21), sections: [{ rows: [{ id: 'r', title: 'r' }] }] },
        'button_label_too_long',
        'button',
      ],
      [
        { type: 'list', body: 'b', button: 'Go', sections: [{ rows: [{ id: 'r', title: 'r' }] }, { rows: [{ id: 's', title: 's' }] }] },
        'section_title_required',
        'sections[0].title',
      ],
      [{ type: 'image' }, 'media_required', 'media_id'],
      [{ type: 'image', media_id: '1', link: 'https://x.example/a.png' }, 'media_required', 'media_id'],
      [{ type: 'image', link: 'ftp://x/a.png' }, 'invalid_link', 'link'],
      [{ type: 'image', link: 'https://x.example/a.png', caption: 'x'.repeat(1025) }, 'caption_too_long', 'caption'],
      [{ type: 'sticker', link: 'https://x.example/a.webp', caption: 'hi' }, 'caption_not_allowed', 'caption'],
      [{ type: 'image', link: 'https://x.example/a.png', filename: 'a.png' }, 'filename_not_allowed', 'filename'],
      [{ type: 'location', latitude: 91, longitude: 0 }, 'invalid_latitude', 'latitude'],
      [{ type: 'reaction', emoji: '👍' }, 'message_id_required', 'message_id'],
      [{ type: 'reaction', message_id: 'wamid.x', emoji: 'ok' }, 'invalid_emoji', 'emoji'],
      [{ text: 'x', reply_to: 5 }, 'invalid_reply_to', 'reply_to'],
    ];
    const before = w.sim.outbound().length;
    for (const [body, code, field] of cases) {
      const res = await send(body);
      assert.equal(res.status, 422, JSON.stringify(body).slice(0, 80));
      assert.equal(res.body.error.code, code, JSON.stringify(body).slice(0, 80));
      assert.equal(res.body.error.details.field, field, JSON.stringify(body).slice(0, 80));
    }
    assert.equal((await w.api('POST', `/api/v1/conversations/${conv.id}/messages`, [1])).status, 400);
    await w.settle();
    assert.equal(w.sim.outbound().length, before, 'nothing was sent');
  });

  test('media: upload (multipart and raw) returns an id that sends; documents keep caption and file name', async () => {
    const form = new FormData();
    form.set('file', new Blob([PNG], { type: 'image/png' }), 'dot.png');
    const up = await fetch(`${w.app.url}/api/v1/media`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      body: form,
    });
    const uploaded = await up.json();
    assert.equal(up.status, 201, JSON.stringify(uploaded));
    assert.equal(uploaded.kind, 'image');
    assert.equal((await send({ type: 'image', media_id: uploaded.id, caption: 'A dot' })).status, 202);
    const img = await customer().waitForMessage((m) => m.type === 'image');
    assert.deepEqual(img.body.image, { id: uploaded.id, caption: 'A dot' });

    const raw = await fetch(`${w.app.url}/api/v1/media?filename=terms.pdf`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/pdf' },
      body: Buffer.from('%PDF-1.4 tiny'),
    });
    const pdf = await raw.json();
    assert.equal(raw.status, 201, JSON.stringify(pdf));
    assert.equal(pdf.kind, 'document');
    assert.equal((await send({ type: 'document', media_id: pdf.id, caption: 'Terms', filename: 'terms.pdf' })).status, 202);
    const doc = await customer().waitForMessage((m) => m.type === 'document');
    assert.deepEqual(doc.body.document, { id: pdf.id, caption: 'Terms', filename: 'terms.pdf' });

    const exe = await fetch(`${w.app.url}/api/v1/media`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/x-msdownload' },
      body: Buffer.from('MZ'),
    });
    assert.equal(exe.status, 415);
    assert.equal((await exe.json()).error.code, 'unsupported_media_type');
    const big = await fetch(`${w.app.url}/api/v1/media`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'image/webp' },
      body: Buffer.alloc(600 * 1024),
    });
    assert.equal(big.status, 413);
    assert.equal((await big.json()).error.code, 'file_too_large');
    const anonymous = await fetch(`${w.app.url}/api/v1/media`, { method: 'POST', headers: { 'content-type': 'image/png' }, body: PNG });
    assert.equal(anonymous.status, 401);
    assert.equal((await send({ type: 'video', link: 'https://cdn.example.com/v.mp4', caption: 'Clip' })).status, 202, 'by link');
  });

  test('mark read clears the unread count and sends WhatsApp a read receipt for the latest customer message', async () => {
    await customer().sendText('are you there?');
    await w.settle();
    const before = await w.api('GET', `/api/v1/conversations/${conv.id}`);
    assert.ok(before.body.unread_count > 0);
    const latest = [...before.body.messages].reverse().find((m: any) => m.direction === 'in');
    const res = await w.api('POST', `/api/v1/conversations/${conv.id}/read`);
    assert.equal(res.status, 200);
    assert.equal(res.body.unread_count, 0);
    assert.equal(res.body.read_receipt_for, latest.external_id);
    await w.settle();
    await waitFor(async () =>
      w.sim
        .inbound()
        .filter((m) => m.waId === waId)
        .every((m) => m.readByBusiness),
    );
    const after = await w.api('GET', `/api/v1/conversations/${conv.id}`);
    assert.equal(after.body.unread_count, 0);
    assert.equal(after.body.response_times.last_read_at, res.body.last_read_at);
  });

  test('response times: first response and the average, counted for agent/API replies only', async () => {
    const waId2 = '15558880002';
    const c2 = w.sim.customer(waId2, 'Timo');
    await c2.sendText('hi'); // the demo bot answers: not an agent response
    await w.settle();
    const id = (await w.api('GET', '/api/v1/conversations')).body.data.find((c: any) => c.contact.wa_id === waId2).id;
    let d = (await w.api('GET', `/api/v1/conversations/${id}`)).body;
    assert.equal(d.response_times.first_response_at, null);
    assert.ok(d.response_times.awaiting_reply_since);
    w.clock.advance(60_000);
    const agent = await agentSession(w, 'timekeeper@example.com');
    assert.equal(
      (await call(w, { cookie: agent.cookie }, 'POST', `/api/v1/conversations/${id}/messages`, { text: 'Agent here' })).status,
      202,
    );
    d = (await w.api('GET', `/api/v1/conversations/${id}`)).body;
    assert.equal(d.messages.at(-1).author, `agent:${agent.user.id}`);
    assert.equal(d.response_times.responses, 1);
    assert.ok(
      d.response_times.first_response_ms >= 60_000 && d.response_times.first_response_ms < 70_000,
      String(d.response_times.first_response_ms),
    );
    assert.equal(d.response_times.awaiting_reply_since, null);
    // A second reply with nothing new from the customer is not another response.
    await w.api('POST', `/api/v1/conversations/${id}/messages`, { text: 'Anything else?' });
    await c2.sendText('yes, one thing');
    await w.settle();
    w.clock.advance(20_000);
    await w.api('POST', `/api/v1/conversations/${id}/messages`, { text: 'Sure' });
    d = (await w.api('GET', `/api/v1/conversations/${id}`)).body;
    assert.equal(d.response_times.responses, 2);
    assert.ok(
      d.response_times.average_response_ms >= 40_000 && d.response_times.average_response_ms < 50_000,
      String(d.response_times.average_response_ms),
    );
    await w.settle();
  });

  test('start a conversation by phone: inside the window it sends; a new contact gets 422 window_closed', async () => {
    const fresh = await w.api('POST', '/api/v1/conversations', { phone: '+14155550199', text: 'Hello there' });
    assert.equal(fresh.status, 422);
    assert.equal(fresh.body.error.code, 'window_closed');
    // No template is approved in this world, so none can be suggested.
    assert.deepEqual(fresh.body.error.details, { window_closed_at: null, template_required: true, templates: [] });
    assert.equal((await w.api('GET', '/api/v1/search?type=contacts&q=4155550199')).body.data.length, 0, 'nothing created');
    const badPhone = await w.api('POST', '/api/v1/conversations', { phone: '12', text: 'x' });
    assert.deepEqual([badPhone.status, badPhone.body.error.code, badPhone.body.error.details.field], [422, 'invalid_phone', 'phone']);
    assert.equal((await w.api('POST', '/api/v1/conversations', { phone: '+12125550147', text: '' })).body.error.code, 'text_required');
    assert.equal(
      (await w.api('POST', '/api/v1/conversations', { phone: '+12125550147', text: 'x', channel_id: 'wa_0' })).body.error.code,
      'channel_not_found',
    );

    // Rita wrote recently: the message goes to her open conversation.
    const known = await w.api('POST', '/api/v1/conversations', { phone: '+1 (212) 555-0147', text: 'Following up' });
    assert.equal(known.status, 202, JSON.stringify(known.body));
    assert.equal(known.body.conversation.id, conv.id);
    await customer().waitForMessage((m) => m.text === 'Following up');
    // Closed, still inside her window: a new conversation starts.
    await w.api('PATCH', `/api/v1/conversations/${conv.id}`, { status: 'closed' });
    const again = await w.api('POST', '/api/v1/conversations', { phone: '+12125550147', text: 'New topic' });
    assert.equal(again.status, 202);
    assert.notEqual(again.body.conversation.id, conv.id);
    assert.equal(again.body.conversation.status, 'active');
    await w.settle();
  });

  test('outside the 24-hour window a reply is refused with when it closed and that a template is required', async () => {
    const id = (await w.api('GET', '/api/v1/conversations?status=active')).body.data.find((c: any) => c.contact.wa_id === waId).id;
    const detail = (await w.api('GET', `/api/v1/conversations/${id}`)).body;
    w.clock.advance(25 * 3600_000);
    for (const body of [{ text: 'late' }, { type: 'image', link: 'https://x.example/a.png' }]) {
      const res = await w.api('POST', `/api/v1/conversations/${id}/messages`, body);
      assert.equal(res.status, 422);
      assert.equal(res.body.error.code, 'window_closed');
      assert.equal(res.body.error.details.template_required, true);
      assert.equal(
        res.body.error.details.window_closed_at,
        new Date(Date.parse(detail.last_customer_message_at) + 24 * 3600_000).toISOString(),
      );
    }
    const start = await w.api('POST', '/api/v1/conversations', { phone: '+12125550147', text: 'late' });
    assert.equal(start.body.error.code, 'window_closed');
    assert.equal((await w.api('GET', `/api/v1/conversations/${id}`)).body.window.open, false);
  });
});
