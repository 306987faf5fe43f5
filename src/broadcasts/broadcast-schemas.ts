import { type TSchema, Type } from 'typebox';

// The same helpers as http/route-schema.ts's, which this module (below the HTTP edge) may not import.
const Timestamp = (description = 'ISO 8601 time') => Type.String({ format: 'date-time', description });
const Nullable = <T extends TSchema>(schema: T, options: Record<string, unknown> = {}) => Type.Union([schema, Type.Null()], options);

// The HTTP contract of /api/v1/broadcasts and /api/v1/audiences (docs/broadcasts.md), in TypeBox.

const Counts = Type.Object({
  pending: Type.Integer({ description: 'frozen, not yet handed to the outbound queue' }),
  queued: Type.Integer({ description: 'in the outbound queue (or being handed to WhatsApp)' }),
  sent: Type.Integer(),
  delivered: Type.Integer(),
  read: Type.Integer(),
  failed: Type.Integer(),
  unconfirmed: Type.Integer({ description: 'the send may or may not have reached WhatsApp; never resent by itself' }),
  total: Type.Integer(),
});

export const Excluded = Type.Object({
  not_opted_in: Type.Integer({ description: 'no recorded opt-in (and no override)' }),
  opted_out: Type.Integer(),
  blocked: Type.Integer({ description: 'blocked by us, or (Telegram) the customer blocked the bot' }),
  not_on_channel: Type.Optional(
    Type.Integer({ description: "text broadcasts (Telegram): the audience's contacts who never wrote to the bot (no chat to send to)" }),
  ),
});

export const broadcastExample = {
  id: 'bc_01JAB',
  name: 'July promo',
  channel_id: 'ch_01J9',
  template_id: 'tpl_01J9',
  audience_id: 'aud_01JAA',
  parameters: { body: { customer_name: { contact: 'name', fallback: 'amigo' }, request_id: { column: 'request_id' } } },
  text: null,
  state: 'running',
  state_reason: null,
  opt_in_override: null,
  rate_per_second: 80,
  scheduled_at: null,
  time_zone: null,
  excluded: { not_opted_in: 3, opted_out: 1, blocked: 0 },
  created_at: '2026-07-01T10:00:00.000Z',
  updated_at: '2026-07-01T10:05:00.000Z',
  started_at: '2026-07-01T10:05:00.000Z',
  ended_at: null,
  counts: { pending: 500, queued: 80, sent: 300, delivered: 100, read: 20, failed: 2, unconfirmed: 0, total: 1002 },
  funnel: {
    recipients: 1002,
    sent: 420,
    delivered: 120,
    read: 20,
    replied: 12,
    failed: 2,
    failed_by_code: { whatsapp_131026: 2 },
    buttons: [
      { button: 'CONTINUE', presses: 9 },
      { button: 'CANCEL', presses: 2 },
    ],
  },
  rates: { sent: 0.4192, delivered: 0.1198, read: 0.02, replied: 0.012, failed: 0.002 },
  cost: { currency: 'USD', estimate: 43.69, recorded: 4.71, priced_messages: 108 },
  waiting: null,
  button_flows: { CONTINUE: 'flow_01JAC', CANCEL: 'flow_01JAD' },
};

