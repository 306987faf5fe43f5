import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Deps } from '../../src/deps.ts';
import { signatureHeader } from '../../src/event-webhooks/sign-webhook.ts';
import { classifyIntent } from '../../src/flows/classify-intent.ts';
import { deliverFlowWebhook } from '../../src/flows/flow-webhook.ts';
import { validateFlow } from '../../src/flows/validate-flow.ts';
import { forEachDialect } from '../support/dialects.ts';
import { startWorld, type World } from '../support/test-world.ts';
import { waitFor } from '../support/wait-for.ts';
import { approvedTemplate, body } from '../templates/helpers.ts';
import { publish, startBusinessApi, type BusinessApi } from './flow-helpers.ts';

const INTENTS = {
  book: ['I want to book a visit', 'schedule an appointment', 'reservar una cita'],
  cancel: ['cancel my booking', 'I want to cancel', 'cancelar la cita'],
};

test('intent classification: words and trigrams, function words ignored, a threshold', () => {
  assert.equal(classifyIntent('I would like to book an appointment please', INTENTS, 0.45).intent, 'book');
  assert.equal(classifyIntent('quiero cancelar', INTENTS, 0.45).intent, 'cancel');
  assert.equal(classifyIntent('cancell my bookin', INTENTS, 0.4).intent, 'cancel', 'typos still match by trigrams');
  const none = classifyIntent('what is the weather like', INTENTS, 0.45);
  assert.deepEqual([none.intent, none.confidence], [null, 0]);
  assert.equal(classifyIntent('I want to', INTENTS, 0.45).intent, null, 'shared function words decide nothing');
});

test('validation of the new blocks, triggers and settings points at the block and field', () => {
  const problems = (doc: Record<string, unknown>) => {
    const r = validateFlow({ id: 'v', name: 'v', start: 'a', ...doc });
    return r.ok ? [] : r.errors.map((e) => `${e.block ?? '-'}|${e.field}|${e.message}`);
  };
  const end = { type: 'end', status: 'succeeded' };
  assert.deepEqual(problems({ blocks: { a: { type: 'intent', intents: { book: ['book'] }, exits: { book: 'e' } }, e: end } }), [
    'a|exits.low_confidence|a intent block needs exits.low_confidence',
  ]);
  assert.deepEqual(
    problems({
      blocks: { a: { type: 'intent', intents: { book: ['book'], x: ['y'] }, exits: { book: 'e', low_confidence: 'e' } }, e: end },
    }),
    ['a|exits.x|intent "x" needs an exit'],
  );
  assert.deepEqual(problems({ blocks: { a: { type: 'ai_reply', exits: { next: 'e' } }, e: end } }), [
    'a|exits.unavailable|a ai_reply block needs exits.unavailable',
  ]);
  assert.deepEqual(problems({ blocks: { a: { type: 'webhook', url: 'ftp://x', exits: { next: 'e' } }, e: end } }), [
    'a|url|url must be an absolute http(s) URL (templates allowed)',
  ]);
  assert.deepEqual(problems({ blocks: { a: { type: 'template', name: 't', exits: { next: 'e', cancel: 'e' } }, e: end } }), [
    'a|wait_for_button|exits.cancel and payloads need wait_for_button: true',
  ]);
  assert.deepEqual(
    problems({ blocks: { a: { type: 'ask', kind: 'location', prompt: 'p', variable: 'v', min: 1, exits: { next: 'e' } }, e: end } }),
    ['a|kind|a location question takes no min, max, length or format'],
  );
  assert.deepEqual(problems({ triggers: [{ type: 'template_button', payload: 'continue' }], blocks: { a: end } }), [
    '-|triggers[0].template|a template_button trigger needs the template name',
  ]);
  assert.deepEqual(problems({ settings: { business_hours: { timezone: 'Mars/Olympus' } }, blocks: { a: end } }), [
    '-|settings.business_hours.timezone|"Mars/Olympus" is not an IANA time zone (e.g. Europe/Madrid)',
  ]);
  assert.deepEqual(problems({ settings: { business_hours: { start: '19:00', end: '08:00' } }, blocks: { a: end } }), [
    '-|settings.business_hours|business hours must open before they close',
  ]);
  assert.deepEqual(
    problems({ settings: { reengagement: { enabled: true, delay_minutes: 600 }, session_timeout_minutes: 300 }, blocks: { a: end } }),
    ['-|settings.reengagement.delay_minutes|re-engagement must come before the session expires (session_timeout_minutes)'],
  );
  const range = problems({ settings: { reengagement: { delay_minutes: 20 } }, blocks: { a: end } });
  assert.equal(range.length, 1);
  assert.match(range[0] ?? '', /settings\.reengagement\.delay_minutes\|must be >= 30/);
  assert.equal(
    validateFlow({
      id: 'v',
      name: 'v',
      start: 'a',
      blocks: { a: { type: 'ask', kind: 'image', prompt: 'Photo?', variable: 'p', exits: { next: 'e' } }, e: end },
    }).ok,
    true,
  );
});

