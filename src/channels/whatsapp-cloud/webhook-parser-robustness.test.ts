import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseWhatsAppWebhook } from './webhook-parser.ts';

const METADATA = { display_phone_number: '15550783881', phone_number_id: '106540352242922' };
const wrap = (changes: unknown): unknown => ({ object: 'whatsapp_business_account', entry: [{ id: '1', changes }] });

test('garbage inside a valid envelope never throws: unstorable items land in other as invalid_item, broken bodies are kept as unsupported', () => {
  const badMessages: unknown[] = [
    null,
    1,
    'x',
    [],
    {},
    { from: '1', timestamp: '1', type: 'text', text: { body: 'no id' } },
    { id: '', from: '1', type: 'text', text: { body: 'empty id' } },
    { id: 'wamid.1', type: 'text', text: { body: 'no from' } },
    { id: 'wamid.2', from: '1', text: { body: 'no type' } },
  ];
  // An id, a sender and a type: stored, as 'unsupported' under the type they claimed.
  const brokenBodies: Array<Record<string, unknown>> = [
    { id: 'wamid.3', from: '1', type: 'text' },
    { id: 'wamid.4', from: '1', type: 'text', text: { body: 5 } },
    { id: 'wamid.5', from: '1', type: 'image', image: { caption: 'no id' } },
    { id: 'wamid.6', from: '1', type: 'location', location: { latitude: '37', longitude: 1 } },
    { id: 'wamid.7', from: '1', type: 'contacts', contacts: {} },
    { id: 'wamid.8', from: '1', type: 'interactive', interactive: { type: 'button_reply' } },
    { id: 'wamid.9', from: '1', type: 'interactive', interactive: 'button' },
    { id: 'wamid.10', from: '1', type: 'button', button: { payload: 'p' } },
    { id: 'wamid.11', from: '1', type: 'reaction', reaction: { emoji: 'x' } },
    { id: 'wamid.12', from: '1', type: 'edit', edit: { message: {} } },
    { id: 'wamid.13', from: '1', type: 'revoke' },
    { id: 'wamid.14', from: '1', type: 'order', order: [] },
    { id: 'wamid.15', from: '1', type: 'system', system: null },
  ];
  const good = {
    id: 'wamid.OK',
    from: '1',
    timestamp: '1',
    type: 'text',
    text: { body: 'fine' },
    context: 'nonsense',
    referral: [1],
    errors: [{ code: 'x' }, 5],
  };
  const r = parseWhatsAppWebhook(
    wrap([{ field: 'messages', value: { metadata: METADATA, contacts: 'nope', messages: [...badMessages, ...brokenBodies, good] } }]),
  );
  assert.ok(r.ok);
  assert.deepEqual(
    r.value.other,
    badMessages.map((value) => ({ field: 'invalid_item', value })),
  );
  assert.equal(r.value.messages.length, brokenBodies.length + 1);
  assert.deepEqual(
    r.value.messages.slice(0, -1).map((x) => [x.externalId, x.kind, x.providerType]),
    brokenBodies.map((b) => [b.id, 'unsupported', b.type]),
  );
  const m = r.value.messages.at(-1);
  assert.equal(m?.text, 'fine');
  assert.equal(m?.context, undefined);
  assert.equal(m?.referral, undefined);
  assert.equal(m?.errors, undefined);
});

test('malformed entries, changes and values are filed, not thrown', () => {
  const noMetadata = { field: 'messages', value: { messages: [{ id: 'wamid.1', from: '1', type: 'text', text: { body: 'x' } }] } };
  const badAccount = { field: 'messages', value: { metadata: { phone_number_id: 5 }, messages: [] } };
  const body = {
    object: 'whatsapp_business_account',
    entry: [
      null,
      { id: '1' },
      { id: '1', changes: [null, { value: 1 }, { field: 7 }, noMetadata, badAccount, { field: 'messages', value: 'x' }] },
    ],
  };
  const r = parseWhatsAppWebhook(body);
  assert.ok(r.ok);
  assert.deepEqual(
    r.value.other.map((o) => o.field),
    Array(8).fill('invalid_item'),
  );
  assert.deepEqual(r.value.messages, []);
});

test('a timestamp past any Date (found by the property below: 1.8e305 s was Infinity ms) falls back to the receipt time', () => {
  for (const timestamp of [1.797693134862316e305, '1e306', 8_640_000_000_001, '9000000000000000']) {
    const r = parseWhatsAppWebhook(
      wrap([
        {
          field: 'messages',
          value: { metadata: METADATA, messages: [{ id: 'wamid.X', from: '1', type: 'text', timestamp, text: { body: '' } }] },
        },
      ]),
      1_765_000_000_000,
    );
    assert.ok(r.ok);
    assert.equal(r.value.messages[0]!.sentAt, 1_765_000_000_000, String(timestamp));
  }
  const r = parseWhatsAppWebhook(
    wrap([
      {
        field: 'messages',
        value: { metadata: METADATA, statuses: [{ id: 'wamid.Y', status: 'sent', timestamp: 1e307, recipient_id: '1' }] },
      },
    ]),
    1_765_000_000_000,
  );
  assert.ok(r.ok);
  assert.deepEqual(
    r.value.statuses.map((s) => s.at),
    [1_765_000_000_000],
  );
});

test('property: never throws on arbitrary JSON or arbitrary values', () => {
  fc.assert(
    fc.property(
      fc.oneof(
        fc.json().map((s): unknown => JSON.parse(s)),
        fc.anything(),
      ),
      (body) => {
        const r = parseWhatsAppWebhook(body);
        assert.equal(typeof r.ok, 'boolean');
      },
    ),
    { numRuns: 3000 },
  );
});

