import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Simulator, TemplateSeed } from '../../src/simulator/index.ts';
import { graph, send, startReceiver, testSimulator, type Receiver } from './helpers.ts';
import { reviewTemplate } from '../../src/simulator/index.ts';
import { lintTemplate } from '../../src/templates/lint-template.ts';
import { authenticationCases } from '../templates/authentication-cases.ts';

const CUSTOMER = '16505551234';
let sim: Simulator;
let rcv: Receiver;

const seeds: TemplateSeed[] = [
  {
    name: 'order_confirmation',
    language: 'en_US',
    category: 'UTILITY',
    components: [
      { type: 'HEADER', format: 'IMAGE', example: { header_handle: ['4::aW'] } },
      { type: 'BODY', text: 'Hi {{1}}! Your order number is {{2}}.', example: { body_text: [['Pablo', '860198-230332']] } },
      { type: 'FOOTER', text: 'Lucky Shrub' },
      {
        type: 'BUTTONS',
        buttons: [
          { type: 'QUICK_REPLY', text: 'Track it' },
          { type: 'QUICK_REPLY', text: 'Cancel' },
          { type: 'URL', text: 'Shop', url: 'https://shop.example.com/o/{{1}}', example: ['abc'] },
        ],
      },
    ],
  },
  {
    name: 'order_confirmation',
    language: 'es',
    category: 'UTILITY',
    components: [{ type: 'BODY', text: 'Hola, tu pedido esta listo para recoger.' }],
  },
  {
    name: 'welcome_named',
    language: 'en',
    category: 'MARKETING',
    parameter_format: 'named',
    components: [{ type: 'BODY', text: 'Thank you, {{first_name}}! Enjoy {{discount}} off today.' }],
  },
  {
    name: 'paused_one',
    language: 'en',
    category: 'MARKETING',
    components: [{ type: 'BODY', text: 'A paused marketing message for you.' }],
  },
  {
    name: 'disabled_one',
    language: 'en',
    category: 'MARKETING',
    components: [{ type: 'BODY', text: 'A disabled marketing message for you.' }],
  },
  { name: 'rejected_one', language: 'en', category: 'MARKETING', status: 'REJECTED', components: [{ type: 'BODY', text: 'Rejected.' }] },
];

before(async () => {
  rcv = await startReceiver();
  sim = await testSimulator({ webhookUrl: rcv.url, seedTemplates: seeds, pairRateLimit: false });
  await sim.customer(CUSTOMER).sendText('hi');
});
after(async () => {
  await sim.close();
  await rcv.close();
});

const templateEvents = () => rcv.received.filter((w) => w.json.entry[0].changes[0].field === 'message_template_status_update');
const create = (body: unknown) => graph(sim, 'POST', `/v21.0/${sim.wabaId}/message_templates`, body);

test('a submitted template goes PENDING, then APPROVED with a status webhook', async () => {
  const r = await create({
    name: 'shipping_update',
    language: 'en_US',
    category: 'utility',
    components: [{ type: 'BODY', text: 'Your package {{1}} is on the way to you.', example: { body_text: [['A12']] } }],
  });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  assert.deepEqual(Object.keys(r.json), ['id', 'status', 'category']);
  assert.equal(r.json.status, 'PENDING');
  assert.equal(r.json.category, 'UTILITY');
  const ev = await rcv.waitFor(
    () => templateEvents().find((w) => w.json.entry[0].changes[0].value.message_template_name === 'shipping_update'),
    2000,
    'template webhook',
  );
  const entry = ev.json.entry[0];
  assert.equal(entry.id, sim.wabaId);
  assert.equal(typeof entry.time, 'number');
  assert.ok(ev.signatureOk);
  assert.deepEqual(entry.changes[0].value, {
    event: 'APPROVED',
    message_template_id: Number(r.json.id),
    message_template_name: 'shipping_update',
    message_template_language: 'en_US',
    reason: 'NONE',
    message_template_category: 'UTILITY',
  });
  const one = await graph(sim, 'GET', `/v21.0/${r.json.id}?fields=status`);
  assert.deepEqual(one.json, { status: 'APPROVED', id: r.json.id });
  const sent = await send(sim, {
    to: CUSTOMER,
    type: 'template',
    template: {
      name: 'shipping_update',
      language: { code: 'en_US' },
      components: [{ type: 'body', parameters: [{ type: 'text', text: 'Z9' }] }],
    },
  });
  assert.equal(sent.status, 200);
});

