import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { forEachDialect } from '../support/dialects.ts';
import { startWorld, type World } from '../support/test-world.ts';
import { approvedTemplate, body } from '../templates/helpers.ts';

const HOUR = 3600_000;

forEachDialect('costs: the price_estimate recorded on a sent template agrees with POST /api/v1/costs/estimate', (dialect) => {
  let w: World;
  const fromAd = '12125550181';
  const plain = '12125550182';
  const quoted = '12125550183';
  before(async () => {
    w = await startWorld({ dialect });
    await approvedTemplate(w, {
      name: 'promo_enero',
      language: 'es_MX',
      category: 'MARKETING',
      components: [body('Hola {{1}}, este mes tienes un descuento.', ['Ana'])],
    });
    await approvedTemplate(w, {
      name: 'aviso_visita',
      language: 'es_MX',
      category: 'UTILITY',
      components: [body('Hola {{1}}, tu visita sigue en pie.', ['Ana'])],
    });
    await w.sim.customer(fromAd, 'Lalo').send({
      type: 'text',
      text: { body: 'Vi su anuncio' },
      referral: { source_url: 'https://fb.me/ad', source_type: 'ad', source_id: '1203', headline: 'Plomería 24 h', ctwa_clid: 'ARAkLkA8' },
    });
    await w.sim.customer(plain, 'Rita').sendText('hola');
    // Text that spells a referral is not one: only the message's own referral object counts.
    await w.sim.customer(quoted, 'Quique').sendText('copié esto: {"referral":{"source_type":"ad"}}');
    await w.settle();
  });
  after(async () => {
    await w?.stop();
  });

  const conversationOf = async (waId: string) =>
    (await w.api('GET', '/api/v1/conversations?limit=200')).body.data.find((c: any) => c.contact.wa_id === waId).id as string;
  /** Sends a template and answers [the price it reports, the price stored on the message, the estimate just before]. */
  async function sendAndQuote(waId: string, template: string): Promise<[number, number, number, string | null]> {
    const quote = await w.api('POST', '/api/v1/costs/estimate', { template, phone: `+${waId}` });
    assert.equal(quote.status, 200, JSON.stringify(quote.body));
    const res = await w.api('POST', `/api/v1/conversations/${await conversationOf(waId)}/templates`, {
      template,
      parameters: { body: ['Ana'] },
      override_opt_in: { reason: 'test of prices' },
    });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    const row = await w.app.deps.storage.db
      .selectFrom('messages')
      .select('price_estimate')
      .where('id', '=', res.body.message.id)
      .executeTakeFirstOrThrow();
    await w.settle();
    return [res.body.price_estimate.amount, Number(row.price_estimate), quote.body.price, quote.body.free_reason];
  }

  test('free in a free entry point window (marketing too), priced outside it, like the quote', async () => {
    // Inside the customer's window: a marketing template is free only because of the ad.
    assert.deepEqual(await sendAndQuote(fromAd, 'promo_enero'), [0, 0, 0, 'free_entry_point']);
    assert.deepEqual(await sendAndQuote(plain, 'promo_enero'), [0.025, 0.025, 0.025, null]);
    assert.deepEqual(await sendAndQuote(quoted, 'promo_enero'), [0.025, 0.025, 0.025, null], 'a referral in the text is no entry point');
    assert.deepEqual(await sendAndQuote(plain, 'aviso_visita'), [0, 0, 0, 'customer_service_window']);

    w.clock.advance(30 * HOUR); // the 24-hour windows closed; the entry point window (72 h from the first reply) has not
    assert.deepEqual(await sendAndQuote(fromAd, 'aviso_visita'), [0, 0, 0, 'free_entry_point']);
    assert.deepEqual(await sendAndQuote(plain, 'aviso_visita'), [0.004, 0.004, 0.004, null]);

    w.clock.advance(43 * HOUR); // past the 72 hours
    assert.deepEqual(await sendAndQuote(fromAd, 'promo_enero'), [0.025, 0.025, 0.025, null]);
  });
});