export const Broadcast = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    channel_id: Type.String(),
    template_id: Nullable(Type.String(), { description: 'null: a text broadcast on a channel without templates (Telegram)' }),
    text: Nullable(Type.String(), {
      description: 'a text broadcast: the message, its {{1}} / {{name}} filled per recipient from parameters.body',
    }),
    audience_id: Type.String(),
    parameters: Type.Unknown({ description: 'the parameters spec as given' }),
    state: Type.String({ description: 'draft | scheduled | running | paused | completed | cancelled | failed' }),
    state_reason: Nullable(Type.String({ description: 'why it paused or failed' })),
    opt_in_override: Nullable(Type.Object({ reason: Type.String() })),
    rate_per_second: Type.Integer(),
    scheduled_at: Nullable(Timestamp()),
    time_zone: Nullable(Type.String()),
    excluded: Nullable(Excluded, { description: 'counted when the recipients were frozen' }),
    created_at: Timestamp(),
    updated_at: Timestamp(),
    started_at: Nullable(Timestamp()),
    ended_at: Nullable(Timestamp()),
    counts: Counts,
    funnel: Type.Object({
      recipients: Type.Integer(),
      sent: Type.Integer({ description: 'reached sent (or further: a read message was also sent and delivered)' }),
      delivered: Type.Integer(),
      read: Type.Integer(),
      replied: Type.Integer({ description: 'wrote back within 72 h of the send, or pressed a quick-reply button' }),
      failed: Type.Integer(),
      failed_by_code: Type.Record(Type.String(), Type.Integer(), { description: 'failed recipients per error code' }),
      buttons: Type.Array(Type.Object({ button: Type.String({ description: 'the payload (or the text)' }), presses: Type.Integer() }), {
        description: 'quick-reply button presses per button',
      }),
    }),
    rates: Type.Object(
      { sent: Type.Number(), delivered: Type.Number(), read: Type.Number(), replied: Type.Number(), failed: Type.Number() },
      { description: 'each funnel step over the recipients (0 to 1; 0 before the broadcast starts)' },
    ),
    cost: Type.Object({
      currency: Type.String(),
      estimate: Type.Number({ description: 'the rate card at start, all recipients' }),
      recorded: Type.Number({ description: 'the price of the category Meta reported, summed as the pricing callbacks arrive' }),
      priced_messages: Type.Integer({ description: 'messages with a pricing callback so far' }),
    }),
    waiting: Nullable(
      Type.Object({
        reason: Type.String({ description: 'messaging_tier: ... (the number reached its unique customers for the rolling 24 h)' }),
        until: Nullable(Timestamp('when a place frees')),
      }),
      { description: 'running but sending nothing now, and why' },
    ),
    button_flows: Nullable(Type.Record(Type.String(), Type.String(), { description: 'button payload (or text) -> flow id' })),
  },
  { examples: [broadcastExample] },
);

const ParameterSpec = Type.Unknown({
  description:
    'Template parameters as for a single send ({header?, body?, buttons?}); any value may be {"column": "<CSV column>"} or {"contact": "name|profile_name|phone|bsuid|attributes.<key>", "fallback": "..."}',
});

export const CreateBroadcastBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    channel_id: Type.Optional(Type.String({ description: 'the number; default: the first configured' })),
    template: Type.Optional(
      Type.String({ minLength: 1, description: 'a WhatsApp number: the template id (tpl_...) or name (required there)' }),
    ),
    text: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 4096,
        description:
          'a channel without templates (a Telegram bot): the message (required there), with {{1}}... or {{name}} placeholders filled per recipient from parameters.body',
      }),
    ),
    language: Type.Optional(Type.String()),
    audience_id: Type.String({ minLength: 1 }),
    parameters: Type.Optional(ParameterSpec),
    override_opt_in: Type.Optional(
      Type.Object(
        { reason: Type.String({ minLength: 1 }) },
        { additionalProperties: false, description: 'UTILITY templates only: also send to contacts with no recorded opt-in' },
      ),
    ),
    rate_per_second: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 1000,
        description: "messages per second (default 80), never above the number's configured limit",
      }),
    ),
    button_flows: Type.Optional(
      Type.Record(Type.String({ minLength: 1 }), Type.String({ minLength: 1 }), {
        description:
          "a quick-reply button's payload (or its text) -> the flow a press starts in the customer's conversation (e.g. continue / cancel)",
      }),
    ),
  },
  {
    additionalProperties: false,
    examples: [
      {
        name: 'July promo',
        template: 'promo_julio',
        language: 'es_MX',
        audience_id: 'aud_01JAA',
        parameters: { body: [{ contact: 'name', fallback: 'amigo' }] },
      },
      {
        name: 'Confirm your appointment',
        template: 'cita_confirmar',
        language: 'es_MX',
        audience_id: 'aud_01JAA',
        parameters: { body: [{ column: 'date' }] },
        button_flows: { CONTINUE: 'flow_01JAC', CANCEL: 'flow_01JAD' },
      },
      {
        name: 'Telegram: your order ships',
        channel_id: 'tg_7123456789',
        text: 'Hola {{1}}, tu pedido {{2}} sale hoy.',
        audience_id: 'aud_01JAA',
        parameters: { body: [{ contact: 'name', fallback: 'cliente' }, { column: 'request_id' }] },
        rate_per_second: 30,
      },
    ],
  },
);