test('a malformed template is REJECTED with reason INVALID_FORMAT and rejection_info', async () => {
  const r = await create({
    name: 'abandoned_cart',
    language: 'en',
    category: 'MARKETING',
    components: [{ type: 'BODY', text: 'You left {{1}}{{2}} in your cart, come back.', example: { body_text: [['a', 'b']] } }],
  });
  assert.equal(r.json.status, 'PENDING');
  const ev = await rcv.waitFor(
    () => templateEvents().find((w) => w.json.entry[0].changes[0].value.message_template_name === 'abandoned_cart'),
    2000,
    'rejection',
  );
  const v = ev.json.entry[0].changes[0].value;
  assert.equal(v.event, 'REJECTED');
  assert.equal(v.reason, 'INVALID_FORMAT');
  assert.match(v.rejection_info.reason, /next to each other/);
  assert.ok(v.rejection_info.recommendation);
  assert.equal(sim.templates.get('abandoned_cart', 'en')?.status, 'REJECTED');
});

test('malformed create requests fail synchronously (100 + 2388xxx subcodes)', async () => {
  const bodyOnly = [{ type: 'BODY', text: 'Some reasonable body text here.' }];
  const cases: Array<[unknown, number | undefined]> = [
    [{ language: 'en', category: 'UTILITY', components: bodyOnly }, undefined],
    [{ name: 'x_1', category: 'UTILITY', components: bodyOnly }, undefined],
    [{ name: 'x_1', language: 'en', components: bodyOnly }, undefined],
    [{ name: 'x_1', language: 'en', category: 'PROMO', components: bodyOnly }, undefined],
    [{ name: 'x_1', language: 'en', category: 'UTILITY', components: [{ type: 'FOOTER', text: 'f' }] }, 2388072],
    [{ name: 'order_confirmation', language: 'es', category: 'UTILITY', components: bodyOnly }, 2388024],
  ];
  for (const [body, subcode] of cases) {
    const r = await create(body);
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.equal(r.json.error.code, 100);
    assert.equal(r.json.error.error_subcode, subcode);
  }
});

test('template sends: language 132001, count 132000, format 132012, approval 132001/132015/132016', async () => {
  await sim.templates.setStatus('paused_one', 'en', 'PAUSED');
  await sim.templates.setStatus('disabled_one', 'en', 'DISABLED');
  const events = templateEvents().map((w) => w.json.entry[0].changes[0].value);
  const paused = events.find((v) => v.message_template_name === 'paused_one');
  assert.equal(paused.event, 'PAUSED');
  assert.equal(paused.other_info.title, 'FIRST_PAUSE');
  assert.match(events.find((v) => v.message_template_name === 'disabled_one').disable_info.disable_date, /^\d+$/);

  const image = { type: 'header', parameters: [{ type: 'image', image: { link: 'https://example.com/banner.png' } }] };
  const bodyParams = (...texts: string[]) => ({ type: 'body', parameters: texts.map((text) => ({ type: 'text', text })) });
  const urlParam = { type: 'button', sub_type: 'url', index: '2', parameters: [{ type: 'text', text: 'o-1' }] };
  const code = async (name: string, language: string, components?: unknown[]) => {
    const r = await send(sim, {
      to: CUSTOMER,
      type: 'template',
      template: { name, language: { code: language }, ...(components ? { components } : {}) },
    });
    return r.status === 200 ? 200 : r.json.error.code;
  };
  assert.equal(await code('order_confirmation', 'en_US', [image, bodyParams('Jessica', 'SKBUP2'), urlParam]), 200);
  assert.equal(await code('order_confirmation', 'pt_BR', [image, bodyParams('Jessica', 'SKBUP2'), urlParam]), 132001);
  assert.equal(await code('no_such_template', 'en_US'), 132001);
  assert.equal(await code('order_confirmation', 'en_US', [image, bodyParams('Jessica'), urlParam]), 132000);
  assert.equal(await code('order_confirmation', 'en_US', [bodyParams('Jessica', 'SKBUP2'), urlParam]), 132000);
  assert.equal(await code('order_confirmation', 'en_US', [image, bodyParams('Jessica', 'SKBUP2')]), 132000);
  assert.equal(
    await code('order_confirmation', 'en_US', [
      { type: 'header', parameters: [{ type: 'text', text: 'x' }] },
      bodyParams('a', 'b'),
      urlParam,
    ]),
    132012,
  );
  assert.equal(await code('order_confirmation', 'en_US', [image, bodyParams('line\nbreak', 'b'), urlParam]), 132018);
  assert.equal(await code('order_confirmation', 'es', [bodyParams('extra')]), 132000);
  assert.equal(await code('rejected_one', 'en'), 132001);
  assert.equal(await code('paused_one', 'en'), 132015);
  assert.equal(await code('disabled_one', 'en'), 132016);
  const named = (params: unknown[]) => code('welcome_named', 'en', [{ type: 'body', parameters: params }]);
  assert.equal(
    await named([
      { type: 'text', parameter_name: 'discount', text: '15%' },
      { type: 'text', parameter_name: 'first_name', text: 'Jo' },
    ]),
    200,
  );
  assert.equal(
    await named([
      { type: 'text', parameter_name: 'nope', text: '15%' },
      { type: 'text', parameter_name: 'first_name', text: 'Jo' },
    ]),
    132012,
  );
  assert.equal(
    await named([
      { type: 'text', text: '15%' },
      { type: 'text', text: 'Jo' },
    ]),
    132012,
  );
  await sim.templates.setStatus('paused_one', 'en', 'APPROVED');
  assert.equal(await code('paused_one', 'en'), 200);
});

