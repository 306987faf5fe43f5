import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { forEachDialect } from '../support/dialects.ts';
import { startWorld, type World } from '../support/test-world.ts';
import { approvedTemplate, body } from './helpers.ts';

const doc = (name: string, over: Record<string, unknown> = {}) => ({
  name,
  language: 'es_MX',
  category: 'UTILITY',
  components: [body('Hola {{1}}, tu pedido {{2}} está listo para recoger.', ['Ana', 'A-1']), { type: 'FOOTER', text: 'Gracias' }],
  ...over,
});

forEachDialect('templates: lint, CRUD, submit, sync, preview', (dialect) => {
  let w: World;
  before(async () => {
    w = await startWorld({ dialect });
  });
  after(async () => {
    await w?.stop();
  });

  test('lint returns findings and creates nothing', async () => {
    const bad = await w.api('POST', '/api/v1/templates/lint', doc('Bad Name', { components: [body('{{1}} {{2}}', ['a', 'b'])] }));
    assert.equal(bad.status, 200);
    assert.equal(bad.body.ok, false);
    const codes = bad.body.findings.map((f: any) => f.code);
    for (const c of ['invalid_name', 'variable_at_start', 'variable_at_end', 'adjacent_variables', 'too_many_variables'])
      assert.ok(codes.includes(c), c);
    for (const f of bad.body.findings) assert.deepEqual(Object.keys(f).sort(), ['code', 'component', 'message', 'severity']);
    const good = await w.api('POST', '/api/v1/templates/lint', doc('pedido_listo'));
    assert.deepEqual(good.body, { ok: true, errors: 0, warnings: 0, findings: [] });
    assert.equal((await w.api('GET', '/api/v1/templates')).body.data.length, 0);
  });

  test('create: lint errors are a 422 with the findings; a good one is a DRAFT', async () => {
    const bad = await w.api('POST', '/api/v1/templates', doc('pedido_listo', { components: [body('Hola {{1}}, tu pedido está listo.')] }));
    assert.equal(bad.status, 422);
    assert.equal(bad.body.error.code, 'template_lint_failed');
    assert.equal(bad.body.error.details.findings[0].code, 'missing_example');
    const created = await w.api('POST', '/api/v1/templates', doc('pedido_listo'));
    assert.equal(created.status, 201);
    assert.equal(created.body.status, 'DRAFT');
    assert.equal(created.body.parameter_format, 'positional');
    assert.equal(created.body.channel_id, `wa_${w.sim.phoneNumberId}`);
    assert.equal((await w.api('POST', '/api/v1/templates', doc('pedido_listo'))).status, 409);
    const patched = await w.api('PATCH', `/api/v1/templates/${created.body.id}`, {
      components: [body('Hola {{1}}, tu pedido {{2}} ya está listo en tienda.', ['Ana', 'A-1'])],
    });
    assert.equal(patched.status, 200);
    assert.match(patched.body.components[0].text, /ya está listo/);
    assert.equal((await w.api('PATCH', `/api/v1/templates/${created.body.id}`, { category: 'NOPE' })).status, 422);
    const list = await w.api('GET', '/api/v1/templates?status=draft');
    assert.deepEqual(
      list.body.data.map((t: any) => t.name),
      ['pedido_listo'],
    );
    assert.equal((await w.api('GET', '/api/v1/templates/tpl_nope')).status, 404);
  });

  test('submit -> PENDING -> APPROVED by the status webhook', async () => {
    const list = await w.api('GET', '/api/v1/templates?name=pedido_listo');
    const id = list.body.data[0].id;
    const submitted = await w.api('POST', `/api/v1/templates/${id}/submit`, {});
    assert.equal(submitted.status, 200);
    assert.match(submitted.body.meta_id, /^\d+$/);
    assert.ok(w.sim.templates.get('pedido_listo', 'es_MX'), 'created on the simulator');
    await w.sim.drainWebhooks();
    await w.settle();
    const got = await w.api('GET', `/api/v1/templates/${id}`);
    assert.equal(got.body.status, 'APPROVED');
    assert.equal((await w.api('POST', `/api/v1/templates/${id}/submit`, {})).body.error.code, 'template_already_submitted');
    assert.equal((await w.api('PATCH', `/api/v1/templates/${id}`, { category: 'MARKETING' })).status, 409);
  });

  test('a rejection arrives with its reason; PAUSED and DISABLED too', async () => {
    // Lint and review agree, so a rejection here comes from Meta's later policy review (setStatus).
    const t = await approvedTemplate(w, doc('aviso_pausa'));
    assert.equal(t.status, 'APPROVED');
    await w.sim.templates.setStatus('aviso_pausa', 'es_MX', 'PAUSED');
    await w.sim.drainWebhooks();
    await w.settle();
    let got = await w.api('GET', `/api/v1/templates/${t.id}`);
    assert.equal(got.body.status, 'PAUSED');
    assert.equal(got.body.status_detail.title, 'FIRST_PAUSE');
    await w.sim.templates.setStatus('aviso_pausa', 'es_MX', 'REJECTED', 'PROMOTIONAL');
    await w.sim.drainWebhooks();
    await w.settle();
    got = await w.api('GET', `/api/v1/templates/${t.id}`);
    assert.equal(got.body.status, 'REJECTED');
    assert.equal(got.body.rejected_reason, 'PROMOTIONAL');
    await w.sim.templates.setStatus('aviso_pausa', 'es_MX', 'DISABLED');
    await w.sim.drainWebhooks();
    await w.settle();
    assert.equal((await w.api('GET', `/api/v1/templates/${t.id}`)).body.status, 'DISABLED');
  });

  test('sync from fetch: changes and new templates on Meta are imported', async () => {
    const t = await approvedTemplate(w, doc('cambia_en_meta'));
    const remote = w.sim.templates.get('cambia_en_meta', 'es_MX')!;
    // Changed on Meta's side without a webhook (an edit, a recategorisation, a pause).
    remote.components = [body('Hola {{1}}, tu pedido {{2}} cambió de horario de entrega.', ['Ana', 'A-1'])];
    remote.category = 'MARKETING';
    remote.status = 'PAUSED';
    w.sim.templates.create({
      name: 'creada_en_meta',
      language: 'en_US',
      category: 'UTILITY',
      components: [{ type: 'BODY', text: 'Your order is ready for pickup today.' }],
    });
    const sync = await w.api('POST', '/api/v1/templates/sync', {});
    assert.equal(sync.status, 200);
    assert.equal(sync.body.channels[0].imported, 1);
    assert.ok(sync.body.channels[0].updated >= 1);
    const got = (await w.api('GET', `/api/v1/templates/${t.id}`)).body;
    assert.equal(got.status, 'PAUSED');
    assert.equal(got.category, 'MARKETING');
    assert.match(got.components[0].text, /cambió de horario/);
    const imported = (await w.api('GET', '/api/v1/templates?name=creada_en_meta')).body.data[0];
    assert.equal(imported.status, 'APPROVED');
    assert.equal(imported.language, 'en_US');
    // The periodic job runs the same sync.
    remote.status = 'APPROVED';
    await w.app.deps.jobs.enqueue(w.app.deps.storage.db, 'templates.sync', {}, { key: 'test-sync' });
    w.app.deps.jobs.wake();
    await w.settle();
    assert.equal((await w.api('GET', `/api/v1/templates/${t.id}`)).body.status, 'APPROVED');
  });

  test('preview renders header, body, footer and buttons as the customer sees them', async () => {
    const created = await w.api('POST', '/api/v1/templates', {
      name: 'vista_previa',
      language: 'es_MX',
      category: 'UTILITY',
      parameter_format: 'named',
      components: [
        {
          type: 'HEADER',
          format: 'TEXT',
          text: 'Pedido {{order_id}}',
          example: { header_text_named_params: [{ param_name: 'order_id', example: 'A-1' }] },
        },
        {
          type: 'BODY',
          text: 'Hola {{name}}, tu total es {{total}} y llega el {{date}}.',
          example: {
            body_text_named_params: [
              { param_name: 'name', example: 'Ana' },
              { param_name: 'total', example: '$10' },
              { param_name: 'date', example: 'lunes' },
            ],
          },
        },
        { type: 'FOOTER', text: 'Gracias' },
        {
          type: 'BUTTONS',
          buttons: [
            { type: 'URL', text: 'Ver pedido', url: 'https://shop.example.com/p/{{1}}', example: ['A-1'] },
            { type: 'PHONE_NUMBER', text: 'Llamar', phone_number: '+5215512345678' },
          ],
        },
      ],
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const parameters = {
      header: 'A-77',
      body: {
        name: 'Ana',
        total: { type: 'currency', currency: { fallback_value: '$100.99', code: 'MXN', amount_1000: 100990 } },
        date: { date_time: { fallback_value: '15 de julio' } },
      },
      buttons: { '0': 'A-77' },
    };
    const p = await w.api('POST', `/api/v1/templates/${created.body.id}/preview`, { parameters });
    assert.equal(p.status, 200, JSON.stringify(p.body));
    assert.equal(p.body.header, 'Pedido A-77');
    assert.equal(p.body.body, 'Hola Ana, tu total es $100.99 y llega el 15 de julio.');
    assert.equal(p.body.footer, 'Gracias');
    assert.deepEqual(
      p.body.buttons.map((b: any) => [b.type, b.text, b.url ?? b.phone_number]),
      [
        ['URL', 'Ver pedido', 'https://shop.example.com/p/A-77'],
        ['PHONE_NUMBER', 'Llamar', '+5215512345678'],
      ],
    );
    assert.equal(
      p.body.text,
      'Pedido A-77\nHola Ana, tu total es $100.99 y llega el 15 de julio.\nGracias\n[Ver pedido] https://shop.example.com/p/A-77\n[Llamar] +5215512345678',
    );
    const missing = await w.api('POST', `/api/v1/templates/${created.body.id}/preview`, {
      parameters: { ...parameters, body: { name: 'Ana' } },
    });
    assert.equal(missing.status, 422);
    assert.equal(missing.body.error.code, 'template_param_missing');
  });

  test('delete removes it here and on Meta (by name)', async () => {
    const t = (await w.api('GET', '/api/v1/templates?name=pedido_listo')).body.data[0];
    const del = await w.api('DELETE', `/api/v1/templates/${t.id}`);
    assert.equal(del.status, 200);
    assert.equal(del.body.deleted_on_meta, true);
    assert.equal(w.sim.templates.get('pedido_listo', 'es_MX'), undefined);
    assert.equal((await w.api('GET', `/api/v1/templates/${t.id}`)).status, 404);
    const draft = await w.api('POST', '/api/v1/templates', doc('solo_borrador'));
    assert.equal((await w.api('DELETE', `/api/v1/templates/${draft.body.id}`)).body.deleted_on_meta, false);
  });

  test('template routes are admin-only', async () => {
    const res = await fetch(`${w.app.url}/api/v1/templates`);
    assert.equal(res.status, 401);
  });
});
