import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { InboundMessage } from '../channel-types.ts';
import { parseWhatsAppWebhook } from './webhook-parser.ts';

const PNID = '106540352242922';
const RECEIVED_AT = 1_800_000_000_000;
const CONTACTS = [{ profile: { name: 'Sheena Nelson' }, wa_id: '16505551234' }];

function envelope(value: unknown, field = 'messages'): unknown {
  return { object: 'whatsapp_business_account', entry: [{ id: '102290129340398', changes: [{ field, value }] }] };
}
/** `contacts: null` leaves contacts[] out of the value. */
function messagesValue(messages: unknown[], contacts: unknown = CONTACTS): unknown {
  return {
    messaging_product: 'whatsapp',
    metadata: { display_phone_number: '15550783881', phone_number_id: PNID },
    ...(contacts === null ? {} : { contacts }),
    messages,
  };
}
function parseOne(item: Record<string, unknown>, contacts: unknown = CONTACTS): InboundMessage {
  const r = parseWhatsAppWebhook(envelope(messagesValue([item], contacts)), RECEIVED_AT);
  assert.ok(r.ok);
  assert.deepEqual(r.value.other, [], 'nothing unexpected');
  assert.equal(r.value.messages.length, 1);
  const m = r.value.messages[0];
  assert.ok(m);
  assert.equal(m.raw, item, 'raw is the provider item itself, not a copy');
  return m;
}
/** Expected message with the fields every fixture shares. */
function base(id: string, timestamp: string, kind: InboundMessage['kind'], providerType: string, item: unknown): InboundMessage {
  return {
    channel: 'whatsapp',
    channelAccountId: PNID,
    externalId: id,
    from: '16505551234',
    sentAt: Number(timestamp) * 1000,
    kind,
    providerType,
    raw: item,
    profileName: 'Sheena Nelson',
  };
}