test('a sent template is rendered with its parameters; the quick reply echoes the payload', async () => {
  const r = await send(sim, {
    to: CUSTOMER,
    type: 'template',
    template: {
      name: 'order_confirmation',
      language: { code: 'en_US' },
      components: [
        { type: 'header', parameters: [{ type: 'image', image: { link: 'https://example.com/banner.png' } }] },
        {
          type: 'body',
          parameters: [
            { type: 'text', text: 'Jessica' },
            { type: 'currency', currency: { fallback_value: '$100.99', code: 'USD', amount_1000: 100990 } },
          ],
        },
        { type: 'button', sub_type: 'quick_reply', index: '0', parameters: [{ type: 'payload', payload: 'TRACK_42' }] },
        { type: 'button', sub_type: 'url', index: 2, parameters: [{ type: 'text', text: 'o-42' }] },
      ],
    },
  });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  assert.equal(r.json.messages[0].message_status, 'accepted');
  const c = sim.customer(CUSTOMER);
  const m = await c.waitForMessage((x) => x.wamid === r.json.messages[0].id);
  assert.equal(m.text, 'Hi Jessica! Your order number is $100.99.');
  assert.equal(m.category, 'utility');
  assert.deepEqual(
    m.template?.buttons.map((b) => [b.type, b.text, b.payload ?? b.url]),
    [
      ['QUICK_REPLY', 'Track it', 'TRACK_42'],
      ['QUICK_REPLY', 'Cancel', undefined],
      ['URL', 'Shop', 'https://shop.example.com/o/o-42'],
    ],
  );
  await c.tapTemplateButton(m.wamid, 'TRACK_42');
  await c.tapTemplateButton(m.wamid, 'Cancel');
  const replies = rcv.messages().filter((x) => x.type === 'button');
  assert.deepEqual(
    replies.map((x) => [x.button, x.context]),
    [
      [
        { payload: 'TRACK_42', text: 'Track it' },
        { from: sim.displayPhoneNumber, id: m.wamid },
      ],
      [
        { payload: 'Cancel', text: 'Cancel' },
        { from: sim.displayPhoneNumber, id: m.wamid },
      ],
    ],
  );
});

