import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { forEachDialect } from '../support/dialects.ts';
import { startWorld, type World } from '../support/test-world.ts';
import { waitFor } from '../support/wait-for.ts';
import { app } from './authentication-cases.ts';
import { approvedTemplate } from './helpers.ts';

// Meta's create shape for a copy-code authentication template: no body text, no footer text.
const copyCode = {
  name: 'codigo_verificacion',
  language: 'es_MX',
  category: 'AUTHENTICATION',
  components: [
    { type: 'BODY', add_security_recommendation: true },
    { type: 'FOOTER', code_expiration_minutes: 10 },
    { type: 'BUTTONS', buttons: [{ type: 'OTP', otp_type: 'COPY_CODE', text: 'Copiar código' }] },
  ],
};

forEachDialect("templates: AUTHENTICATION by Meta's rules, linted, approved and sent end to end", (dialect) => {
  let w: World;
  before(async () => {
    w = await startWorld({ dialect });
  });
  after(async () => {
    await w?.stop();
  });

  test("lint and create accept Meta's shape and refuse what Meta refuses, with the findings", async () => {
    const good = await w.api('POST', '/api/v1/templates/lint', copyCode);
    assert.deepEqual(good.body, { ok: true, errors: 0, warnings: 0, findings: [] });
    const refused = async (doc: Record<string, unknown>): Promise<string[]> => {
      const res = await w.api('POST', '/api/v1/templates', doc);
      assert.equal(res.status, 422, JSON.stringify(res.body));
      assert.equal(res.body.error.code, 'template_lint_failed');
      assert.equal(typeof res.body.error.message, 'string');
      return res.body.error.details.findings.map((f: any) => f.code);
    };
    const [body, , buttons] = copyCode.components;
    assert.deepEqual(await refused({ ...copyCode, components: [body, { type: 'FOOTER', code_expiration_minutes: 91 }, buttons] }), [
      'invalid_code_expiration',
    ]);
    assert.deepEqual(await refused({ ...copyCode, components: [body, { type: 'FOOTER', code_expiration_minutes: 0 }, buttons] }), [
      'invalid_code_expiration',
    ]);
    assert.deepEqual(
      await refused({
        ...copyCode,
        components: [
          { type: 'HEADER', format: 'VIDEO', example: { header_handle: ['4::dmlk'] } },
          body,
          {
            type: 'BUTTONS',
            buttons: [
              { type: 'OTP', otp_type: 'COPY_CODE' },
              { type: 'URL', text: 'Entrar', url: 'https://example.com/login' },
            ],
          },
        ],
      }),
      ['invalid_header_format', 'auth_button_not_allowed'],
    );
    assert.deepEqual(
      await refused({
        ...copyCode,
        components: [
          body,
          {
            type: 'BUTTONS',
            buttons: [
              { type: 'OTP', otp_type: 'COPY_CODE' },
              { type: 'OTP', otp_type: 'COPY_CODE', text: 'Otro' },
            ],
          },
        ],
      }),
      ['too_many_otp_buttons'],
    );
    assert.deepEqual(
      await refused({
        ...copyCode,
        components: [body, { type: 'BUTTONS', buttons: [{ type: 'OTP', otp_type: 'ZERO_TAP', supported_apps: [app] }] }],
      }),
      ['zero_tap_terms_not_accepted'],
    );
    const marketing = {
      name: 'cupon',
      language: 'es_MX',
      category: 'MARKETING',
      components: [
        { type: 'BODY', text: 'Hola {{1}}, este es el código de tu próxima visita.', example: { body_text: [['Ana']] } },
        buttons,
      ],
    };
    assert.deepEqual(await refused(marketing), ['otp_button_not_allowed']);
    assert.deepEqual(await refused({ ...marketing, category: 'UTILITY' }), ['otp_button_not_allowed']);
    // PATCH re-lints: a draft cannot be edited into a shape Meta would refuse.
    const draft = await w.api('POST', '/api/v1/templates', { ...copyCode, name: 'borrador_codigo' });
    assert.equal(draft.status, 201, JSON.stringify(draft.body));
    const patched = await w.api('PATCH', `/api/v1/templates/${draft.body.id}`, {
      components: [{ type: 'BODY', text: 'Tu código es {{1}}.' }, buttons],
    });
    assert.equal(patched.status, 422);
    assert.deepEqual(
      patched.body.error.details.findings.map((f: any) => f.code),
      ['auth_body_not_preset'],
    );
  });

  test('a copy-code template is approved by the simulator and the customer receives the code', async () => {
    const tpl = await approvedTemplate(w, copyCode);
    assert.equal(tpl.status, 'APPROVED');
    const preview = await w.api('POST', `/api/v1/templates/${tpl.id}/preview`, {
      parameters: { body: ['482913'], buttons: { '0': '482913' } },
    });
    assert.equal(preview.status, 200, JSON.stringify(preview.body));
    assert.equal(preview.body.body, '482913 is your verification code. For your security, do not share this code.');
    assert.equal(preview.body.footer, 'This code expires in 10 minutes.');

    const res = await w.api('POST', `/api/v1/templates/${tpl.id}/send`, {
      phone: '+14155550171',
      parameters: { body: ['482913'], buttons: { '0': '482913' } },
    });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    assert.equal(
      res.body.rendered.text,
      '482913 is your verification code. For your security, do not share this code.\nThis code expires in 10 minutes.\n[Copiar código] 482913',
    );
    const got = await w.sim.customer('14155550171').waitForMessage((m) => m.type === 'template');
    // What went over the Graph API: the code in the body and in the OTP button's `url` parameter.
    assert.deepEqual(got.body.template.components, [
      { type: 'body', parameters: [{ type: 'text', text: '482913' }] },
      { type: 'button', sub_type: 'url', index: '0', parameters: [{ type: 'text', text: '482913' }] },
    ]);
    // What the customer reads and copies.
    assert.equal(got.text, '482913 is your verification code. For your security, do not share this code.');
    assert.equal(got.category, 'authentication');
    assert.equal(got.template?.footer, 'This code expires in 10 minutes.');
    assert.deepEqual(got.template?.buttons, [{ index: 0, type: 'OTP', text: 'Copiar código', code: '482913' }]);
    await w.sim.drainWebhooks();
    await w.settle();
    const db = w.app.deps.storage.db;
    await waitFor(
      async () =>
        (await db.selectFrom('messages').select('pricing_category').where('id', '=', res.body.message.id).executeTakeFirstOrThrow())
          .pricing_category === 'authentication',
    );
    const row = await db
      .selectFrom('messages')
      .select(['text', 'template_name'])
      .where('id', '=', res.body.message.id)
      .executeTakeFirstOrThrow();
    assert.deepEqual(row, { text: res.body.rendered.text, template_name: 'codigo_verificacion' });
  });

  test('one-tap and zero-tap templates are approved and send their code', async () => {
    const oneTap = await approvedTemplate(w, {
      ...copyCode,
      name: 'codigo_un_toque',
      components: [
        { type: 'BODY' },
        { type: 'BUTTONS', buttons: [{ type: 'OTP', otp_type: 'ONE_TAP', autofill_text: 'Autocompletar', supported_apps: [app] }] },
      ],
    });
    const zeroTap = await approvedTemplate(w, {
      ...copyCode,
      name: 'codigo_cero_toques',
      components: [
        { type: 'BODY' },
        { type: 'FOOTER', code_expiration_minutes: 5 },
        { type: 'BUTTONS', buttons: [{ type: 'OTP', otp_type: 'ZERO_TAP', zero_tap_terms_accepted: true, supported_apps: [app] }] },
      ],
    });
    for (const [tpl, phone, label, footer] of [
      [oneTap, '14155550172', 'Autocompletar', undefined],
      [zeroTap, '14155550173', 'Autofill', 'This code expires in 5 minutes.'],
    ] as const) {
      assert.equal(tpl.status, 'APPROVED', tpl.name);
      const res = await w.api('POST', `/api/v1/templates/${tpl.id}/send`, {
        phone: `+${phone}`,
        parameters: { body: ['7731'], buttons: ['7731'] },
      });
      assert.equal(res.status, 202, JSON.stringify(res.body));
      const got = await w.sim.customer(phone).waitForMessage((m) => m.type === 'template');
      assert.equal(got.text, '7731 is your verification code.', tpl.name);
      assert.equal(got.template?.footer, footer, tpl.name);
      assert.deepEqual(got.template?.buttons, [{ index: 0, type: 'OTP', text: label, code: '7731' }], tpl.name);
    }
  });

  test('send checks: the code at most 15 characters, the same code in the body and the button, text only', async () => {
    const tpl = (await w.api('GET', '/api/v1/templates?name=codigo_verificacion')).body.data[0];
    const send = (parameters: unknown) => w.api('POST', `/api/v1/templates/${tpl.id}/send`, { phone: '+14155550174', parameters });
    const long = await send({ body: ['1234567890123456'], buttons: ['1234567890123456'] });
    assert.deepEqual([long.status, long.body.error.code, long.body.error.details.max_length], [422, 'template_param_too_long', 15]);
    const differ = await send({ body: ['482913'], buttons: ['111111'] });
    assert.deepEqual(
      [differ.status, differ.body.error.code, differ.body.error.details.component],
      [422, 'template_param_invalid', 'buttons[0]'],
    );
    const currency = await send({
      body: [{ type: 'currency', currency: { fallback_value: '$1', code: 'USD', amount_1000: 1000 } }],
      buttons: ['1'],
    });
    assert.deepEqual([currency.status, currency.body.error.code], [422, 'template_param_type']);
    const missing = await send({ body: ['482913'] });
    assert.deepEqual([missing.status, missing.body.error.code], [422, 'template_param_missing']);
    assert.equal(w.sim.customer('14155550174').received().length, 0);
  });
});