// Every inbound type from the reference (§2), with the normalised message it must become.
const BIZ_CONTEXT = { from: '15550783881', id: 'wamid.BIZ' };
const fixtures: Array<[string, Record<string, unknown>, (item: unknown) => InboundMessage]> = [
  [
    'text',
    { from: '16505551234', id: 'wamid.A', timestamp: '1697043223', type: 'text', text: { body: 'Body Text' } },
    (i) => ({ ...base('wamid.A', '1697043223', 'text', 'text', i), text: 'Body Text' }),
  ],
  [
    'image',
    {
      from: '16505551234',
      id: 'wamid.B',
      timestamp: '1744344496',
      type: 'image',
      image: {
        caption: 'Taj Mahal',
        mime_type: 'image/jpeg',
        sha256: 'SfInY0gGKTsJlUWbwxC1k+FAD0FZHvzwfpvO0zX0GUI=',
        id: '1003383421387256',
        url: 'https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=133',
      },
    },
    (i) => ({
      ...base('wamid.B', '1744344496', 'image', 'image', i),
      text: 'Taj Mahal',
      media: {
        id: '1003383421387256',
        mimeType: 'image/jpeg',
        sha256: 'SfInY0gGKTsJlUWbwxC1k+FAD0FZHvzwfpvO0zX0GUI=',
        caption: 'Taj Mahal',
        url: 'https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=133',
      },
    }),
  ],
  [
    'audio (voice note)',
    {
      from: '16505551234',
      id: 'wamid.C',
      timestamp: '1697043473',
      type: 'audio',
      audio: { mime_type: 'audio/ogg; codecs=opus', sha256: 'm04pFf2E', id: '1234567890987654321', voice: true },
    },
    (i) => ({
      ...base('wamid.C', '1697043473', 'audio', 'audio', i),
      media: { id: '1234567890987654321', mimeType: 'audio/ogg; codecs=opus', sha256: 'm04pFf2E', voice: true },
    }),
  ],
  [
    'video',
    {
      from: '16505551234',
      id: 'wamid.D',
      timestamp: '1697044362',
      type: 'video',
      video: { caption: 'caption', mime_type: 'video/mp4', sha256: 'Jh+2ij6P', id: '765756756' },
    },
    (i) => ({
      ...base('wamid.D', '1697044362', 'video', 'video', i),
      text: 'caption',
      media: { id: '765756756', mimeType: 'video/mp4', sha256: 'Jh+2ij6P', caption: 'caption' },
    }),
  ],
  [
    'document',
    {
      from: '16505551234',
      id: 'wamid.E',
      timestamp: '1697043666',
      type: 'document',
      document: {
        caption: 'caption',
        filename: 'filename.pdf',
        mime_type: 'application/pdf',
        sha256: 'grwfwe/',
        id: '1234567890987654321',
      },
    },
    (i) => ({
      ...base('wamid.E', '1697043666', 'document', 'document', i),
      text: 'caption',
      media: { id: '1234567890987654321', mimeType: 'application/pdf', sha256: 'grwfwe/', caption: 'caption', filename: 'filename.pdf' },
    }),
  ],
  [
    'sticker',
    {
      from: '16505551234',
      id: 'wamid.F',
      timestamp: '1697043785',
      type: 'sticker',
      sticker: { mime_type: 'image/webp', sha256: 'HcwyCKrT', id: '1234567890987654321', animated: true },
    },
    (i) => ({
      ...base('wamid.F', '1697043785', 'sticker', 'sticker', i),
      media: { id: '1234567890987654321', mimeType: 'image/webp', sha256: 'HcwyCKrT', animated: true },
    }),
  ],
  [
    'location',
    {
      from: '16505551234',
      id: 'wamid.G',
      timestamp: '1697044557',
      type: 'location',
      location: {
        latitude: 37.4611978,
        longitude: -122.2164385,
        name: 'Facebook HQ',
        address: '1 Hacker Way, Menlo Park, CA 94025',
        url: 'https://maps.google.com/?cid=2000000000000000000',
      },
    },
    (i) => ({
      ...base('wamid.G', '1697044557', 'location', 'location', i),
      location: {
        latitude: 37.4611978,
        longitude: -122.2164385,
        name: 'Facebook HQ',
        address: '1 Hacker Way, Menlo Park, CA 94025',
        url: 'https://maps.google.com/?cid=2000000000000000000',
      },
    }),
  ],
  [
    'contacts',
    {
      from: '16505551234',
      id: 'wamid.H',
      timestamp: '1697044621',
      type: 'contacts',
      contacts: [
        {
          name: { first_name: 'Chandler', last_name: 'Bing', formatted_name: 'Chandler Bing' },
          phones: [{ phone: '+1 555-555-5555', wa_id: '15555555555', type: 'CELL' }],
          emails: [{ email: 'c@x.com', type: 'WORK' }],
          birthday: '1970-01-01',
        },
      ],
    },
    (i) => ({
      ...base('wamid.H', '1697044621', 'contacts', 'contacts', i),
      contacts: [
        {
          name: { first_name: 'Chandler', last_name: 'Bing', formatted_name: 'Chandler Bing' },
          phones: [{ phone: '+1 555-555-5555', wa_id: '15555555555', type: 'CELL' }],
          emails: [{ email: 'c@x.com', type: 'WORK' }],
          birthday: '1970-01-01',
        },
      ],
    }),
  ],
  [
    'interactive button_reply',
    {
      context: BIZ_CONTEXT,
      from: '16505551234',
      id: 'wamid.I',
      timestamp: '1750025136',
      type: 'interactive',
      interactive: { type: 'button_reply', button_reply: { id: 'cancel-button', title: 'Cancel' } },
    },
    (i) => ({
      ...base('wamid.I', '1750025136', 'interactive_reply', 'interactive', i),
      context: { messageId: 'wamid.BIZ', from: '15550783881' },
      text: 'Cancel',
      reply: { kind: 'button_reply', id: 'cancel-button', title: 'Cancel' },
    }),
  ],
  [
    'interactive list_reply',
    {
      context: BIZ_CONTEXT,
      from: '16505551234',
      id: 'wamid.J',
      timestamp: '1749854575',
      type: 'interactive',
      interactive: {
        type: 'list_reply',
        list_reply: { id: 'priority_express', title: 'Priority Mail Express', description: 'Next Day to 2 Days' },
      },
    },
    (i) => ({
      ...base('wamid.J', '1749854575', 'interactive_reply', 'interactive', i),
      context: { messageId: 'wamid.BIZ', from: '15550783881' },
      text: 'Priority Mail Express',
      reply: { kind: 'list_reply', id: 'priority_express', title: 'Priority Mail Express', description: 'Next Day to 2 Days' },
    }),
  ],
  [
    'interactive nfm_reply (flow)',
    {
      context: BIZ_CONTEXT,
      from: '16505551234',
      id: 'wamid.K',
      timestamp: '1702502473',
      type: 'interactive',
      interactive: {
        type: 'nfm_reply',
        nfm_reply: { name: 'flow', body: 'Sent', response_json: '{"flow_token":"AQAAAAACS5FpgQ_cAAAAAD0QI3s.","delivery_rating":"4"}' },
      },
    },
    (i) => ({
      ...base('wamid.K', '1702502473', 'interactive_reply', 'interactive', i),
      context: { messageId: 'wamid.BIZ', from: '15550783881' },
      text: 'Sent',
      reply: {
        kind: 'nfm_reply',
        id: 'flow',
        title: 'Sent',
        responseJson: '{"flow_token":"AQAAAAACS5FpgQ_cAAAAAD0QI3s.","delivery_rating":"4"}',
      },
    }),
  ],
  [
    'interactive call_permission_reply',
    {
      context: BIZ_CONTEXT,
      from: '16505551234',
      id: 'wamid.K2',
      timestamp: '1702502473',
      type: 'interactive',
      interactive: {
        type: 'call_permission_reply',
        call_permission_reply: {
          response: 'accept',
          is_permanent: false,
          expiration_timestamp: 1745343479,
          response_source: 'user_action',
        },
      },
    },
    (i) => ({
      ...base('wamid.K2', '1702502473', 'call_permission_reply', 'call_permission_reply', i),
      context: { messageId: 'wamid.BIZ', from: '15550783881' },
      callPermission: { response: 'accept', permanent: false, expiresAt: 1745343479000, source: 'user_action' },
    }),
  ],
  [
    'interactive of an unknown sub-type',
    {
      context: BIZ_CONTEXT,
      from: '16505551234',
      id: 'wamid.K3',
      timestamp: '1702502473',
      type: 'interactive',
      interactive: { type: 'voice_call_future', voice_call_future: {} },
    },
    (i) => ({
      ...base('wamid.K3', '1702502473', 'unsupported', 'voice_call_future', i),
      context: { messageId: 'wamid.BIZ', from: '15550783881' },
    }),
  ],
  [
    'template quick-reply button',
    {
      context: { from: '15550783881', id: 'wamid.TPL' },
      from: '16505551234',
      id: 'wamid.L',
      timestamp: '1698269027',
      type: 'button',
      button: { payload: 'callback_data', text: 'title' },
    },
    (i) => ({
      ...base('wamid.L', '1698269027', 'button', 'button', i),
      context: { messageId: 'wamid.TPL', from: '15550783881' },
      text: 'title',
      reply: { kind: 'button', id: 'callback_data', title: 'title' },
    }),
  ],
  [
    'template quick-reply without context',
    { from: '16505551234', id: 'wamid.L2', timestamp: '1698269027', type: 'button', button: { payload: 'UNSUB', text: 'Stop' } },
    (i) => ({
      ...base('wamid.L2', '1698269027', 'button', 'button', i),
      text: 'Stop',
      reply: { kind: 'button', id: 'UNSUB', title: 'Stop' },
    }),
  ],
  [
    'reaction',
    {
      from: '16505551234',
      id: 'wamid.M',
      timestamp: '1697044456',
      type: 'reaction',
      reaction: { message_id: 'wamid.BIZ', emoji: '\ud83d\ude2e' },
    },
    (i) => ({ ...base('wamid.M', '1697044456', 'reaction', 'reaction', i), reaction: { messageId: 'wamid.BIZ', emoji: '\ud83d\ude2e' } }),
  ],
  [
    'reaction removed',
    { from: '16505551234', id: 'wamid.M2', timestamp: '1697044456', type: 'reaction', reaction: { message_id: 'wamid.BIZ' } },
    (i) => ({ ...base('wamid.M2', '1697044456', 'reaction', 'reaction', i), reaction: { messageId: 'wamid.BIZ', emoji: '' } }),
  ],
  [
    'order',
    {
      from: '16505551234',
      id: 'wamid.N',
      timestamp: '1697044668',
      type: 'order',
      order: {
        catalog_id: '354160437058781',
        text: '',
        product_items: [{ product_retailer_id: 'HAMBURGER', quantity: 3, item_price: 30, currency: 'ILS' }],
      },
    },
    (i) => ({
      ...base('wamid.N', '1697044668', 'order', 'order', i),
      order: { catalogId: '354160437058781', items: [{ product_retailer_id: 'HAMBURGER', quantity: 3, item_price: 30, currency: 'ILS' }] },
    }),
  ],
  [
    'system (number change, no contacts)',
    {
      from: '16505551234',
      id: 'wamid.O',
      timestamp: '1753851315',
      type: 'system',
      system: { body: 'User A changed from 16505551234 to 16505559999', wa_id: '16505559999', type: 'user_changed_number' },
    },
    (i) => {
      const { profileName: _none, ...m } = base('wamid.O', '1753851315', 'system', 'system', i);
      return { ...m, text: 'User A changed from 16505551234 to 16505559999', system: { type: 'user_changed_number', waId: '16505559999' } };
    },
  ],
  [
    'unsupported (pool) with errors',
    {
      from: '16505551234',
      id: 'wamid.P',
      timestamp: '1697044706',
      type: 'unsupported',
      unsupported: { type: 'pool' },
      errors: [
        {
          code: 131051,
          title: 'Message type unknown',
          message: 'Message type unknown',
          error_data: { details: 'Message type is currently not supported.' },
        },
      ],
    },
    (i) => ({
      ...base('wamid.P', '1697044706', 'unsupported', 'pool', i),
      errors: [
        {
          code: 131051,
          title: 'Message type unknown',
          message: 'Message type unknown',
          details: 'Message type is currently not supported.',
        },
      ],
    }),
  ],
  [
    'unknown (older payloads)',
    {
      from: '16505551234',
      id: 'wamid.P2',
      timestamp: '1697044706',
      type: 'unknown',
      errors: [{ code: 131051, details: 'Message type is not currently supported', title: 'Unsupported message type' }],
    },
    (i) => ({
      ...base('wamid.P2', '1697044706', 'unsupported', 'unknown', i),
      errors: [{ code: 131051, title: 'Unsupported message type' }],
    }),
  ],
  [
    'a type invented tomorrow',
    { from: '16505551234', id: 'wamid.P3', timestamp: '1697044706', type: 'hologram', hologram: { x: 1 } },
    (i) => base('wamid.P3', '1697044706', 'unsupported', 'hologram', i),
  ],
  [
    'request_welcome',
    { from: '16505551234', id: 'wamid.Q', timestamp: '1700000000', type: 'request_welcome' },
    (i) => base('wamid.Q', '1700000000', 'request_welcome', 'request_welcome', i),
  ],
  [
    'revoke',
    { from: '16505551234', id: 'wamid.R', timestamp: '1749854575', type: 'revoke', revoke: { original_message_id: 'wamid.OLD' } },
    (i) => ({ ...base('wamid.R', '1749854575', 'revoke', 'revoke', i), context: { messageId: 'wamid.OLD' } }),
  ],
  [
    'edit',
    {
      from: '16505551234',
      id: 'wamid.S',
      timestamp: '1749854575',
      type: 'edit',
      edit: { original_message_id: 'wamid.OLD', message: { type: 'text', text: { body: 'Text was edited' } } },
    },
    (i) => ({ ...base('wamid.S', '1749854575', 'edit', 'edit', i), context: { messageId: 'wamid.OLD' }, text: 'Text was edited' }),
  ],
  [
    'edit of a caption',
    {
      from: '16505551234',
      id: 'wamid.S2',
      timestamp: '1749854575',
      type: 'edit',
      edit: { original_message_id: 'wamid.OLD', message: { type: 'image', image: { id: '1', caption: 'new caption' } } },
    },
    (i) => ({ ...base('wamid.S2', '1749854575', 'edit', 'edit', i), context: { messageId: 'wamid.OLD' }, text: 'new caption' }),
  ],
];