test('list with filters and cursor paging, GET by id, DELETE by name', async () => {
  const all = await graph(sim, 'GET', `/v21.0/${sim.wabaId}/message_templates?limit=2`);
  assert.equal(all.json.data.length, 2);
  assert.ok(all.json.paging.cursors.after);
  assert.match(all.json.paging.next, /after=/);
  const second = await graph(sim, 'GET', `/v21.0/${sim.wabaId}/message_templates?limit=2&after=${all.json.paging.cursors.after}`);
  assert.notEqual(second.json.data[0].id, all.json.data[0].id);
  const byName = await graph(sim, 'GET', `/v21.0/${sim.wabaId}/message_templates?name=order_confirmation&fields=name,language,status`);
  assert.deepEqual(
    byName.json.data.map((t: any) => Object.keys(t)),
    [
      ['name', 'language', 'status', 'id'],
      ['name', 'language', 'status', 'id'],
    ],
  );
  const approved = await graph(sim, 'GET', `/v21.0/${sim.wabaId}/message_templates?status=REJECTED`);
  assert.ok(approved.json.data.every((t: any) => t.status === 'REJECTED'));
  const id = sim.templates.get('welcome_named', 'en')!.id;
  const one = await graph(sim, 'GET', `/v21.0/${id}`);
  assert.equal(one.json.parameter_format, 'NAMED');
  const del = await graph(sim, 'DELETE', `/v21.0/${sim.wabaId}/message_templates?name=welcome_named`);
  assert.deepEqual(del.json, { success: true });
  const again = await graph(sim, 'DELETE', `/v21.0/${sim.wabaId}/message_templates?name=welcome_named`);
  assert.equal(again.json.error.code, 100);
  const ev = await rcv.waitFor(() => templateEvents().find((w) => w.json.entry[0].changes[0].value.event === 'PENDING_DELETION'), 2000);
  assert.equal(ev.json.entry[0].changes[0].value.reason, null);
  const sent = await send(sim, { to: CUSTOMER, type: 'template', template: { name: 'welcome_named', language: { code: 'en' } } });
  assert.equal(sent.json.error.code, 132001);
  const wrongWaba = await graph(sim, 'GET', `/v21.0/123/message_templates`);
  assert.equal(wrongWaba.json.error.code, 100);
});

test('review outcomes over HTTP: each rejected rule ends REJECTED with a signed webhook and cannot be sent', async () => {
  const body = (text: string, example?: string[]) => ({ type: 'BODY', text, ...(example ? { example: { body_text: [example] } } : {}) });
  const ok = body('Hello {{1}}, your visit is confirmed for tomorrow.', ['Ana']);
  const cases: Array<[name: string, components: unknown[], finding: RegExp]> = [
    ['rv_var_start', [body('{{1}} is your code for the visit today.', ['123'])], /start/i],
    ['rv_var_end', [body('Your code for the visit today is {{1}}', ['123'])], /end/i],
    ['rv_adjacent', [body('Hello {{1}}{{2}}, your visit is confirmed for tomorrow.', ['Ana', 'B'])], /next to each other/],
    ['rv_no_example', [body('Hello {{1}}, your visit is confirmed for tomorrow.')], /example/i],
    ['rv_body_long', [body('x'.repeat(1025))], /1024/],
    ['rv_header_long', [{ type: 'HEADER', format: 'TEXT', text: 'h'.repeat(61) }, ok], /60/],
    ['rv_footer_long', [ok, { type: 'FOOTER', text: 'f'.repeat(61) }], /60/],
    ['rv_button_long', [ok, { type: 'BUTTONS', buttons: [{ type: 'QUICK_REPLY', text: 'b'.repeat(26) }] }], /25/],
    ['Bad Name!', [ok], /name/i],
  ];
  const ids = new Map<string, string>();
  for (const [name, components] of cases) {
    const r = await create({ name, language: 'en_US', category: 'UTILITY', components });
    assert.equal(r.status, 200, `${name}: ${JSON.stringify(r.json)}`);
    assert.equal(r.json.status, 'PENDING', name);
    ids.set(name, r.json.id);
  }
  for (const [name, , finding] of cases) {
    const ev = await rcv.waitFor(
      () => templateEvents().find((w) => w.json.entry[0].changes[0].value.message_template_name === name),
      2000,
      `review of ${name}`,
    );
    assert.ok(ev.signatureOk, name);
    const v = ev.json.entry[0].changes[0].value;
    assert.deepEqual([v.event, v.reason, v.message_template_id], ['REJECTED', 'INVALID_FORMAT', Number(ids.get(name))], name);
    assert.match(v.rejection_info.reason, finding, `${name}: ${v.rejection_info.reason}`);
    assert.equal(typeof v.rejection_info.recommendation, 'string');
    const one = await graph(sim, 'GET', `/v21.0/${ids.get(name)}?fields=status,rejected_reason`);
    assert.deepEqual(one.json, { status: 'REJECTED', rejected_reason: 'INVALID_FORMAT', id: ids.get(name) });
    const sent = await send(sim, { to: CUSTOMER, type: 'template', template: { name, language: { code: 'en_US' } } });
    assert.equal(sent.json.error.code, 132001, name);
  }
  const good = await create({
    name: 'rv_good',
    language: 'en_US',
    category: 'UTILITY',
    components: [
      { type: 'HEADER', format: 'TEXT', text: 'Visit {{1}}', example: { header_text: ['today'] } },
      ok,
      { type: 'FOOTER', text: 'Lucky Shrub' },
    ],
  });
  const ev = await rcv.waitFor(
    () => templateEvents().find((w) => w.json.entry[0].changes[0].value.message_template_name === 'rv_good'),
    2000,
    'approval',
  );
  assert.deepEqual([ev.json.entry[0].changes[0].value.event, good.json.status], ['APPROVED', 'PENDING']);
});

