import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { forEachDialect } from '../support/dialects.ts';
import { startWorld, type World } from '../support/test-world.ts';
import { approvedTemplate, body } from '../templates/helpers.ts';

const HOUR = 3600_000;

forEachDialect('costs: POST /api/v1/costs/estimate quotes a message without sending it', (dialect) => {
  let w: World;
  let utility: any;
  let marketing: any;
  const us = '12125550171';
  const fromAd = '12125550172';
  before(async () => {
    w = await startWorld({ dialect });
    utility = await approvedTemplate(w, {
      name: 'aviso_cita',
      language: 'es_MX',
      category: 'UTILITY',
      components: [body('Hola {{1}}, tu cita sigue en pie para mañana.', ['Ana'])],
    });
    marketing = await approvedTemplate(w, {
      name: 'promo_diciembre',
      language: 'es_MX',
      category: 'MARKETING',
      components: [body('Hola {{1}}, este mes tienes un descuento en tu siguiente servicio.', ['Ana'])],
    });
    await w.sim.customer(us, 'Rita').sendText('hola');
    await w.sim.customer(fromAd, 'Lalo').send({
      type: 'text',
      text: { body: 'Vi su anuncio' },
      referral: { source_url: 'https://fb.me/ad', source_type: 'ad', source_id: '1203', headline: 'Plomería 24 h', ctwa_clid: 'ARAkLkA8' },
    });
    await w.settle();
  });
  after(async () => {
    await w?.stop();
  });

  const estimate = (b: unknown) => w.api('POST', '/api/v1/costs/estimate', b);
  const counts = async () => ({
    sent: w.sim.outbound().length,
    messages: Number(
      (
        await w.app.deps.storage.db
          .selectFrom('messages')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    ),
  });

  test('inside the customer service window: free-form and utility are free, marketing is priced', async () => {
    const before = await counts();
    const text = await estimate({ type: 'text', phone: `+${us}` });
    assert.equal(text.status, 200, JSON.stringify(text.body));
    assert.equal(text.body.category, 'service');
    assert.equal(text.body.country, 'US');
    assert.equal(text.body.calling_code, '1');
    assert.equal(text.body.price, 0);
    assert.equal(text.body.currency, 'USD');
    assert.equal(text.body.free, true);
    assert.equal(text.body.free_reason, 'customer_service_window');
    assert.ok(Date.parse(text.body.window_open_until) > w.clock.now() + 23 * HOUR);
    assert.equal(text.body.free_entry_point_until, null);

    const util = await estimate({ template: 'aviso_cita', phone: `+${us}` });
    assert.equal(util.status, 200, JSON.stringify(util.body));
    assert.deepEqual(
      [util.body.category, util.body.free, util.body.free_reason, util.body.price],
      ['utility', true, 'customer_service_window', 0],
    );
    assert.equal(util.body.template.id, utility.id);

    const promo = await estimate({ template: marketing.id, contact_id: util.body.contact_id });
    assert.equal(promo.status, 200, JSON.stringify(promo.body));
    assert.deepEqual([promo.body.category, promo.body.free, promo.body.free_reason, promo.body.price], ['marketing', false, null, 0.025]);
    assert.equal(promo.body.window_open_until, text.body.window_open_until);
    await w.settle();
    assert.deepEqual(await counts(), before, 'an estimate sends and stores nothing');
  });

  test('a number never seen: priced by its country; a free-form message cannot be sent', async () => {
    const mx = await estimate({ template: 'aviso_cita', phone: '+52 55 1234 9876' });
    assert.equal(mx.status, 200, JSON.stringify(mx.body));
    assert.deepEqual(
      [
        mx.body.category,
        mx.body.country,
        mx.body.calling_code,
        mx.body.price,
        mx.body.free,
        mx.body.free_reason,
        mx.body.window_open_until,
        mx.body.contact_id,
      ],
      ['utility', 'MX', '52', 0.0085, false, null, null, null],
    );
    const text = await estimate({ type: 'text', phone: '+525512349876' });
    assert.equal(text.status, 422);
    assert.equal(text.body.error.code, 'window_closed');
    assert.equal(text.body.error.details.template_required, true);
    const contact = await w.app.deps.storage.db
      .selectFrom('contacts')
      .select('id')
      .where('external_id', 'in', ['525512349876', '5215512349876'])
      .executeTakeFirst();
    assert.equal(contact, undefined, 'no contact was created');
  });

  test('a customer from a Click-to-WhatsApp ad: every message is free for 72 hours from the first reply', async () => {
    const beforeReply = await estimate({ template: 'promo_diciembre', phone: `+${fromAd}` });
    assert.equal(beforeReply.status, 200, JSON.stringify(beforeReply.body));
    assert.deepEqual([beforeReply.body.free, beforeReply.body.free_reason, beforeReply.body.price], [true, 'free_entry_point', 0]);
    const conv = (await w.api('GET', '/api/v1/conversations')).body.data.find((c: any) => c.contact.wa_id === fromAd);
    const replyAt = w.clock.now();
    assert.equal((await w.api('POST', `/api/v1/conversations/${conv.id}/messages`, { text: 'Con gusto, ¿qué necesita?' })).status, 202);
    await w.settle();

    w.clock.advance(30 * HOUR); // the 24-hour windows closed; the entry point window has not
    const later = await estimate({ template: 'promo_diciembre', phone: `+${fromAd}` });
    assert.deepEqual(
      [later.body.free, later.body.free_reason, later.body.price, later.body.window_open_until],
      [true, 'free_entry_point', 0, null],
    );
    const until = Date.parse(later.body.free_entry_point_until);
    assert.ok(Math.abs(until - (replyAt + 72 * HOUR)) < 5000, later.body.free_entry_point_until);
    const plain = await estimate({ template: 'aviso_cita', phone: `+${us}` });
    assert.deepEqual([plain.body.free, plain.body.free_reason, plain.body.price, plain.body.window_open_until], [false, null, 0.004, null]);

    w.clock.advance(43 * HOUR); // past the 72 hours
    const over = await estimate({ template: 'promo_diciembre', phone: `+${fromAd}` });
    assert.deepEqual(
      [over.body.free, over.body.free_reason, over.body.price, over.body.free_entry_point_until],
      [false, null, 0.025, null],
    );
  });

  test('bad requests are 4xx with a code', async () => {
    const cases: Array<[unknown, number, string]> = [
      [[1], 400, 'invalid_body'],
      [{ template: 'aviso_cita' }, 400, 'recipient_required'],
      [{ template: 'aviso_cita', phone: '+12125550171', contact_id: 'ct_x' }, 400, 'recipient_required'],
      [{ phone: '+12125550171' }, 422, 'message_required'],
      [{ template: 'aviso_cita', type: 'text', phone: '+12125550171' }, 422, 'message_required'],
      [{ type: 'reaction', phone: '+12125550171' }, 422, 'unsupported_type'],
      [{ type: 'fax', phone: '+12125550171' }, 422, 'unsupported_type'],
      [{ template: 'aviso_cita', phone: '2125550171' }, 422, 'invalid_phone'],
      [{ template: 'aviso_cita', phone: '+1 abc' }, 422, 'invalid_phone'],
      [{ template: 'no_such', phone: '+12125550171' }, 404, 'template_not_found'],
      [{ template: 'aviso_cita', contact_id: 'ct_missing' }, 404, 'contact_not_found'],
      [{ template: 'aviso_cita', bsuid: 'not a bsuid' }, 422, 'invalid_bsuid'],
      [{ template: 'aviso_cita', phone: '+12125550171', channel_id: 'wa_nope' }, 404, 'channel_not_found'],
      [{ template: 'aviso_cita', phone: '+12125550171', send: true }, 400, 'unknown_field'],
    ];
    for (const [b, status, code] of cases) {
      const res = await estimate(b);
      assert.equal(res.status, status, `${JSON.stringify(b)} -> ${JSON.stringify(res.body)}`);
      assert.equal(res.body.error.code, code, JSON.stringify(b));
    }
  });
});
