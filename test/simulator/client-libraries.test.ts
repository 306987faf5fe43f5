import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { request } from 'undici';
import { FakeClock } from '../../src/core/clock.ts';
import { graph, send, simApi, startReceiver, testSimulator, TOKEN } from './helpers.ts';

/**
 * The exact requests three client libraries send (whatsapp-api-js 6.3, @great-detail/whatsapp
 * 9.2, pywa 4.4; fixtures in ./fixtures, each naming its source) replayed over HTTP, in order:
 * every one must succeed as it would against Graph.
 */
interface Fixture {
  library: string;
  what: string;
  request: {
    method: 'GET' | 'POST' | 'DELETE';
    path: string;
    headers: Record<string, string>;
    json?: unknown;
    multipart?: Array<{ name: string; value?: string; filename?: string; type?: string; base64?: string }>;
  };
  expect: { status: number; messageId?: boolean; saveMediaId?: boolean; json?: unknown; keys?: string[] };
}

const dir = new URL('./fixtures/', import.meta.url);
const fixtures = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => ({ file: f, fx: JSON.parse(readFileSync(new URL(f, dir), 'utf8')) as Fixture }));

test('the three client libraries: every captured request succeeds against the simulator', async (t) => {
  const rcv = await startReceiver();
  const sim = await testSimulator({ clock: new FakeClock(Date.UTC(2026, 4, 1)), webhookUrl: rcv.url });
  t.after(async () => {
    await sim.close();
    await rcv.close();
  });
  const customer = '16505550101';
  const inbound = await simApi(sim, 'POST', `/_sim/customers/${customer}/messages`, {
    type: 'text',
    text: { body: 'hi' },
    profile_name: 'Lib Tester',
  });
  assert.equal(inbound.status, 200);
  const vars: Record<string, string> = {
    TOKEN,
    PHONE_NUMBER_ID: sim.phoneNumberId,
    TO: customer,
    INBOUND_WAMID: inbound.json.id,
    MEDIA_ID: '',
  };
  const fill = (s: string) => s.replace(/\{([A-Z_]+)\}/g, (_, k: string) => vars[k] ?? `{${k}}`);
  const fillDeep = (v: unknown): unknown =>
    typeof v === 'string'
      ? fill(v)
      : Array.isArray(v)
        ? v.map(fillDeep)
        : v && typeof v === 'object'
          ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fillDeep(x)]))
          : v;

  assert.ok(fixtures.length >= 15, 'fixtures found');
  for (const { file, fx } of fixtures) {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(fx.request.headers)) headers[k] = fill(v);
    let body: string | FormData | undefined;
    if (fx.request.json !== undefined) body = JSON.stringify(fillDeep(fx.request.json));
    if (fx.request.multipart) {
      const form = new FormData();
      for (const p of fx.request.multipart) {
        if (p.base64 !== undefined) form.append(p.name, new Blob([Buffer.from(p.base64, 'base64')], { type: p.type ?? '' }), p.filename);
        else form.append(p.name, p.value ?? '');
      }
      body = form;
    }
    const res = await fetch(`${sim.graphBaseUrl}${fill(fx.request.path)}`, { method: fx.request.method, headers, body });
    const json = (await res.json()) as any;
    const label = `${file} (${fx.library}: ${fx.what})`;
    assert.equal(res.status, fx.expect.status, `${label}: ${JSON.stringify(json)}`);
    if (fx.expect.messageId) assert.match(json.messages?.[0]?.id ?? '', /^wamid\./, label);
    if (fx.expect.saveMediaId) vars.MEDIA_ID = json.id;
    if (fx.expect.json !== undefined) assert.deepEqual(json, fx.expect.json, label);
    for (const k of fx.expect.keys ?? []) assert.ok(k in json, `${label}: answer has ${k}`);
  }
  // The contacts sent as a JSON string arrived as contacts.
  const card = await sim.waitForOutbound((m) => m.type === 'contacts', 2000);
  assert.equal(card.text, 'John Doe');
});

test('Graph parameters: query string, JSON-encoded strings, unversioned paths, one error prefix', async (t) => {
  const sim = await testSimulator({ clock: new FakeClock(Date.UTC(2026, 4, 1)) });
  t.after(() => sim.close());
  const to = '16505550102';

  // A JSON-encoded object parameter is decoded; a string that is not JSON stays a string (and is refused).
  const asString = await send(sim, { to, type: 'text', text: JSON.stringify({ body: 'decoded' }) });
  assert.equal(asString.status, 200, JSON.stringify(asString.json));
  const notJson = await send(sim, { to, type: 'contacts', contacts: '[{"name": ' });
  assert.equal(notJson.status, 400);
  // A string parameter that looks like JSON is left as text.
  const opaque = await send(sim, { to, type: 'text', text: { body: 'x' }, biz_opaque_callback_data: '{"order":42}' });
  assert.equal(opaque.status, 200, JSON.stringify(opaque.json));

  // Query parameters count on a send too; the body wins over the query.
  const viaQuery = await request(`${sim.graphBaseUrl}/v21.0/${sim.phoneNumberId}/messages?messaging_product=whatsapp&to=${to}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ type: 'text', text: { body: 'query params' } }),
  });
  assert.equal(viaQuery.statusCode, 200, await viaQuery.body.text());

  // Unversioned object paths are served at the default version; a bad version is still refused.
  const phone = await graph(sim, 'GET', `/${sim.phoneNumberId}`);
  assert.equal(phone.status, 200);
  assert.equal(phone.json.id, sim.phoneNumberId);
  const unversionedBadToken = await graph(sim, 'GET', `/${sim.phoneNumberId}`, undefined, 'wrong');
  assert.equal(unversionedBadToken.json.error.code, 190);
  const badVersion = await graph(sim, 'GET', `/version1/${sim.phoneNumberId}`);
  assert.equal(badVersion.json.error.code, 100);

  // "(#100)" once in the message, never in the details.
  const bad = await send(sim, { to, type: 'text', text: { body: 'x' }, messaging_product: 'sms' });
  assert.equal(bad.json.error.code, 100);
  assert.equal(bad.json.error.message, '(#100) Param messaging_product must be one of {WHATSAPP} - got "sms".');
  assert.equal(bad.json.error.error_data.details, 'Param messaging_product must be one of {WHATSAPP} - got "sms".');
  const notFound = await graph(sim, 'GET', `/v21.0/${sim.phoneNumberId}/nothing/here`);
  assert.doesNotMatch(notFound.json.error.message, /\(#100\) \(#100\)/);
  assert.doesNotMatch(notFound.json.error.error_data.details, /^\(#/);

  // An upload with messaging_product only in the query string is accepted; a form field wins over the query.
  const upload = async (query: string, product?: string) => {
    const form = new FormData();
    if (product) form.append('messaging_product', product);
    form.append('file', new Blob([Buffer.from('hello')], { type: 'text/plain' }), 'a.txt');
    const res = await fetch(`${sim.graphBaseUrl}/v21.0/${sim.phoneNumberId}/media${query}`, {
      method: 'POST',
      body: form,
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    return { status: res.status, json: (await res.json()) as any };
  };
  assert.equal((await upload('?messaging_product=whatsapp')).status, 200);
  assert.equal((await upload('')).json.error.message, '(#100) The parameter messaging_product is required.');
  assert.equal((await upload('?messaging_product=whatsapp', 'sms')).status, 400);
});