test("authentication templates over HTTP: the review approves and rejects them as Switchboard's linter predicts", async () => {
  const cases = authenticationCases.map(([why, template, expected], i) => ({
    why,
    expected,
    name: `auth_case_${i}`,
    template: { ...template, name: `auth_case_${i}` },
  }));
  for (const c of cases) {
    const r = await create(c.template);
    assert.equal(r.status, 200, `${c.why}: ${JSON.stringify(r.json)}`);
    assert.equal(r.json.status, 'PENDING', c.why);
  }
  for (const c of cases) {
    const ev = await rcv.waitFor(
      () => templateEvents().find((w) => w.json.entry[0].changes[0].value.message_template_name === c.name),
      2000,
      `review of ${c.why}`,
    );
    assert.ok(ev.signatureOk, c.why);
    const v = ev.json.entry[0].changes[0].value;
    const lint = lintTemplate(c.template).filter((f) => f.severity === 'error');
    if (c.expected === null) {
      assert.deepEqual([v.event, v.reason, lint], ['APPROVED', 'NONE', []], c.why);
      continue;
    }
    assert.deepEqual([v.event, v.reason], ['REJECTED', 'INVALID_FORMAT'], c.why);
    assert.deepEqual(
      lint.map((f) => f.code),
      [c.expected],
      `${c.why}: what the linter predicts`,
    );
    // The webhook's rejection_info carries the review's first (here: only) finding.
    const finding = reviewTemplate(c.template).findings;
    assert.deepEqual(
      finding.map((f) => f.code),
      [c.expected],
      c.why,
    );
    assert.equal(v.rejection_info.reason, finding[0]!.message, c.why);
    const sent = await send(sim, { to: CUSTOMER, type: 'template', template: { name: c.name, language: { code: 'en_US' } } });
    assert.equal(sent.json.error.code, 132001, c.why);
  }
});

test('an approved authentication template is sent with the code in the body and the url button; the customer sees it', async () => {
  await create({
    name: 'login_code',
    language: 'en_US',
    category: 'authentication',
    components: [
      { type: 'body', add_security_recommendation: true },
      { type: 'footer', code_expiration_minutes: 10 },
      { type: 'buttons', buttons: [{ type: 'otp', otp_type: 'copy_code' }] },
    ],
  });
  await rcv.waitFor(
    () =>
      templateEvents().find(
        (w) =>
          w.json.entry[0].changes[0].value.message_template_name === 'login_code' && w.json.entry[0].changes[0].value.event === 'APPROVED',
      ),
    2000,
    'approval',
  );
  const components = (code: string, buttonCode = code) => [
    { type: 'body', parameters: [{ type: 'text', text: code }] },
    { type: 'button', sub_type: 'url', index: '0', parameters: [{ type: 'text', text: buttonCode }] },
  ];
  const otp = (c: unknown[]) =>
    send(sim, { to: CUSTOMER, type: 'template', template: { name: 'login_code', language: { code: 'en_US' }, components: c } });
  const ok = await otp(components('482913'));
  assert.equal(ok.status, 200, JSON.stringify(ok.json));
  const m = await sim.customer(CUSTOMER).waitForMessage((x) => x.wamid === ok.json.messages[0].id);
  assert.equal(m.text, '482913 is your verification code. For your security, do not share this code.');
  assert.equal(m.category, 'authentication');
  assert.equal(m.template?.footer, 'This code expires in 10 minutes.');
  assert.deepEqual(m.template?.buttons, [{ index: 0, type: 'OTP', text: 'Copy code', code: '482913' }]);
  assert.equal((await otp(components('482913').slice(0, 1))).json.error.code, 132000);
  assert.equal((await otp(components('1234567890123456'))).json.error.code, 132012);
  assert.equal(
    (
      await otp([
        components('1')[0],
        { type: 'button', sub_type: 'copy_code', index: '0', parameters: [{ type: 'coupon_code', coupon_code: '1' }] },
      ])
    ).json.error.code,
    132012,
  );
});
