import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { canSendFreeForm } from '../../src/conversations/customer-window.ts';
import { seedTemplates } from '../../src/templates/seed-templates.ts';
import { templatesSuggestedFor } from '../../src/templates/templates-suggested.ts';
import { forEachDialect } from '../support/dialects.ts';
import { startWorld, type World } from '../support/test-world.ts';
import { waitFor } from '../support/wait-for.ts';
import { approvedTemplate, body } from './helpers.ts';

const seedParams: Record<string, unknown> = {
  nueva_solicitud_de_servicio: {
    header: { request_id: 'SOL-1' },
    body: {
      service_type: 'Desazolve',
      customer_name: 'María López',
      contact_phone: '+52 55 1234 5678',
      address: 'Av. Reforma 1, CDMX',
      requested_date: '15 de julio',
    },
    buttons: { '0': 'aceptar:SOL-1', '1': 'rechazar:SOL-1' },
  },
  solicitud_recibida_cliente: {
    body: {
      customer_name: 'María',
      request_id: 'SOL-1',
      service_type: 'desazolve',
      requested_date: '15 de julio',
      contact_email: 'maria@example.com',
    },
  },
  ptar_formulario_enviado: { body: ['María', 'Hidráulicos del Valle', '+52 55 8765 4321'], buttons: { '0': 'F-1' } },
  solicitud_aprobada_operaciones: { body: { vendor_name: 'Hidráulicos del Valle', request_id: 'SOL-1', delivery_date: '17 de julio' } },
  reasignacion_removida: { body: ['Jorge', 'SOL-1', 'desazolve'] },
};

