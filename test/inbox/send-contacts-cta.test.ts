import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { forEachDialect } from '../support/dialects.ts';
import { startWorld, type World } from '../support/test-world.ts';

forEachDialect('inbox: contact cards and CTA URL buttons through the reply API', (dialect) => {
  let w: World;
  let conv: any;
  const waId = '12125550163';
  before(async () => {
    w = await startWorld({ dialect });
    await w.sim.customer(waId, 'Noor').sendText('who do I call?');
    await w.settle();
    conv = (await w.api('GET', '/api/v1/conversations')).body.data.find((c: any) => c.contact.wa_id === waId);
  });
  after(async () => {
    await w?.stop();
  });

  const send = (body: unknown) => w.api('POST', `/api/v1/conversations/${conv.id}/messages`, body);
  const customer = () => w.sim.customer(waId);

  test('contacts: the cards reach the customer as WhatsApp contact cards', async () => {
    const card = {
      name: { formatted_name: 'Ana Gómez', first_name: 'Ana', last_name: 'Gómez' },
      phones: [{ phone: '+52 55 1234 5678', type: 'WORK', wa_id: '5215512345678' }],
      emails: [{ email: 'ana@example.com', type: 'WORK' }],
      org: { company: 'Plomería Gómez' },
      birthday: '1990-05-31',
    };
    const res = await send({ type: 'contacts', contacts: [card] });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    assert.equal(res.body.kind, 'contacts');
    const got = await customer().waitForMessage((m) => m.type === 'contacts');
    assert.deepEqual(got.body.contacts, [card]);
    await w.settle();
    const detail = await w.api('GET', `/api/v1/conversations/${conv.id}`);
    const stored = detail.body.messages.find((m: any) => m.id === res.body.id);
    assert.ok(['sent', 'delivered', 'read', 'accepted'].includes(stored.status), stored.status);
  });

  test('cta_url: body, header, footer and the URL button reach the customer', async () => {
    const res = await send({
      type: 'cta_url',
      header: 'Your booking',
      body: 'See the dates we have free.',
      footer: 'Plomería Gómez',
      display_text: 'See dates',
      url: 'https://example.com/dates?c=1',
    });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    const got = await customer().waitForMessage((m) => m.type === 'interactive' && m.body.interactive.type === 'cta_url');
    assert.deepEqual(got.body.interactive, {
      type: 'cta_url',
      header: { type: 'text', text: 'Your booking' },
      body: { text: 'See the dates we have free.' },
      footer: { text: 'Plomería Gómez' },
      action: { name: 'cta_url', parameters: { display_text: 'See dates', url: 'https://example.com/dates?c=1' } },
    });
    const bare = await send({ type: 'cta_url', body: 'Pay here', display_text: 'Pay', url: 'http://pay.example.com' });
    assert.equal(bare.status, 202);
    const b = await customer().waitForMessage((m) => m.type === 'interactive' && m.body.interactive.body?.text === 'Pay here');
    assert.deepEqual(b.body.interactive.action.parameters, { display_text: 'Pay', url: 'http://pay.example.com' });
    await w.settle();
  });

  test('bad contacts and cta_url are 422 with the field, and nothing is sent', async () => {
    const ok = { name: { formatted_name: 'Ana' } };
    const cases: Array<[unknown, string, string]> = [
      [{ type: 'contacts' }, 'invalid_contacts', 'contacts'],
      [{ type: 'contacts', contacts: [] }, 'invalid_contacts', 'contacts'],
      [{ type: 'contacts', contacts: Array.from({ length: 21 }, () => ok) }, 'invalid_contacts', 'contacts'],
      [{ type: 'contacts', contacts: ['Ana'] }, 'invalid_contacts', 'contacts[0]'],
      [{ type: 'contacts', contacts: [{ phones: [{ phone: '+1' }] }] }, 'contact_name_required', 'contacts[0].name'],
      [{ type: 'contacts', contacts: [ok, { name: { first_name: 'Bo' } }] }, 'formatted_name_required', 'contacts[1].name.formatted_name'],
      [{ type: 'contacts', contacts: [{ ...ok, phones: '+1 555' }] }, 'invalid_contacts', 'contacts[0].phones'],
      [{ type: 'contacts', contacts: [{ ...ok, nickname: 'A' }] }, 'invalid_contacts', 'contacts[0].nickname'],
      [{ type: 'contacts', contacts: [{ ...ok, birthday: '31/05/1990' }] }, 'invalid_contacts', 'contacts[0].birthday'],
      [{ type: 'cta_url', display_text: 'Go', url: 'https://x.example' }, 'body_required', 'body'],
      [{ type: 'cta_url', body: 'x'.repeat(1025), display_text: 'Go', url: 'https://x.example' }, 'body_too_long', 'body'],
      [{ type: 'cta_url', body: 'b', url: 'https://x.example' }, 'display_text_required', 'display_text'],
      [{ type: 'cta_url', body: 'b', display_text: 'x'.repeat(21), url: 'https://x.example' }, 'display_text_too_long', 'display_text'],
      [{ type: 'cta_url', body: 'b', display_text: 'Go' }, 'url_required', 'url'],
      [{ type: 'cta_url', body: 'b', display_text: 'Go', url: 'ftp://x.example/a' }, 'invalid_url', 'url'],
      [{ type: 'cta_url', body: 'b', display_text: 'Go', url: 'https://x.example', header: 'x'.repeat(61) }, 'header_too_long', 'header'],
    ];
    const before = w.sim.outbound().length;
    for (const [body, code, field] of cases) {
      const res = await send(body);
      assert.equal(res.status, 422, JSON.stringify(body).slice(0, 80));
      assert.equal(res.body.error.code, code, JSON.stringify(body).slice(0, 80));
      assert.equal(res.body.error.details.field, field, JSON.stringify(body).slice(0, 80));
    }
    const unknown = await send({ type: 'cta_url', body: 'b', display_text: 'Go', url: 'https://x.example', buttons: [] });
    assert.equal(unknown.status, 400);
    assert.equal(unknown.body.error.code, 'unknown_field');
    await w.settle();
    assert.equal(w.sim.outbound().length, before, 'nothing was sent');
  });
});