for (const [name, item, expected] of fixtures) {
  test(`inbound ${name}`, () => {
    const contacts = item.type === 'system' ? null : CONTACTS; // system webhooks carry no contacts[]
    assert.deepEqual(parseOne(item, contacts), expected(item));
  });
}

test('context: forwarded flags and referred product', () => {
  const forwarded = parseOne({
    from: '16505551234',
    id: 'wamid.X1',
    timestamp: '1',
    type: 'text',
    text: { body: 'fw' },
    context: { forwarded: true },
  });
  assert.deepEqual(forwarded.context, { forwarded: true });
  const frequently = parseOne({
    from: '16505551234',
    id: 'wamid.X2',
    timestamp: '1',
    type: 'text',
    text: { body: 'fw' },
    context: { frequently_forwarded: true },
  });
  assert.deepEqual(frequently.context, { frequentlyForwarded: true });
  const product = { catalog_id: '354160437058781', product_retailer_id: 'SKU-1' };
  const enquiry = parseOne({
    from: '16505551234',
    id: 'wamid.X3',
    timestamp: '1',
    type: 'text',
    text: { body: 'price?' },
    context: { from: '15550783881', id: 'wamid.CAT', referred_product: product },
  });
  assert.deepEqual(enquiry.context, { messageId: 'wamid.CAT', from: '15550783881', referredProduct: product });
});