forEachDialect('templates: send with checked parameters, opt-in, window, cost', (dialect) => {
  let w: World;
  const tpl: Record<string, any> = {};
  before(async () => {
    w = await startWorld({ dialect });
    for (const s of await seedTemplates(w.app.deps, { submit: true })) tpl[s.name] = s;
    await w.sim.drainWebhooks();
    await w.settle();
    tpl.promo = await approvedTemplate(w, {
      name: 'promo_julio',
      language: 'es_MX',
      category: 'MARKETING',
      components: [body('Hola {{1}}, este mes tienes un descuento en tu siguiente servicio.', ['Ana'])],
    });
    tpl.media = await approvedTemplate(w, {
      name: 'factura_lista',
      language: 'es_MX',
      category: 'UTILITY',
      components: [
        { type: 'HEADER', format: 'DOCUMENT', example: { header_handle: ['4::ZG9j'] } },
        body('Hola {{1}}, adjuntamos tu factura del servicio.', ['Ana']),
      ],
    });
    tpl.coupon = await approvedTemplate(w, {
      name: 'cupon_regreso',
      language: 'es_MX',
      category: 'MARKETING',
      components: [
        body('Hola {{1}}, usa este código en tu próximo servicio con nosotros.', ['Ana']),
        { type: 'BUTTONS', buttons: [{ type: 'COPY_CODE', example: 'VUELVE10' }] },
      ],
    });
  });
  after(async () => {
    await w?.stop();
  });

  test('the five seed templates lint clean, are approved by the simulator, and send over HTTP', async () => {
    const names = Object.keys(seedParams);
    for (const name of names) {
      const got = await w.api('GET', `/api/v1/templates/${tpl[name].id}`);
      assert.equal(got.body.status, 'APPROVED', name);
    }
    for (const [i, name] of names.entries()) {
      const phone = `+5215512340${String(i).padStart(3, '0')}`;
      const res = await w.api('POST', `/api/v1/templates/${tpl[name].id}/send`, { phone, parameters: seedParams[name] });
      assert.equal(res.status, 202, `${name}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.business_initiated, true);
      const got = await w.sim.customer(phone.slice(1).replace(/^521/, '52')).waitForMessage((m) => m.type === 'template');
      assert.equal(got.template?.name, name);
      assert.equal(got.template?.body, res.body.rendered.body, name);
      assert.doesNotMatch(got.template?.body ?? '', /\{\{/);
    }
    const sent = await w.sim.customer('5215512340002'.replace(/^521/, '52')).received();
    assert.equal(sent[0]?.template?.buttons[0]?.url, 'https://formularios.example.com/ptar/F-1');
  });

  test('parameter checks answer 422 before any call to Meta', async () => {
    const id = tpl.solicitud_recibida_cliente.id;
    const good = seedParams.solicitud_recibida_cliente as { body: Record<string, unknown> };
    const send = (parameters: unknown) => w.api('POST', `/api/v1/templates/${id}/send`, { phone: '+5215599990001', parameters });
    const expect = async (parameters: unknown, code: string, detail?: Record<string, unknown>) => {
      const res = await send(parameters);
      assert.equal(res.status, 422, JSON.stringify(res.body));
      assert.equal(res.body.error.code, code, JSON.stringify(res.body));
      for (const [k, v] of Object.entries(detail ?? {})) assert.deepEqual(res.body.error.details[k], v);
    };
    const { contact_email: _drop, ...withoutEmail } = good.body;
    await expect({ body: withoutEmail }, 'template_param_missing', { parameter: 'contact_email' });
    await expect({ body: { ...good.body, extra: 'x' } }, 'template_param_unexpected', { parameter: 'extra' });
    await expect({ body: { ...good.body, customer_name: 42 } }, 'template_param_type');
    await expect(
      { body: { ...good.body, customer_name: { type: 'currency', currency: { fallback_value: '$1', code: 'pesos', amount_1000: 1000 } } } },
      'template_param_type',
      { field: 'code' },
    );
    await expect(
      { body: { ...good.body, customer_name: { type: 'currency', currency: { fallback_value: '$1', code: 'MXN', amount_1000: 1.5 } } } },
      'template_param_type',
      { field: 'amount_1000' },
    );
    await expect({ body: { ...good.body, requested_date: { type: 'date_time', date_time: {} } } }, 'template_param_type', {
      field: 'fallback_value',
    });
    await expect({ body: { ...good.body, customer_name: 'x'.repeat(1025) } }, 'template_param_too_long', { max_length: 1024 });
    await expect({ body: { ...good.body, customer_name: 'línea\nnueva' } }, 'template_param_invalid');
    await expect({ body: Object.values(good.body) }, 'template_params_invalid');
    await expect({ body: good.body, buttons: { '0': 'x' } }, 'template_param_unexpected');
    // Currency and date_time values are accepted where text goes, and render their fallback.
    const ok = await send({
      body: {
        ...good.body,
        requested_date: { type: 'date_time', date_time: { fallback_value: 'mañana' } },
        request_id: { currency: { fallback_value: '$5.00', code: 'MXN', amount_1000: 5000 } },
      },
    });
    assert.equal(ok.status, 202, JSON.stringify(ok.body));
    assert.match(ok.body.rendered.body, /solicitud \$5\.00 de desazolve para el mañana\./);
    // Positional: too few, too many, header text over 60, URL suffix missing.
    const ptar = tpl.ptar_formulario_enviado.id;
    const p = (parameters: unknown) => w.api('POST', `/api/v1/templates/${ptar}/send`, { phone: '+5215599990002', parameters });
    assert.equal((await p({ body: ['a', 'b'], buttons: ['F'] })).body.error.code, 'template_param_missing');
    assert.equal((await p({ body: ['a', 'b', 'c', 'd'], buttons: ['F'] })).body.error.code, 'template_param_unexpected');
    const noSuffix = await p({ body: ['a', 'b', 'c'] });
    assert.equal(noSuffix.body.error.code, 'template_param_missing');
    assert.equal(noSuffix.body.error.details.component, 'buttons[0]');
    assert.equal((await p({ body: ['a', 'b', 'c'], buttons: ['with space'] })).body.error.code, 'template_param_invalid');
    const header = await w.api('POST', `/api/v1/templates/${tpl.nueva_solicitud_de_servicio.id}/send`, {
      phone: '+5215599990003',
      parameters: { ...(seedParams.nueva_solicitud_de_servicio as object), header: 'x'.repeat(61) },
    });
    assert.equal(header.body.error.code, 'template_param_too_long');
    assert.equal(header.body.error.details.max_length, 60);
    // Copy code: required, at most 15.
    const c = (parameters: unknown) =>
      w.api('POST', `/api/v1/templates/${tpl.coupon.id}/send`, {
        phone: '+5215599990004',
        parameters,
        override_opt_in: { reason: 'test' },
      });
    assert.equal((await c({ body: ['Ana'] })).body.error.code, 'template_param_missing');
    assert.equal((await c({ body: ['Ana'], buttons: ['X'.repeat(16)] })).body.error.code, 'template_param_too_long');
    assert.equal((await c({ body: ['Ana'], buttons: ['VUELVE10'] })).status, 202);
    await w.sim.drainWebhooks();
    await w.settle();
    assert.ok(!w.sim.outbound().some((o) => o.error?.code === 132000 || o.error?.code === 132012), 'never a 132000/132012 from Meta');
  });

  test('media headers by id or by link', async () => {
    const id = tpl.media.id;
    const send = (header: unknown) =>
      w.api('POST', `/api/v1/templates/${id}/send`, { phone: '+5215599990010', parameters: { header, body: ['Ana'] } });
    assert.equal((await send(undefined)).body.error.code, 'template_param_missing');
    assert.equal((await send({ id: '1', link: 'https://x.example/f.pdf' })).body.error.code, 'template_param_missing');
    assert.equal((await send({ type: 'image', link: 'https://x.example/f.png' })).body.error.code, 'template_param_type');
    assert.equal((await send({ link: 'ftp://x.example/f.pdf' })).body.error.code, 'template_param_type');
    const byLink = await send({ link: 'https://files.example.com/factura.pdf', filename: 'factura.pdf' });
    assert.equal(byLink.status, 202, JSON.stringify(byLink.body));
    assert.equal(byLink.body.rendered.header, '[document] factura.pdf');
    const got = await w.sim.customer('5215599990010'.replace(/^521/, '52')).waitForMessage((m) => m.type === 'template');
    assert.equal(got.template?.header?.media?.link, 'https://files.example.com/factura.pdf');
    const upload = await fetch(`${w.sim.graphBaseUrl}/v21.0/${w.sim.phoneNumberId}/media`, {
      method: 'POST',
      headers: { authorization: 'Bearer test-access-token' },
      body: (() => {
        const f = new FormData();
        f.set('messaging_product', 'whatsapp');
        f.set('type', 'application/pdf');
        f.set('file', new Blob([Buffer.from('%PDF-1.4 test')], { type: 'application/pdf' }), 'f.pdf');
        return f;
      })(),
    });
    const mediaId = ((await upload.json()) as { id: string }).id;
    const byId = await send({ type: 'document', id: mediaId });
    assert.equal(byId.status, 202, JSON.stringify(byId.body));
  });

  test('MARKETING to a contact without opt-in needs an override with a reason, recorded on the message', async () => {
    const phone = '+5215599990020';
    const refused = await w.api('POST', `/api/v1/templates/${tpl.promo.id}/send`, { phone, parameters: { body: ['Ana'] } });
    assert.equal(refused.status, 422);
    assert.equal(refused.body.error.code, 'opt_in_required');
    assert.equal(refused.body.error.details.opted_in, null);
    assert.equal(
      (
        await w.api('POST', `/api/v1/templates/${tpl.promo.id}/send`, {
          phone,
          parameters: { body: ['Ana'] },
          override_opt_in: { reason: '' },
        })
      ).status,
      400,
    );
    const forced = await w.api('POST', `/api/v1/templates/${tpl.promo.id}/send`, {
      phone,
      parameters: { body: ['Ana'] },
      override_opt_in: { reason: 'Customer asked by phone, ticket 812' },
    });
    assert.equal(forced.status, 202);
    assert.deepEqual(forced.body.opt_in_override, { reason: 'Customer asked by phone, ticket 812' });
    const row = await w.app.deps.storage.db
      .selectFrom('messages')
      .select(['opt_in_override_reason', 'template_name'])
      .where('id', '=', forced.body.message.id)
      .executeTakeFirstOrThrow();
    assert.equal(row.opt_in_override_reason, 'Customer asked by phone, ticket 812');
    assert.equal(row.template_name, 'promo_julio');
    // Opted in: no override needed. Utility templates never need one.
    const { contact_id } = await w.app.deps.storage.db
      .selectFrom('conversations')
      .select('contact_id')
      .where('id', '=', forced.body.message.conversation_id)
      .executeTakeFirstOrThrow();
    await w.app.deps.storage.db
      .updateTable('contacts')
      .set({ opted_in: 1, opted_in_at: w.clock.now() })
      .where('id', '=', contact_id)
      .execute();
    assert.equal((await w.api('POST', `/api/v1/templates/${tpl.promo.id}/send`, { phone, parameters: { body: ['Ana'] } })).status, 202);
    assert.equal(
      (
        await w.api('POST', `/api/v1/templates/${tpl.reasignacion_removida.id}/send`, {
          phone: '+5215599990021',
          parameters: seedParams.reasignacion_removida,
        })
      ).status,
      202,
    );
    // Opted out explicitly.
    await w.app.deps.storage.db.updateTable('contacts').set({ opted_in: 0 }).where('id', '=', contact_id).execute();
    assert.equal(
      (await w.api('POST', `/api/v1/templates/${tpl.promo.id}/send`, { phone, parameters: { body: ['Ana'] } })).body.error.details.opted_in,
      false,
    );
  });

  test('outside the 24-hour window: free-form refused, the window function says so, a template goes through', async () => {
    const customer = w.sim.customer('15551239001', 'Luz');
    await customer.sendText('hola');
    await w.settle();
    const conv = (await w.api('GET', '/api/v1/conversations?limit=100')).body.data.find((c: any) => c.contact.wa_id === '15551239001');
    const db = w.app.deps.storage.db;
    const open = await canSendFreeForm(db, { channelId: conv.channel_id, contactId: conv.contact.id }, w.clock.now());
    assert.equal(open.open, true);
    assert.ok(open.until! > w.clock.now());
    w.clock.advance(25 * 3600_000);
    const closed = await canSendFreeForm(db, { channelId: conv.channel_id, contactId: conv.contact.id }, w.clock.now());
    assert.deepEqual(closed, { open: false, until: null, closedAt: open.until });
    const refused = await w.api('POST', `/api/v1/conversations/${conv.id}/messages`, { text: 'tarde' });
    assert.equal(refused.status, 422);
    assert.equal(refused.body.error.code, 'window_closed');
    // The refusal says which templates could be sent instead.
    assert.ok(refused.body.error.details.templates.some((t: any) => t.name === 'solicitud_recibida_cliente' && t.language && t.id));
    const suggested = await templatesSuggestedFor(db, conv.channel_id);
    assert.ok(suggested.some((t) => t.name === 'solicitud_recibida_cliente' && t.category === 'UTILITY'));
    assert.ok(suggested.every((t) => Object.keys(t).sort().join() === 'category,id,language,name'));
    const sent = await w.api('POST', `/api/v1/conversations/${conv.id}/templates`, {
      template: 'reasignacion_removida',
      language: 'es_MX',
      parameters: seedParams.reasignacion_removida,
    });
    assert.equal(sent.status, 202, JSON.stringify(sent.body));
    assert.equal(sent.body.business_initiated, true);
    const got = await customer.waitForMessage((m) => m.type === 'template');
    assert.equal(got.template?.name, 'reasignacion_removida');
    await w.sim.drainWebhooks();
    await w.settle();
    await waitFor(
      async () =>
        (await db.selectFrom('messages').select('status').where('id', '=', sent.body.message.id).executeTakeFirstOrThrow()).status ===
        'read',
    );
    assert.equal((await w.api('POST', `/api/v1/conversations/${conv.id}/templates`, { template: 'no_existe' })).status, 404);
    assert.equal((await w.api('POST', '/api/v1/conversations/conv_nope/templates', { template: 'reasignacion_removida' })).status, 404);
  });

  test('POST /api/v1/conversations with a template starts a conversation with a number that never wrote', async () => {
    const res = await w.api('POST', '/api/v1/conversations', {
      phone: '+14155550155',
      template: 'reasignacion_removida',
      language: 'es_MX',
      parameters: seedParams.reasignacion_removida,
    });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    assert.equal(res.body.template.name, 'reasignacion_removida');
    const got = await w.sim.customer('14155550155').waitForMessage((m) => m.type === 'template');
    assert.equal(got.template?.name, 'reasignacion_removida');
    // Without a template the same number is refused: no window, and the templates are suggested.
    const text = await w.api('POST', '/api/v1/conversations', { phone: '+14155550156', text: 'hola' });
    assert.equal(text.status, 422);
    assert.equal(text.body.error.code, 'window_closed');
    assert.ok(text.body.error.details.templates.length > 0);
  });

  test('an AUTHENTICATION template sends its one-time code in the preset body and the OTP button', async () => {
    const otp = await approvedTemplate(w, {
      name: 'codigo_acceso',
      language: 'es_MX',
      category: 'AUTHENTICATION',
      components: [{ type: 'BODY' }, { type: 'BUTTONS', buttons: [{ type: 'OTP', otp_type: 'COPY_CODE', text: 'Copiar código' }] }],
    });
    assert.equal(otp.status, 'APPROVED');
    const missing = await w.api('POST', `/api/v1/templates/${otp.id}/send`, { phone: '+14155550157', parameters: { body: ['482913'] } });
    assert.equal(missing.status, 422);
    assert.equal(missing.body.error.code, 'template_param_missing');
    const res = await w.api('POST', `/api/v1/templates/${otp.id}/send`, {
      phone: '+14155550157',
      parameters: { body: ['482913'], buttons: { '0': '482913' } },
    });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    assert.equal(res.body.rendered.body, '482913 is your verification code.');
    const got = await w.sim.customer('14155550157').waitForMessage((m) => m.type === 'template');
    assert.equal(got.template?.name, 'codigo_acceso');
  });

  test('a PAUSED template is refused here, not by Meta', async () => {
    await w.sim.templates.setStatus('cupon_regreso', 'es_MX', 'PAUSED');
    await w.sim.drainWebhooks();
    await w.settle();
    const res = await w.api('POST', `/api/v1/templates/${tpl.coupon.id}/send`, {
      phone: '+5215599990030',
      parameters: { body: ['Ana'], buttons: ['X'] },
    });
    assert.equal(res.status, 422);
    assert.equal(res.body.error.code, 'template_paused');
  });

  test('cost: estimate at send, category and price from the pricing callback, sums by template and category', async () => {
    const res = await w.api('POST', `/api/v1/templates/${tpl.solicitud_aprobada_operaciones.id}/send`, {
      phone: '+5215599990040',
      parameters: seedParams.solicitud_aprobada_operaciones,
    });
    assert.equal(res.status, 202);
    assert.deepEqual(res.body.price_estimate, { amount: 0.0085, currency: 'USD' }); // Mexico, utility, default card
    await w.sim.drainWebhooks();
    await w.settle();
    const db = w.app.deps.storage.db;
    await waitFor(
      async () =>
        (await db.selectFrom('messages').select('pricing_category').where('id', '=', res.body.message.id).executeTakeFirstOrThrow())
          .pricing_category !== null,
    );
    const row = await db.selectFrom('messages').selectAll().where('id', '=', res.body.message.id).executeTakeFirstOrThrow();
    assert.equal(row.pricing_category, 'utility');
    assert.equal(row.billable, 1);
    assert.equal(Number(row.price), 0.0085);
    assert.equal(row.currency, 'USD');
    // A free-form reply inside the window: priced by Meta as free service.
    const customer = w.sim.customer('15551239050', 'Eva');
    await customer.sendText('hi');
    await customer.waitForMessage();
    await w.sim.drainWebhooks();
    await w.settle();
    const costs = await w.api('GET', '/api/v1/costs?group_by=template,category');
    assert.equal(costs.status, 200);
    const g = costs.body.groups.find((x: any) => x.template === 'solicitud_aprobada_operaciones');
    assert.deepEqual(
      { category: g.category, messages: g.messages, billable: g.billable, price: g.price, price_estimate: g.price_estimate },
      { category: 'utility', messages: 2, billable: 2, price: 0.017, price_estimate: 0.017 },
    ); // also sent in the first test
    const service = costs.body.groups.find((x: any) => x.category === 'service');
    assert.ok(service && service.billable === 0 && service.price === 0, JSON.stringify(costs.body.groups));
    assert.ok(costs.body.total.price > 0.0085);
    const byDay = await w.api('GET', '/api/v1/costs?group_by=day,channel');
    assert.equal(byDay.body.groups[0].channel, `wa_${w.sim.phoneNumberId}`);
    assert.match(byDay.body.groups[0].day, /^\d{4}-\d{2}-\d{2}$/);
    assert.equal((await w.api('GET', '/api/v1/costs?group_by=week')).status, 400);
    assert.equal((await w.api('GET', '/api/v1/costs?from=yesterday')).status, 400);
  });

  test('send errors: recipient required, bad phone, unknown contact', async () => {
    const id = tpl.reasignacion_removida.id;
    assert.equal((await w.api('POST', `/api/v1/templates/${id}/send`, { parameters: {} })).body.error.code, 'recipient_required');
    assert.equal(
      (await w.api('POST', `/api/v1/templates/${id}/send`, { phone: '5512345678', parameters: {} })).body.error.code,
      'invalid_phone',
    );
    assert.equal(
      (await w.api('POST', `/api/v1/templates/${id}/send`, { phone: '+1 abc', parameters: {} })).body.error.code,
      'invalid_phone',
    );
    assert.equal((await w.api('POST', `/api/v1/templates/${id}/send`, { contact_id: 'ct_nope', parameters: {} })).status, 404);
  });
});