test('the outgoing webhook job refuses private addresses unless FLOW_HTTP_ALLOW_PRIVATE', async () => {
  const api = await startBusinessApi();
  try {
    const warnings: string[] = [];
    const deps = {
      config: { flows: { httpAllowPrivate: false } },
      clock: { now: () => Date.now() },
      logger: { warn: (_o: unknown, msg: string) => warnings.push(msg) },
    } as unknown as Deps;
    const job = { id: 'fwh_1', url: `${api.url}/hook`, body: '{}', secret: 'secret-123', firstAttemptAt: Date.now(), attempt: 1 };
    await deliverFlowWebhook(deps, job); // resolves: dropped, not retried (no job enqueued: deps has no queue)
    assert.equal(api.requests.length, 0);
    assert.match(warnings[0] ?? '', /private or loopback address refused/);
  } finally {
    await api.close();
  }
});

forEachDialect('flow blocks: template, outgoing webhook, intent, AI reply, ask location / image / document', (dialect) => {
  let w: World;
  let api: BusinessApi;
  const text = (t: string | RegExp) => (m: { text?: string }) => (typeof t === 'string' ? m.text === t : t.test(m.text ?? ''));
  before(async () => {
    api = await startBusinessApi();
    w = await startWorld({
      dialect,
      config: {
        flows: { httpAllowPrivate: true, webhookSecret: 'config-secret-0123' },
        eventWebhooks: { allowPrivate: true, retryBaseMs: 20, maxAttempts: 2 },
      },
    });
  });
  after(async () => {
    await w?.stop();
    await api?.close();
  });
  const resultOf = async (flow: string) => (await w.api('GET', `/api/v1/flows/${flow}/results`)).body.data[0];

  test('send template: parameters interpolated; a refused template takes the error exit', async () => {
    await approvedTemplate(w, {
      name: 'visit_booked',
      language: 'en_US',
      category: 'UTILITY',
      components: [body('Hello {{1}}, your visit is on {{2}}.', ['Ana', '2030-01-01'])],
    });
    const doc = (id: string, name: string) => ({
      id,
      name: id,
      start: 'set',
      triggers: [{ type: 'exact', value: `run ${id}` }],
      blocks: {
        set: { type: 'set', values: { 'session.date': '2030-12-24' }, exits: { next: 'tpl' } },
        tpl: {
          type: 'template',
          name,
          language: 'en_US',
          parameters: { body: ['{{contact.name}}', '{{session.date}}'] },
          exits: { next: 'ok', error: 'err' },
        },
        ok: { type: 'end', status: 'succeeded', message: 'template sent' },
        err: { type: 'end', status: 'failed', reason: 'template', message: 'template failed: {{session.template_error}}' },
      },
    });
    await publish(w, doc('tpl-ok', 'visit_booked'));
    await publish(w, doc('tpl-missing', 'no_such_template'));
    const c = w.sim.customer('15559990001', 'Gus');
    await c.sendText('run tpl-ok');
    const sent = await c.waitForMessage((m) => m.type === 'template');
    assert.equal(sent.body.template.name, 'visit_booked');
    await c.waitForMessage(text('template sent'));
    const row = await w.app.deps.storage.db
      .selectFrom('messages')
      .select(['text', 'author'])
      .where('template_name', '=', 'visit_booked')
      .executeTakeFirstOrThrow();
    assert.deepEqual([row.text, row.author], ['Hello Gus, your visit is on 2030-12-24.', 'bot:flow:tpl-ok']);
    await c.sendText('run tpl-missing');
    await c.waitForMessage(text(/^template failed: template_not_found/));
  });

  test('outgoing webhook: fire-and-forget, signed, URL and body interpolated, retried on failure', async () => {
    await publish(w, {
      id: 'hook',
      name: 'Hook',
      start: 'ask',
      triggers: [{ type: 'exact', value: 'lead' }],
      blocks: {
        ask: { type: 'ask', kind: 'text', prompt: 'Your name?', variable: 'name', exits: { next: 'hook' } },
        hook: {
          type: 'webhook',
          url: `${api.url}/hook/{{contact.wa_id}}`,
          event: 'lead.created',
          secret: 'block-secret-0123',
          body: { name: '{{session.name}}', phone: '{{contact.phone}}' },
          exits: { next: 'fail' },
        },
        fail: { type: 'webhook', url: `${api.url}/fail`, exits: { next: 'done' } }, // signed with FLOW_WEBHOOK_SECRET; 500s are retried
        done: { type: 'end', status: 'succeeded', message: 'Saved, {{session.name}}' },
      },
    });
    const c = w.sim.customer('15559990002', 'Hal');
    await c.sendText('lead');
    await c.waitForMessage(text('Your name?'));
    await c.sendText('Hal Jordan');
    await c.waitForMessage(text('Saved, Hal Jordan'), 3000); // the flow does not wait for the receiver
    await waitFor(() => api.requests.some((r) => r.path === '/hook/15559990002'), 5000, 'webhook delivered');
    const hook = api.requests.find((r) => r.path === '/hook/15559990002');
    assert.ok(hook);
    const payload = JSON.parse(hook.body);
    assert.deepEqual(
      [payload.type, payload.event, payload.flow_id, payload.data],
      ['flow.webhook', 'lead.created', 'hook', { name: 'Hal Jordan', phone: '+15559990002' }],
    );
    const sig = String(hook.headers['switchboard-signature']);
    const t = Number(/t=(\d+)/.exec(sig)?.[1]);
    assert.equal(sig, signatureHeader('block-secret-0123', hook.body, t));
    assert.deepEqual([hook.headers['switchboard-event-type'], hook.headers['switchboard-delivery-attempt']], ['flow.webhook', '1']);
    await waitFor(() => api.requests.filter((r) => r.path === '/fail').length >= 2, 8000, 'a failed webhook is retried');
    const fails = api.requests.filter((r) => r.path === '/fail');
    assert.equal(fails[0]?.body, fails[1]?.body, 'a retry sends the same body');
    assert.deepEqual(
      fails.map((r) => r.headers['switchboard-delivery-attempt']),
      ['1', '2'],
      'maxAttempts 2: then it gives up',
    );
    const f = fails[0];
    assert.ok(f);
    assert.equal(
      String(f.headers['switchboard-signature']),
      signatureHeader('config-secret-0123', f.body, Number(/t=(\d+)/.exec(String(f.headers['switchboard-signature']))?.[1])),
    );
    assert.deepEqual(JSON.parse(f.body).data.name, 'Hal Jordan', 'default body: the session variables');
  });

  test('intent: one exit per intent, low_confidence below the threshold; without a prompt the triggering message is classified', async () => {
    await publish(w, {
      id: 'intent',
      name: 'Intent',
      start: 'what',
      triggers: [{ type: 'exact', value: 'intent demo' }],
      blocks: {
        what: { type: 'intent', prompt: 'How can I help?', intents: INTENTS, exits: { book: 'b', cancel: 'x', low_confidence: 'lc' } },
        b: { type: 'end', status: 'succeeded', message: 'Booking ({{session.intent}})' },
        x: { type: 'end', status: 'succeeded', message: 'Cancelling ({{session.intent}})' },
        lc: { type: 'end', status: 'failed', reason: 'unclear', message: 'Sorry? ({{session.intent_confidence}})' },
      },
    });
    await publish(w, {
      id: 'intent-direct',
      name: 'Intent on the trigger',
      start: 'what',
      triggers: [{ type: 'keyword', value: 'help' }],
      blocks: {
        what: {
          type: 'intent',
          intents: INTENTS,
          threshold: 0.5,
          variable: 'wish',
          exits: { book: 'b', cancel: 'x', low_confidence: 'lc' },
        },
        b: { type: 'end', status: 'succeeded', message: 'direct book' },
        x: { type: 'end', status: 'succeeded', message: 'direct {{session.wish}}' },
        lc: { type: 'end', status: 'failed', message: 'direct unclear' },
      },
    });
    const c = w.sim.customer('15559990003', 'Ivy');
    await c.sendText('intent demo');
    await c.waitForMessage(text('How can I help?'));
    await c.sendText('I would like to book an appointment please');
    await c.waitForMessage(text('Booking (book)'));
    await c.sendText('intent demo');
    await c.waitForMessage(text('How can I help?'));
    await c.sendText('please cancel the booking');
    await c.waitForMessage(text('Cancelling (cancel)'));
    await c.sendText('intent demo');
    await c.waitForMessage(text('How can I help?'));
    await c.sendText('what is the weather like');
    await c.waitForMessage(text('Sorry? (0)'));
    await c.sendText('help me cancel my booking');
    await c.waitForMessage(text('direct cancel'));
    await w.settle();
    const results = (await w.api('GET', '/api/v1/flows/intent/results')).body.data;
    assert.deepEqual(results.map((r: any) => r.answers[0]?.answer).sort(), [
      'I would like to book an appointment please',
      'please cancel the booking',
      'what is the weather like',
    ]);
  });

  test('AI reply without a handoff exit takes unavailable when the assistant cannot answer (empty knowledge base)', async () => {
    await publish(w, {
      id: 'ai',
      name: 'AI',
      start: 'ai',
      triggers: [{ type: 'exact', value: 'ask the ai' }],
      blocks: {
        ai: { type: 'ai_reply', instructions: 'Answer from the knowledge base.', exits: { next: 'done', unavailable: 'human' } },
        done: { type: 'end', status: 'succeeded' },
        human: { type: 'end', status: 'succeeded', reason: 'no_ai', message: 'Our assistant is not available ({{session.ai_error}}).' },
      },
    });
    const c = w.sim.customer('15559990004', 'Jo');
    await c.sendText('ask the ai');
    await c.waitForMessage(text('Our assistant is not available (low_confidence).'));
    await w.settle();
    assert.equal((await resultOf('ai')).reason, 'no_ai');
  });

  test('ask for location, image and document: the kind is validated, coordinates and media ids stored', async () => {
    await publish(w, {
      id: 'media',
      name: 'Media',
      start: 'where',
      triggers: [{ type: 'exact', value: 'report damage' }],
      blocks: {
        where: {
          type: 'ask',
          kind: 'location',
          prompt: 'Share your location',
          reprompt: 'Please share a location (clip > Location).',
          variable: 'loc',
          exits: { next: 'photo' },
        },
        photo: {
          type: 'ask',
          kind: 'image',
          prompt: 'Send a photo',
          reprompt: 'A photo, please.',
          variable: 'photo',
          exits: { next: 'doc' },
        },
        doc: { type: 'ask', kind: 'document', prompt: 'Send the invoice', variable: 'invoice', exits: { next: 'done' } },
        done: {
          type: 'end',
          status: 'succeeded',
          message: 'Got it',
          result: { lat: '{{session.loc.latitude}}', photo: '{{session.photo.media_id}}', file: '{{session.invoice.filename}}' },
        },
      },
    });
    const c = w.sim.customer('15559990005', 'Kim');
    await c.sendText('report damage');
    await c.waitForMessage(text('Share your location'));
    await c.sendText('Calle Mayor 1');
    await c.waitForMessage(text('Please share a location (clip > Location).'));
    await c.sendLocation({ latitude: 40.4168, longitude: -3.7038, name: 'Home' });
    await c.waitForMessage(text('Send a photo'));
    await c.sendDocument(new Uint8Array([37, 80, 68, 70]), { filename: 'x.pdf', mimeType: 'application/pdf' });
    await c.waitForMessage(text('A photo, please.'));
    await c.sendImage(new Uint8Array([255, 216, 255, 224, 0, 16]), { mimeType: 'image/jpeg', caption: 'the wall' });
    await c.waitForMessage(text('Send the invoice'));
    await c.sendDocument(new Uint8Array([37, 80, 68, 70]), { filename: 'invoice.pdf', mimeType: 'application/pdf' });
    await c.waitForMessage(text('Got it'));
    await w.settle();
    const r = await resultOf('media');
    assert.equal(r.status, 'succeeded');
    assert.deepEqual(r.variables.loc, { latitude: 40.4168, longitude: -3.7038, name: 'Home' });
    assert.equal(typeof r.variables.photo.media_id, 'string');
    assert.deepEqual([r.variables.photo.mime_type, r.variables.photo.caption], ['image/jpeg', 'the wall']);
    assert.equal(r.variables.invoice.filename, 'invoice.pdf');
    assert.deepEqual([r.result.lat, r.result.photo, r.result.file], [40.4168, r.variables.photo.media_id, 'invoice.pdf']);
    assert.deepEqual(
      r.answers.map((a: any) => [a.block, a.valid]),
      [
        ['where', false],
        ['where', true],
        ['photo', false],
        ['photo', true],
        ['doc', true],
      ],
    );
  });
});
