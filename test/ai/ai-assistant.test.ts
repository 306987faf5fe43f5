import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DEFAULT_AI_SETTINGS } from '../../src/ai/ai-settings.ts';
import { forEachDialect } from '../support/dialects.ts';
import { startWorld, type World } from '../support/test-world.ts';
import { waitFor } from '../support/wait-for.ts';

const ARTICLES = [
  {
    title: 'Horario de atención',
    body: 'Atendemos de lunes a viernes de 9:00 a 18:00 y los sábados de 9:00 a 13:00.',
    tags: ['horario'],
    language: 'es',
  },
  {
    title: 'Facturación',
    body: '## Pedir una factura\n\nPide tu factura en el portal de clientes con tu número de pedido. La factura llega por correo en 24 horas.',
    tags: ['factura'],
    language: 'es',
  },
  {
    title: 'Shipping',
    body: 'We ship nationwide. Delivery takes 3 to 5 business days; express delivery takes one day.',
    tags: ['shipping'],
    language: 'en',
  },
];

forEachDialect('AI assistant: knowledge base, offline answers, auto and draft modes, hand-offs, usage', (dialect) => {
  let w: World;
  let channelId: string;
  before(async () => {
    w = await startWorld({ dialect, config: { demoBot: false, ai: { ...DEFAULT_AI_SETTINGS, maxTurns: 2 } } });
    for (const a of ARTICLES) assert.equal((await w.api('POST', '/api/v1/knowledge', a)).status, 201);
  });
  after(async () => {
    await w?.stop();
  });

  const convOf = async (waId: string) => (await w.api('GET', '/api/v1/conversations')).body.data.find((c: any) => c.contact.wa_id === waId);

  test('knowledge: CRUD, search folds accents and case, bad input is a 4xx', async () => {
    const list = await w.api('GET', '/api/v1/knowledge');
    assert.equal(list.status, 200);
    assert.equal(list.body.data.length, 3);
    const hits = await w.api('GET', '/api/v1/knowledge/search?q=FACTURACION');
    assert.equal(hits.status, 200);
    assert.equal(hits.body.data[0].title, 'Facturación');
    const created = await w.api('POST', '/api/v1/knowledge', { title: 'Garantía', body: 'La garantía cubre un año.' });
    const id = created.body.id;
    assert.equal((await w.api('PATCH', `/api/v1/knowledge/${id}`, { body: 'La garantía cubre dos años de reparaciones.' })).status, 200);
    const g = await w.api('GET', '/api/v1/knowledge/search?q=garantia reparaciones');
    assert.match(g.body.data[0].text, /dos años/);
    assert.equal((await w.api('DELETE', `/api/v1/knowledge/${id}`)).status, 204);
    assert.equal((await w.api('GET', `/api/v1/knowledge/${id}`)).status, 404);
    assert.equal((await w.api('GET', '/api/v1/knowledge/search?q=garantia')).body.data.length, 0);
    const bad = await w.api('POST', '/api/v1/knowledge', { title: '', body: 'x' });
    assert.equal(bad.status, 422);
    assert.equal(bad.body.error.code, 'invalid_title');
    const imported = await w.api('POST', '/api/v1/knowledge/import', {
      files: [{ name: 'devoluciones.md', text: '# Devoluciones\n\nTienes 30 días para devolver un producto sin uso.' }],
      language: 'es',
    });
    assert.equal(imported.status, 201);
    assert.equal(imported.body.data[0].title, 'Devoluciones');
    const notPdf = await w.api('POST', '/api/v1/knowledge/import', {
      files: [{ name: 'x.pdf', content_base64: Buffer.from('not a pdf').toString('base64') }],
    });
    assert.equal(notPdf.status, 422);
    assert.equal(notPdf.body.error.code, 'unreadable_file');
  });

  test('ask: an extractive answer with confidence and its context; an unknown question is not answered', async () => {
    const r = await w.api('POST', '/api/v1/ai/ask', { question: '¿A qué hora abren los sábados?' });
    assert.equal(r.status, 200);
    assert.equal(r.body.outcome, 'answered');
    assert.match(r.body.answer, /sábados de 9:00 a 13:00/);
    assert.ok(r.body.confidence >= 0.5);
    const why = await w.api('GET', `/api/v1/ai/replies/${r.body.id}`);
    assert.equal(why.body.context.passages[0].title, 'Horario de atención');
    assert.equal(why.body.context.messages.at(-1).role, 'user');
    const unknown = await w.api('POST', '/api/v1/ai/ask', { question: 'do you sell spaceships to Mars?' });
    assert.equal(unknown.body.outcome, 'handoff');
    assert.equal(unknown.body.reason, 'low_confidence');
  });

  test('auto mode answers inside the window as AI; "quiero hablar con una persona" hands off and the AI stays silent', async () => {
    const waId = '5215550001001';
    const customer = w.sim.customer(waId, 'Ana');
    await customer.sendText('hola');
    await w.settle();
    const conv = await convOf(waId);
    channelId = conv.channel_id;
    assert.equal((await w.api('PUT', `/api/v1/ai/modes/${channelId}`, { mode: 'auto' })).status, 200);
    await customer.sendText('¿Cómo pido una factura?');
    const answer = await customer.waitForMessage((m) => m.type === 'text' && /portal de clientes/.test(m.text ?? ''));
    assert.ok(answer);
    const detail = await w.api('GET', `/api/v1/conversations/${conv.id}`);
    assert.ok(detail.body.messages.some((m: any) => m.author === 'bot:ai'));
    await customer.sendText('Quiero hablar con una persona');
    await customer.waitForMessage((m) => m.text === 'Te comunico con una persona de nuestro equipo; en breve te responde.');
    await waitFor(
      async () => (await w.api('GET', `/api/v1/conversations/${conv.id}/ai/replies`)).body.data[0]?.reason === 'customer_asked',
    );
    await w.settle();
    const notes = (await w.api('GET', `/api/v1/conversations/${conv.id}`)).body.notes;
    assert.ok(
      notes.some((n: any) => /AI summary \(hand-off\)/.test(n.text)),
      JSON.stringify(notes),
    );
    // Held by a person now: the AI does not answer.
    const before = (await w.api('GET', `/api/v1/conversations/${conv.id}/ai/replies`)).body.data.length;
    await customer.sendText('¿A qué hora abren los sábados?');
    await w.settle();
    assert.equal((await w.api('GET', `/api/v1/conversations/${conv.id}/ai/replies`)).body.data.length, before);
    // Released: the AI answers again; the same question straight after is handed to a person.
    assert.equal((await w.api('POST', `/api/v1/conversations/${conv.id}/bot/resume`)).status, 200);
    await customer.sendText('¿Cómo pido una factura?');
    await waitFor(async () => (await w.api('GET', `/api/v1/conversations/${conv.id}/ai/replies`)).body.data.length === before + 1);
    assert.equal((await w.api('GET', `/api/v1/conversations/${conv.id}/ai/replies`)).body.data[0].outcome, 'answered');
    await customer.sendText('como pido una factura');
    await waitFor(
      async () => (await w.api('GET', `/api/v1/conversations/${conv.id}/ai/replies`)).body.data[0]?.reason === 'repeated_question',
    );
    assert.equal((await w.api('PUT', `/api/v1/ai/modes/${channelId}`, { mode: null })).status, 200);
  });

  test('auto mode hands off after AI_MAX_TURNS answers in a row (2 here)', async () => {
    const waId = '5215550001003';
    const customer = w.sim.customer(waId, 'Cris');
    await customer.sendText('hola');
    await w.settle();
    const conv = await convOf(waId);
    await w.api('PUT', `/api/v1/conversations/${conv.id}/ai/mode`, { mode: 'auto' });
    const replies = async () => (await w.api('GET', `/api/v1/conversations/${conv.id}/ai/replies`)).body.data;
    for (const [i, q] of ['¿A qué hora abren los sábados?', '¿Cómo pido una factura?', 'How long does delivery take?'].entries()) {
      await customer.sendText(q);
      await waitFor(async () => (await replies()).length === i + 1);
    }
    assert.deepEqual(
      (await replies()).map((r: any) => r.reason ?? r.outcome),
      ['turn_limit', 'answered', 'answered'],
    );
  });

  test('draft mode: a suggested reply, then accept / edit / discard in one call each', async () => {
    const waId = '5215550001002';
    const customer = w.sim.customer(waId, 'Beto');
    await customer.sendText('hola');
    await w.settle();
    const conv = await convOf(waId);
    assert.equal((await w.api('PUT', `/api/v1/conversations/${conv.id}/ai/mode`, { mode: 'draft' })).body.mode, 'draft');
    await customer.sendText('How long does delivery take?');
    await waitFor(
      async () => (await w.api('GET', `/api/v1/conversations/${conv.id}/ai/replies`)).body.data[0]?.draft_state === 'pending',
    ).catch(async (err) => {
      console.log(JSON.stringify((await w.api('GET', `/api/v1/conversations/${conv.id}/ai/replies`)).body));
      throw err;
    });
    const draft = (await w.api('GET', `/api/v1/conversations/${conv.id}/ai/replies`)).body.data[0];
    assert.match(draft.answer, /3 to 5 business days/);
    const edited = await w.api('POST', `/api/v1/conversations/${conv.id}/ai/replies/${draft.id}/decide`, {
      action: 'edit',
      text: 'Three to five business days.',
    });
    assert.equal(edited.status, 200);
    assert.equal(edited.body.draft_state, 'edited');
    await customer.waitForMessage((m) => m.text === 'Three to five business days.');
    const again = await w.api('POST', `/api/v1/conversations/${conv.id}/ai/replies/${draft.id}/decide`, { action: 'accept' });
    assert.equal(again.status, 409);
    await customer.sendText('Is there express delivery?');
    await waitFor(
      async () =>
        (await w.api('GET', `/api/v1/conversations/${conv.id}/ai/replies`)).body.data[0]?.question === 'Is there express delivery?',
    );
    const second = (await w.api('GET', `/api/v1/conversations/${conv.id}/ai/replies`)).body.data[0];
    const discarded = await w.api('POST', `/api/v1/conversations/${conv.id}/ai/replies/${second.id}/decide`, { action: 'discard' });
    assert.equal(discarded.body.draft_state, 'discarded');
    assert.equal((await w.api('POST', `/api/v1/conversations/${conv.id}/ai/replies/${second.id}/decide`, { action: 'nope' })).status, 422);
    // Closing it attaches a one-line summary; the summary route answers one on request.
    assert.equal((await w.api('PATCH', `/api/v1/conversations/${conv.id}`, { status: 'closed' })).status, 200);
    const notes = (await w.api('GET', `/api/v1/conversations/${conv.id}`)).body.notes;
    assert.ok(
      notes.some((n: any) => /^AI summary \(closed\): \d+ messages; the customer first wrote "hola"/.test(n.text)),
      JSON.stringify(notes),
    );
    const summary = await w.api('POST', `/api/v1/conversations/${conv.id}/ai/summary`);
    assert.equal(summary.status, 200);
    assert.match(summary.body.summary, /last "Is there express delivery\?"/);
  });

  test('usage sums calls by day, number and mode', async () => {
    const u = await w.api('GET', '/api/v1/ai/usage');
    assert.equal(u.status, 200);
    const modes = new Set(u.body.data.map((r: any) => r.mode));
    assert.ok(modes.has('preview') && modes.has('auto') && modes.has('draft'));
    assert.ok(u.body.data.every((r: any) => r.provider === 'offline' && r.calls > 0));
    assert.equal((await w.api('GET', '/api/v1/ai/usage?from=2026-13-01')).status, 400);
    const s = await w.api('GET', '/api/v1/ai/status');
    assert.equal(s.body.available, true);
  });
});