test('referral from a click-to-WhatsApp ad is kept as sent', () => {
  const referral = {
    source_url: 'https://fb.me/3cr4Wqqkv',
    source_id: '120226305854810726',
    source_type: 'ad',
    body: 'Summer succulents are here!',
    headline: 'Chat with us',
    media_type: 'image',
    image_url: 'https://scontent.xx.fbcdn.net/v/t45.1',
    ctwa_clid: 'Aff-n8ZTODiE79d22',
    welcome_message: { text: 'Hi there!' },
  };
  const m = parseOne({ from: '16505551234', id: 'wamid.AD', timestamp: '1', type: 'text', text: { body: 'Hi' }, referral });
  assert.deepEqual(m.referral, referral);
});

test('profileName is matched by wa_id, not by position', () => {
  const contacts = [
    { profile: { name: 'Someone Else' }, wa_id: '19995550000' },
    { profile: { name: 'Sheena Nelson' }, wa_id: '16505551234' },
  ];
  assert.equal(
    parseOne({ from: '16505551234', id: 'wamid.PN', timestamp: '1', type: 'text', text: { body: 'x' } }, contacts).profileName,
    'Sheena Nelson',
  );
  const strangers = [{ profile: { name: 'Someone Else' }, wa_id: '19995550000' }];
  assert.equal(
    parseOne({ from: '16505551234', id: 'wamid.PN2', timestamp: '1', type: 'text', text: { body: 'x' } }, strangers).profileName,
    undefined,
  );
});

