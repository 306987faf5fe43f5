import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_RATE_CARD, estimatePrice, parseRateCard } from '../../src/costs/rate-card.ts';
import { resolveParameters as resolveResult } from '../../src/templates/resolve-parameters.ts';

/** The resolved template, failing the test on a refusal. */
const resolveParameters = (...args: Parameters<typeof resolveResult>) => {
  const r = resolveResult(...args);
  assert.ok(r.ok, `refused: ${JSON.stringify(r)}`);
  return r;
};

test('named parameters become Graph components with parameter_name', () => {
  const r = resolveParameters(
    {
      parameter_format: 'named',
      components: [
        { type: 'HEADER', format: 'TEXT', text: 'Pedido {{order_id}}' },
        { type: 'BODY', text: 'Hola {{name}}, total {{total}}.' },
        {
          type: 'BUTTONS',
          buttons: [
            { type: 'QUICK_REPLY', text: 'Continuar' },
            { type: 'QUICK_REPLY', text: 'Cancelar' },
            { type: 'URL', text: 'Ver', url: 'https://x.example/{{1}}' },
          ],
        },
      ],
    },
    {
      header: 'A-1',
      body: { total: { currency: { fallback_value: '$1.00', code: 'MXN', amount_1000: 1000 } }, name: 'Ana' },
      buttons: { '0': 'continue', '1': 'cancel', '2': 'A-1' },
    },
  );
  assert.deepEqual(r.components, [
    { type: 'header', parameters: [{ type: 'text', text: 'A-1', parameter_name: 'order_id' }] },
    // In the template's order, whatever order the caller gave.
    {
      type: 'body',
      parameters: [
        { type: 'text', text: 'Ana', parameter_name: 'name' },
        { type: 'currency', currency: { fallback_value: '$1.00', code: 'MXN', amount_1000: 1000 }, parameter_name: 'total' },
      ],
    },
    { type: 'button', sub_type: 'quick_reply', index: '0', parameters: [{ type: 'payload', payload: 'continue' }] },
    { type: 'button', sub_type: 'quick_reply', index: '1', parameters: [{ type: 'payload', payload: 'cancel' }] },
    { type: 'button', sub_type: 'url', index: '2', parameters: [{ type: 'text', text: 'A-1' }] },
  ]);
  assert.equal(r.rendered.body, 'Hola Ana, total $1.00.');
});

test('positional parameters go in number order, from a list or an object', () => {
  const tpl = { parameter_format: 'positional', components: [{ type: 'BODY', text: 'Hola {{1}}, pedido {{2}}.' }] };
  const fromList = resolveParameters(tpl, { body: ['Ana', 'A-1'] });
  const fromObject = resolveParameters(tpl, { body: { '2': 'A-1', '1': 'Ana' } });
  assert.deepEqual(fromList.components, [
    {
      type: 'body',
      parameters: [
        { type: 'text', text: 'Ana' },
        { type: 'text', text: 'A-1' },
      ],
    },
  ]);
  assert.deepEqual(fromObject.components, fromList.components);
  const missing = resolveResult(tpl, { body: ['Ana'] });
  assert.ok(!missing.ok && missing.reason === 'template_param_missing' && missing.details.parameter === '2', JSON.stringify(missing));
  const unexpected = resolveResult(tpl, { bodyy: [] });
  assert.ok(!unexpected.ok && unexpected.reason === 'template_param_unexpected', JSON.stringify(unexpected));
});

test('location and image headers', () => {
  const loc = resolveParameters(
    {
      parameter_format: 'positional',
      components: [
        { type: 'HEADER', format: 'LOCATION' },
        { type: 'BODY', text: 'Te esperamos aquí hoy.' },
      ],
    },
    { header: { latitude: 19.43, longitude: -99.13, name: 'Sucursal Centro' } },
  );
  assert.deepEqual(loc.components, [
    { type: 'header', parameters: [{ type: 'location', location: { latitude: '19.43', longitude: '-99.13', name: 'Sucursal Centro' } }] },
  ]);
  const north = resolveResult(
    {
      parameter_format: 'positional',
      components: [
        { type: 'HEADER', format: 'LOCATION' },
        { type: 'BODY', text: 'x' },
      ],
    },
    { header: { latitude: 'north' } },
  );
  assert.ok(!north.ok && north.reason === 'template_param_type', JSON.stringify(north));
  const img = resolveParameters(
    {
      parameter_format: 'positional',
      components: [
        { type: 'HEADER', format: 'IMAGE' },
        { type: 'BODY', text: 'Mira esto.' },
      ],
    },
    { header: { image: { id: '123' } } },
  );
  assert.deepEqual(img.components, [{ type: 'header', parameters: [{ type: 'image', image: { id: '123' } }] }]);
});

test('rate card: longest calling code wins, service is free, files are validated', () => {
  assert.equal(estimatePrice(DEFAULT_RATE_CARD, 'MARKETING', '+5215512345678'), 0.0305);
  assert.equal(estimatePrice(DEFAULT_RATE_CARD, 'utility', '14155550123'), 0.004);
  assert.equal(estimatePrice(DEFAULT_RATE_CARD, 'marketing_lite', '+999'), DEFAULT_RATE_CARD.default.marketing);
  assert.equal(estimatePrice(DEFAULT_RATE_CARD, 'service', '+52155'), 0);
  const card = parseRateCard({ currency: 'MXN', default: { marketing: 1 }, countries: { '52': { utility: 0.2 } } }, 'test');
  assert.equal(estimatePrice(card, 'utility', '+525512345678'), 0.2);
  assert.equal(estimatePrice(card, 'marketing', '+525512345678'), 1);
  assert.throws(() => parseRateCard({ currency: 'MXN', countries: { '+52': {} } }, 'test'), /calling codes/);
  assert.throws(() => parseRateCard({ currency: 'pesos' }, 'test'), /currency/);
});
