import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseWhatsAppWebhook } from './webhook-parser.ts';

const PNID = '106540352242922';
const METADATA = { display_phone_number: '15550783881', phone_number_id: PNID };

function parse(changes: unknown[], entryExtra: Record<string, unknown> = {}) {
  const r = parseWhatsAppWebhook(
    { object: 'whatsapp_business_account', entry: [{ id: '102290129340398', ...entryExtra, changes }] },
    42_000,
  );
  assert.ok(r.ok, 'valid envelope');
  return r.value;
}

test('status sent with pricing, conversation and biz_opaque_callback_data', () => {
  const item = {
    id: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQUFERjg0NDEzNDdFODU3MUMxMAA=',
    status: 'sent',
    timestamp: '1750030073',
    recipient_id: '16505551234',
    biz_opaque_callback_data: 'order-42',
    conversation: { id: '72b14d6bd5407799e66f64d1b338e567', expiration_timestamp: '1750116480', origin: { type: 'marketing' } },
    pricing: { billable: true, pricing_model: 'PMP', type: 'regular', category: 'marketing' },
  };
  const v = parse([{ field: 'messages', value: { messaging_product: 'whatsapp', metadata: METADATA, statuses: [item] } }]);
  assert.deepEqual(v.statuses, [
    {
      channel: 'whatsapp',
      channelAccountId: PNID,
      externalId: item.id,
      status: 'sent',
      at: 1750030073000,
      recipientId: '16505551234',
      pricing: { billable: true, pricingModel: 'PMP', type: 'regular', category: 'marketing' },
      conversation: { id: '72b14d6bd5407799e66f64d1b338e567', originType: 'marketing', expiresAt: 1750116480000 },
      bizOpaqueCallbackData: 'order-42',
      raw: item,
    },
  ]);
  assert.deepEqual([v.messages, v.templateEvents, v.other], [[], [], []]);
});

test('status failed with errors', () => {
  const item = {
    id: 'wamid.FAIL',
    status: 'failed',
    timestamp: '1751142888',
    recipient_id: '16505551234',
    errors: [
      {
        code: 131049,
        title: 'This message was not delivered to maintain healthy ecosystem engagement.',
        message: 'This message was not delivered to maintain healthy ecosystem engagement.',
        error_data: { details: 'In order to maintain a healthy ecosystem engagement, the message failed to be delivered.' },
        href: '/documentation/business-messaging/whatsapp/support/error-codes',
      },
    ],
  };
  const v = parse([{ field: 'messages', value: { messaging_product: 'whatsapp', metadata: METADATA, statuses: [item] } }]);
  assert.deepEqual(v.statuses, [
    {
      channel: 'whatsapp',
      channelAccountId: PNID,
      externalId: 'wamid.FAIL',
      status: 'failed',
      at: 1751142888000,
      recipientId: '16505551234',
      errors: [
        {
          code: 131049,
          title: 'This message was not delivered to maintain healthy ecosystem engagement.',
          message: 'This message was not delivered to maintain healthy ecosystem engagement.',
          details: 'In order to maintain a healthy ecosystem engagement, the message failed to be delivered.',
        },
      ],
      raw: item,
    },
  ]);
});

test('batched statuses: every state, unknown state and garbage filed as invalid_item', () => {
  const items = ['sent', 'delivered', 'read', 'played', 'failed'].map((status, i) => ({
    id: `wamid.${i}`,
    status,
    timestamp: '1750030073',
    recipient_id: '1',
  }));
  const unknown = { id: 'wamid.W', status: 'warning', timestamp: '1' };
  const noId = { status: 'read', timestamp: '1' };
  const v = parse([
    { field: 'messages', value: { messaging_product: 'whatsapp', metadata: METADATA, statuses: [...items, unknown, noId, 7, null] } },
  ]);
  assert.deepEqual(
    v.statuses.map((s) => s.status),
    ['sent', 'delivered', 'read', 'played', 'failed'],
  );
  assert.deepEqual(
    v.other,
    [unknown, noId, 7, null].map((value) => ({ field: 'invalid_item', value })),
  );
});