export const StartBody = Type.Object(
  {
    at: Type.Optional(
      Type.String({ description: 'when: ISO 8601 with an offset, or a local time like 2026-07-15T09:00 with time_zone; absent: now' }),
    ),
    time_zone: Type.Optional(Type.String({ description: 'IANA time zone, e.g. America/Mexico_City' })),
  },
  { additionalProperties: false, examples: [{}, { at: '2026-07-15T09:00', time_zone: 'America/Mexico_City' }] },
);

export const RecipientError = Type.Object({
  contact_id: Type.String(),
  address: Type.String(),
  line: Nullable(Type.Integer({ description: 'the CSV line' })),
  code: Type.String({ description: 'template_param_missing, missing_variable, ...' }),
  message: Type.String(),
  details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
});

export const Cost = Type.Object({
  currency: Type.String(),
  total: Type.Number(),
  by_category: Type.Record(Type.String(), Type.Number()),
  by_country: Type.Record(Type.String(), Type.Object({ recipients: Type.Integer(), amount: Type.Number() })),
});
const costExample = {
  currency: 'USD',
  total: 24.9,
  by_category: { marketing: 24.9 },
  by_country: { MX: { recipients: 900, amount: 21.92 }, US: { recipients: 100, amount: 2.98 } },
};

export const Validation = Type.Object(
  {
    ok: Type.Boolean({ description: 'true when it can start' }),
    template_status: Nullable(Type.String(), { description: 'null: a text broadcast (no template)' }),
    recipients: Type.Integer({ description: 'who would be sent to now' }),
    excluded: Excluded,
    error_count: Type.Integer(),
    errors: Type.Array(RecipientError, { description: 'the first 500' }),
  },
  {
    examples: [
      {
        ok: false,
        template_status: 'APPROVED',
        recipients: 998,
        excluded: { not_opted_in: 3, opted_out: 1, blocked: 0 },
        error_count: 1,
        errors: [
          {
            contact_id: 'ct_01',
            address: '+5215512345678',
            line: 7,
            code: 'missing_variable',
            message: 'No value in column "request_id" (line 7).',
          },
        ],
      },
    ],
  },
);

export const Estimate = Type.Object(
  { recipients: Type.Integer(), excluded: Excluded, cost: Cost },
  { examples: [{ recipients: 1000, excluded: { not_opted_in: 3, opted_out: 1, blocked: 0 }, cost: costExample }] },
);

export const Recipient = Type.Object({
  seq: Type.Integer(),
  contact_id: Type.String(),
  address: Type.String({ description: 'E.164 phone, or the BSUID' }),
  status: Type.String({ description: 'pending | queued | sent | delivered | read | failed | unconfirmed' }),
  error: Nullable(Type.Object({ code: Nullable(Type.String()), message: Nullable(Type.String()) })),
  message_id: Nullable(Type.String()),
  queued_at: Nullable(Timestamp()),
  price_estimate: Type.Number(),
});

