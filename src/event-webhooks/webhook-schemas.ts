import { type TSchema, Type } from 'typebox';

/** The API shapes of webhook-views.ts, as TypeBox schemas. */

// The same helpers as http/route-schema.ts's, which this module (below the HTTP edge) may not import.
const Nullable = <T extends TSchema>(schema: T, options: Record<string, unknown> = {}) => Type.Union([schema, Type.Null()], options);
const Timestamp = (description = 'ISO 8601 time') => Type.String({ format: 'date-time', description });

const subscriptionExample = {
  id: 'wh_01J9Z',
  url: 'https://example.com/hooks/switchboard',
  events: ['message.received', 'conversation.closed'],
  description: 'CRM sync',
  active: true,
  max_concurrency: 4,
  secret: '****k9Qz',
  created_at: '2026-05-01T10:00:00.000Z',
  updated_at: '2026-05-01T10:00:00.000Z',
};

const subscriptionFields = {
  id: Type.String(),
  url: Type.String(),
  events: Type.Array(Type.String(), { description: 'event types, or ["*"]' }),
  description: Nullable(Type.String()),
  active: Type.Boolean(),
  max_concurrency: Type.Integer(),
  secret: Type.String({ description: 'masked (****abcd) except in the answer to POST /api/v1/webhooks, the only time it is shown' }),
  created_at: Timestamp(),
  updated_at: Timestamp(),
};

export const Subscription = (description: string, secretShown = false) =>
  Type.Object(subscriptionFields, {
    description,
    examples: [secretShown ? { ...subscriptionExample, secret: 'whsec_Hq3v0c8mC1kPzY2bW7nL4rT6uJ9xA5k9Qz' } : subscriptionExample],
  });

export const SubscriptionList = Type.Object(
  { data: Type.Array(Type.Object(subscriptionFields)) },
  { examples: [{ data: [subscriptionExample] }] },
);

const Attempt = Type.Object({
  attempt: Type.Integer({ description: '1 for the first try' }),
  url: Type.String(),
  started_at: Timestamp(),
  duration_ms: Type.Number(),
  status_code: Nullable(Type.Integer({ description: "the receiver's HTTP status; null when no answer came" })),
  error: Nullable(Type.String()),
  response_excerpt: Nullable(Type.String({ description: "the start of the receiver's answer" })),
});

const deliveryFields = {
  id: Type.String(),
  subscription_id: Type.String(),
  event: Type.Object({ id: Type.String({ description: 'the event id (receivers deduplicate on it)' }), type: Type.String() }),
  status: Type.String({
    enum: ['pending', 'succeeded', 'dead'],
    description: 'pending (being tried or retried), succeeded, or dead (retries exhausted)',
  }),
  attempts: Type.Integer(),
  next_attempt_at: Nullable(Timestamp('the next try, while pending')),
  last_attempt_at: Nullable(Timestamp()),
  last_status_code: Nullable(Type.Integer()),
  last_error: Nullable(Type.String()),
  replay_of: Nullable(Type.String({ description: 'the delivery this one replays' })),
  created_at: Timestamp(),
  completed_at: Nullable(Timestamp()),
  attempt_log: Type.Array(Attempt, { description: 'every try, oldest first' }),
};

const deliveryExample = {
  id: 'whd_01j9z',
  subscription_id: 'wh_01J9Z',
  event: { id: 'evt_01J9Z', type: 'message.received' },
  status: 'succeeded',
  attempts: 1,
  next_attempt_at: null,
  last_attempt_at: '2026-05-01T10:00:01.000Z',
  last_status_code: 200,
  last_error: null,
  replay_of: null,
  created_at: '2026-05-01T10:00:00.000Z',
  completed_at: '2026-05-01T10:00:01.000Z',
  attempt_log: [
    {
      attempt: 1,
      url: 'https://example.com/hooks/switchboard',
      started_at: '2026-05-01T10:00:01.000Z',
      duration_ms: 84,
      status_code: 200,
      error: null,
      response_excerpt: 'ok',
    },
  ],
};

export const Delivery = (description: string) =>
  Type.Object(deliveryFields, {
    description,
    examples: [
      {
        ...deliveryExample,
        id: 'whd_01j9y',
        status: 'pending',
        attempts: 0,
        last_attempt_at: null,
        last_status_code: null,
        completed_at: null,
        next_attempt_at: '2026-05-01T10:05:00.000Z',
        replay_of: 'whd_01j9z',
        attempt_log: [],
      },
    ],
  });

export const DeliveryPage = Type.Object(
  {
    data: Type.Array(Type.Object(deliveryFields)),
    next_cursor: Nullable(Type.String({ description: 'pass as cursor for the next page; null on the last page' })),
  },
  { examples: [{ data: [deliveryExample], next_cursor: null }] },
);

export const TestPing = Type.Object(
  { event_id: Type.String(), delivery_id: Nullable(Type.String({ description: "the ping's delivery to this subscription" })) },
  { examples: [{ event_id: 'evt_01J9Z', delivery_id: 'whd_01j9z' }] },
);