test('status without timestamp uses receivedAt; BSUID recipient', () => {
  const v = parse([
    { field: 'messages', value: { metadata: METADATA, statuses: [{ id: 'wamid.B', status: 'read', recipient_user_id: 'US.1' }] } },
  ]);
  assert.equal(v.statuses[0]?.at, 42_000);
  assert.equal(v.statuses[0]?.recipientId, 'US.1');
});

test('message_template_status_update: numeric template id becomes a string', () => {
  const value = {
    event: 'REJECTED',
    message_template_id: 1689556908129835,
    message_template_name: 'abandoned_cart',
    message_template_language: 'en',
    reason: 'INVALID_FORMAT',
    message_template_category: 'MARKETING',
    rejection_info: { reason: 'adjacent params', recommendation: 'separate them' },
  };
  const v = parse([{ field: 'message_template_status_update', value }], { time: 1751247548 });
  assert.deepEqual(v.templateEvents, [
    {
      channel: 'whatsapp',
      businessAccountId: '102290129340398',
      templateId: '1689556908129835',
      name: 'abandoned_cart',
      language: 'en',
      event: 'REJECTED',
      reason: 'INVALID_FORMAT',
      raw: value,
    },
  ]);
});

test('message_template_status_update: reason null (pending deletion) and string ids', () => {
  const value = {
    event: 'PENDING_DELETION',
    message_template_id: '278077987957091',
    message_template_name: 'x',
    message_template_language: 'en_US',
    reason: null,
  };
  const v = parse([{ field: 'message_template_status_update', value }]);
  assert.equal(v.templateEvents[0]?.templateId, '278077987957091');
  assert.equal(v.templateEvents[0]?.reason, null);
  const broken = { event: 'APPROVED', message_template_name: 'x' };
  assert.deepEqual(parse([{ field: 'message_template_status_update', value: broken }]).other, [
    { field: 'invalid_item', value: { field: 'message_template_status_update', value: broken } },
  ]);
});

test('other fields pass through as { field, value }', () => {
  const quality = { display_phone_number: '15550783881', event: 'THROUGHPUT_UPGRADE', current_limit: 'TIER_UNLIMITED' };
  const account = {
    event: 'ACCOUNT_RESTRICTION',
    restriction_info: [{ restriction_type: 'RESTRICTED_BIZ_INITIATED_MESSAGING', expiration: 1641330498 }],
  };
  const prefs = {
    messaging_product: 'whatsapp',
    metadata: METADATA,
    user_preferences: [{ wa_id: '16505551234', category: 'marketing_messages', value: 'stop', timestamp: 1731705721 }],
  };
  const v = parse([
    { field: 'phone_number_quality_update', value: quality },
    { field: 'account_update', value: account },
    { field: 'user_preferences', value: prefs },
  ]);
  assert.deepEqual(v.other, [
    { field: 'phone_number_quality_update', value: quality },
    { field: 'account_update', value: account },
    { field: 'user_preferences', value: prefs },
  ]);
});

test('value-level errors[] on a messages change are passed on', () => {
  const value = { messaging_product: 'whatsapp', metadata: METADATA, errors: [{ code: 130429, title: 'Rate limit hit' }] };
  assert.deepEqual(parse([{ field: 'messages', value }]).other, [{ field: 'messages', value }]);
});

test('not a WhatsApp envelope: ok:false with a reason', () => {
  for (const body of [
    null,
    'x',
    42,
    [],
    {},
    { object: 'page', entry: [] },
    { object: 'whatsapp_business_account' },
    { object: 'whatsapp_business_account', entry: {} },
  ]) {
    const r = parseWhatsAppWebhook(body);
    assert.equal(r.ok, false, JSON.stringify(body));
    if (!r.ok) assert.ok(r.reason.length > 0);
  }
  assert.deepEqual(parseWhatsAppWebhook({ object: 'whatsapp_business_account', entry: [] }), {
    ok: true,
    value: { messages: [], statuses: [], templateEvents: [], other: [] },
  });
});