test('a user without a visible number (BSUID) is identified by from_user_id', () => {
  const contacts = [{ profile: { name: 'Hidden', username: 'hidden' }, user_id: 'US.13491208655302741918' }];
  const m = parseOne(
    { from_user_id: 'US.13491208655302741918', id: 'wamid.U', timestamp: '1', type: 'text', text: { body: 'hi' } },
    contacts,
  );
  assert.equal(m.from, 'US.13491208655302741918');
  assert.equal(m.profileName, 'Hidden');
});

test('sentAt falls back to receivedAt when the timestamp is missing or invalid', () => {
  for (const timestamp of [undefined, '', 'soon', '-5', null, {}, '0']) {
    const m = parseOne({ from: '16505551234', id: 'wamid.T', timestamp, type: 'text', text: { body: 'x' } });
    assert.equal(m.sentAt, RECEIVED_AT, String(timestamp));
  }
  assert.equal(
    parseOne({ from: '16505551234', id: 'wamid.T', timestamp: 1697043223, type: 'text', text: { body: 'x' } }).sentAt,
    1697043223000,
  );
});

test('several entries, changes and messages in one delivery keep their order and account ids', () => {
  const second = {
    messaging_product: 'whatsapp',
    metadata: { display_phone_number: '15550000000', phone_number_id: '999' },
    messages: [{ from: '2', id: 'wamid.3', timestamp: '3', type: 'text', text: { body: 'three' } }],
  };
  const body = {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: '1',
        changes: [
          {
            field: 'messages',
            value: messagesValue([
              { from: '16505551234', id: 'wamid.1', timestamp: '1', type: 'text', text: { body: 'one' } },
              { from: '16505551234', id: 'wamid.2', timestamp: '2', type: 'text', text: { body: 'two' } },
            ]),
          },
        ],
      },
      { id: '2', changes: [{ field: 'messages', value: second }] },
    ],
  };
  const r = parseWhatsAppWebhook(body, RECEIVED_AT);
  assert.ok(r.ok);
  assert.deepEqual(
    r.value.messages.map((m) => [m.externalId, m.channelAccountId, m.text]),
    [
      ['wamid.1', PNID, 'one'],
      ['wamid.2', PNID, 'two'],
      ['wamid.3', '999', 'three'],
    ],
  );
});

test('receivedAt defaults to the current time', () => {
  const before = Date.now();
  const r = parseWhatsAppWebhook(envelope(messagesValue([{ from: '1', id: 'wamid.NOW', type: 'text', text: { body: 'x' } }])));
  assert.ok(r.ok);
  const sentAt = r.value.messages[0]?.sentAt ?? 0;
  assert.ok(sentAt >= before && sentAt <= Date.now());
});