export const RecipientPage = Type.Object(
  { data: Type.Array(Recipient), next_cursor: Nullable(Type.String()) },
  {
    examples: [
      {
        data: [
          {
            seq: 1,
            contact_id: 'ct_01',
            address: '+5215512345678',
            status: 'delivered',
            error: null,
            message_id: 'msg_01',
            queued_at: '2026-07-01T10:05:00.000Z',
            price_estimate: 0.0436,
          },
        ],
        next_cursor: '1',
      },
    ],
  },
);

export const Segment = Type.Object(
  {
    tags: Type.Optional(Type.Array(Type.String(), { description: 'contact tags: all of them' })),
    labels: Type.Optional(
      Type.Array(Type.String(), { description: "conversation labels: any of them, on any of the contact's conversations" }),
    ),
    attributes: Type.Optional(
      Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean()]), {
        description: 'contact attributes, each equal',
      }),
    ),
    opted_in: Type.Optional(Nullable(Type.Boolean(), { description: 'true: opted in; false: opted out; null: never recorded' })),
    last_seen_after: Type.Optional(Timestamp('the customer last wrote at or after')),
    last_seen_before: Type.Optional(Timestamp('the customer last wrote before')),
    last_conversation_after: Type.Optional(Timestamp('a conversation with the contact had activity at or after')),
    last_conversation_before: Type.Optional(Timestamp("the contact's latest conversation activity is before (or none)")),
    replied_to_broadcast: Type.Optional(Type.String({ description: 'a broadcast id: contacts who replied to it' })),
  },
  { additionalProperties: false },
);

const RejectedRow = Type.Object({
  line: Type.Integer(),
  reason: Type.String({
    description:
      'bad_number | missing_variable | duplicate | opted_out | blocked | unknown_chat (a Telegram chat id no customer wrote from)',
  }),
  message: Type.String(),
  value: Type.Optional(Type.String()),
});
export const ImportReport = Type.Object({
  imported: Type.Integer(),
  rejected: Type.Integer(),
  by_reason: Type.Record(Type.String(), Type.Integer()),
  rejected_rows: Type.Array(RejectedRow, { description: 'the first 1,000' }),
});

export const audienceExample = {
  id: 'aud_01JAA',
  name: 'July customers',
  kind: 'csv',
  segment: null,
  columns: ['customer_name', 'request_id'],
  default_country: 'MX',
  members: 998,
  members_by_channel: { whatsapp: 998, telegram: 0 },
  rejected: 2,
  created_at: '2026-07-01T09:00:00.000Z',
};
export const Audience = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    kind: Type.String({ description: 'csv | segment' }),
    segment: Nullable(Segment),
    columns: Nullable(Type.Array(Type.String(), { description: "the CSV's variable columns" })),
    default_country: Nullable(Type.String()),
    members: Type.Integer({ description: 'CSV: rows imported; segment: contacts matching now, on any channel' }),
    members_by_channel: Type.Object(
      {
        whatsapp: Type.Integer({ description: 'members with a WhatsApp identity: what a broadcast on a WhatsApp number considers' }),
        telegram: Type.Integer({
          description: 'members with a Telegram chat (merged contacts too): what a text broadcast on a bot considers',
        }),
      },
      {
        description:
          'the members per channel kind, before opt-in and (Telegram) whether they wrote to that bot; a merged contact counts on both',
      },
    ),
    rejected: Type.Integer({ description: 'CSV rows not imported' }),
    created_at: Timestamp(),
  },
  { examples: [audienceExample] },
);
export const reportExample = {
  imported: 998,
  rejected: 2,
  by_reason: { bad_number: 1, missing_variable: 0, duplicate: 1, opted_out: 0, blocked: 0 },
  rejected_rows: [
    { line: 4, reason: 'bad_number', message: 'phone: phone number is too short.', value: '123' },
    { line: 9, reason: 'duplicate', message: 'The same customer as line 2.', value: '+5215512345678' },
  ],
};