// Envelopes whose inner values are arbitrary but whose keys are the ones the parser looks at.
const knownKey = fc.constantFrom(
  'id',
  'from',
  'type',
  'timestamp',
  'text',
  'image',
  'interactive',
  'button',
  'reaction',
  'context',
  'errors',
  'status',
  'pricing',
  'conversation',
  'body',
  'caption',
  'button_reply',
  'nfm_reply',
  'edit',
  'message',
  'original_message_id',
  'unsupported',
  'location',
  'latitude',
  'longitude',
  'contacts',
  'wa_id',
  'profile',
  'name',
  'message_template_id',
  'event',
  'reason',
  'referral',
  'metadata',
);
const value: fc.Arbitrary<unknown> = fc.letrec<{ v: unknown }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.anything({ maxDepth: 1 }),
    fc.constantFrom(
      'text',
      'image',
      'interactive',
      'button_reply',
      'list_reply',
      'nfm_reply',
      'button',
      'reaction',
      'edit',
      'revoke',
      'sent',
      'failed',
      'x',
      '',
    ),
    fc.array(tie('v'), { maxLength: 3 }),
    fc.dictionary(knownKey, tie('v'), { maxKeys: 6 }),
  ),
})).v;
/** Usually the well-formed thing, sometimes anything at all. */
const mostly = <T>(good: fc.Arbitrary<T>): fc.Arbitrary<unknown> =>
  fc.oneof({ arbitrary: good, weight: 4 }, { arbitrary: value, weight: 1 });
const message = fc.record(
  {
    id: mostly(fc.constant('wamid.X')),
    from: mostly(fc.constant('1')),
    type: mostly(
      fc.constantFrom(
        'text',
        'image',
        'audio',
        'video',
        'document',
        'sticker',
        'location',
        'contacts',
        'interactive',
        'button',
        'reaction',
        'order',
        'system',
        'request_welcome',
        'edit',
        'revoke',
        'unsupported',
        'future',
      ),
    ),
    timestamp: mostly(fc.constant('1700000000')),
    text: mostly(fc.record({ body: mostly(fc.string()) })),
    image: mostly(fc.record({ id: mostly(fc.constant('9')), caption: value, mime_type: value })),
    interactive: mostly(
      fc.record({
        type: mostly(fc.constantFrom('button_reply', 'list_reply', 'nfm_reply')),
        button_reply: value,
        list_reply: value,
        nfm_reply: value,
      }),
    ),
    button: value,
    reaction: value,
    edit: value,
    revoke: value,
    location: value,
    contacts: value,
    unsupported: value,
    context: value,
    errors: value,
    referral: value,
  },
  { requiredKeys: ['id', 'from', 'type', 'text'] },
);
const status = fc.record(
  {
    id: mostly(fc.constant('wamid.S')),
    status: mostly(fc.constantFrom('sent', 'delivered', 'read', 'played', 'failed')),
    timestamp: value,
    recipient_id: value,
    errors: value,
    pricing: value,
    conversation: value,
    biz_opaque_callback_data: value,
  },
  { requiredKeys: ['id', 'status'] },
);

test('property: envelopes with arbitrary values inside never throw', () => {
  const messagesChange = fc.record({
    field: mostly(fc.constant('messages')),
    value: mostly(
      fc.record(
        {
          metadata: mostly(fc.constant(METADATA)),
          contacts: value,
          messages: mostly(fc.array(message, { maxLength: 4 })),
          statuses: mostly(fc.array(status, { maxLength: 4 })),
          errors: value,
        },
        { requiredKeys: ['metadata'] },
      ),
    ),
  });
  const templateChange = fc.record({
    field: mostly(fc.constant('message_template_status_update')),
    value: mostly(
      fc.record({
        message_template_id: mostly(fc.integer({ min: 0 })),
        message_template_name: mostly(fc.string()),
        message_template_language: mostly(fc.constant('en_US')),
        event: mostly(fc.constant('APPROVED')),
        reason: value,
      }),
    ),
  });
  const change = fc.oneof(
    { arbitrary: messagesChange, weight: 3 },
    { arbitrary: templateChange, weight: 1 },
    { arbitrary: value, weight: 1 },
  );
  const entry = mostly(fc.record({ id: mostly(fc.constant('102290129340398')), changes: mostly(fc.array(change, { maxLength: 3 })) }));
  const body = fc.record({ object: fc.constant('whatsapp_business_account'), entry: fc.array(entry, { maxLength: 3 }) });
  let messages = 0;
  let statuses = 0;
  let templateEvents = 0;
  fc.assert(
    fc.property(body, (b) => {
      const r = parseWhatsAppWebhook(b, 1);
      assert.ok(r.ok);
      messages += r.value.messages.length;
      statuses += r.value.statuses.length;
      templateEvents += r.value.templateEvents.length;
      for (const m of r.value.messages) {
        assert.equal(typeof m.externalId, 'string');
        assert.ok(m.externalId.length > 0);
        assert.equal(typeof m.from, 'string');
        assert.ok(Number.isFinite(m.sentAt));
      }
      for (const s of r.value.statuses) assert.ok(['sent', 'delivered', 'read', 'played', 'failed'].includes(s.status));
    }),
    { numRuns: 3000 },
  );
  // The generator must reach the parsing paths, not only the early rejections.
  assert.ok(
    messages > 100 && statuses > 400 && templateEvents > 80,
    `messages ${messages}, statuses ${statuses}, template events ${templateEvents}`,
  );
});
