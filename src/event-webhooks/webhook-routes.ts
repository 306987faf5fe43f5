import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { HttpError } from '../core/http-error.ts';
import { newId } from '../core/ids.ts';
import type { Deps } from '../deps.ts';
import { fieldError, NoContent, Nullable, routeSchema } from '../http/route-schema.ts';
import { attemptsOf, findDelivery, listDeliveries } from './delivery-store.ts';
import { addDelivery, recordEvent } from './emit-event.ts';
import { ALL_EVENTS, EVENT_TYPES, SCOPED_EVENT_TYPES } from './event-types.ts';
import { subscriptionCache } from './subscription-cache.ts';
import {
  deleteSubscription,
  findSubscription,
  insertSubscription,
  listSubscriptions,
  updateSubscription,
  type SubscriptionRow,
} from './subscription-store.ts';
import { checkNewSubscription, checkSubscriptionChanges, type SubscriptionRefusal } from './webhook-validation.ts';
import { Delivery, DeliveryPage, Subscription, SubscriptionList, TestPing } from './webhook-schemas.ts';
import { deliveryView, subscriptionView } from './webhook-views.ts';
import { webhookSettings } from './webhook-settings.ts';

const tags = ['webhooks'];
const params = Type.Object({ id: Type.String({ description: 'webhook subscription id' }) });
const deliveryParams = Type.Object({
  id: Type.String({ description: 'webhook subscription id' }),
  deliveryId: Type.String({ description: 'delivery id' }),
});
const EVENTS_MESSAGE = `"events" must be a non-empty list of event types, or ["${ALL_EVENTS}"].`;

/** The fields of POST and PATCH /api/v1/webhooks; url and events are required on POST (url_required / events_required). */
export const SubscriptionBody = Type.Object(
  {
    url: Type.Optional(
      Type.String({
        maxLength: 2048,
        description:
          'the http(s) URL that receives the events (required on create); private and loopback addresses are refused unless EVENT_WEBHOOKS_ALLOW_PRIVATE=true',
        ...fieldError('invalid_url', 422, '"url" must be a string of at most 2048 characters.'),
      }),
    ),
    events: Type.Optional(
      Type.Array(Type.String(fieldError('invalid_events', 422, EVENTS_MESSAGE)), {
        minItems: 1,
        description: `the event types to receive (required on create): ${EVENT_TYPES.join(', ')}; "flow.succeeded:<flow id>" / "flow.failed:<flow id>" for one flow's results; or ["${ALL_EVENTS}"] for every type, including ones added later`,
        ...fieldError('invalid_events', 422, EVENTS_MESSAGE),
      }),
    ),
    secret: Type.Optional(
      Type.String({
        minLength: 16,
        maxLength: 256,
        pattern: '^\\S+$',
        description: 'the HMAC signing secret, 16 to 256 characters without spaces (generated when left out on create)',
        ...fieldError('invalid_secret', 422, '"secret" must be 16 to 256 characters without spaces (leave it out to have one generated).'),
      }),
    ),
    description: Type.Optional(
      Nullable(
        Type.String({ maxLength: 500, description: 'at most 500 characters' }),
        fieldError('invalid_description', 422, '"description" must be a string of at most 500 characters, or null.'),
      ),
    ),
    active: Type.Optional(
      Type.Boolean({
        description: 'false pauses deliveries (default true)',
        ...fieldError('invalid_active', 422, '"active" must be true or false.'),
      }),
    ),
    max_concurrency: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 16,
        description: 'deliveries in flight at once to this URL, 1 to 16 (default: EVENT_WEBHOOKS_CONCURRENCY)',
        ...fieldError('invalid_max_concurrency', 422, '"max_concurrency" must be a whole number from 1 to 16.'),
      }),
    ),
  },
  {
    additionalProperties: false,
    examples: [
      { url: 'https://example.com/hooks/switchboard', events: ['message.received', 'conversation.closed'], description: 'CRM sync' },
    ],
  },
);

const DeliveriesQuery = Type.Object({
  limit: Type.Optional(
    Type.String({
      description: 'deliveries per page, 1 to 100 (default 20)',
      ...fieldError('invalid_limit', 400, 'limit must be a whole number from 1 to 100.'),
    }),
  ),
  cursor: Type.Optional(
    Type.String({
      pattern: '^whd_[0-9a-z]+$',
      description: 'next_cursor of the previous page',
      ...fieldError('invalid_cursor', 400, 'cursor is not one this API returned.'),
    }),
  ),
  status: Type.Optional(
    Type.String({
      enum: ['pending', 'succeeded', 'dead'],
      description: 'only deliveries in this state: pending, succeeded or dead',
      ...fieldError('invalid_status', 400, 'status must be pending, succeeded or dead.'),
    }),
  ),
});

/** How a refused subscription (webhook-validation.ts) is answered: 422, with the code each field documented. */
function refusal(r: SubscriptionRefusal): HttpError {
  switch (r.reason) {
    case 'url_required':
      return new HttpError(422, 'url_required', '"url" is required: the http(s) URL that receives the events.');
    case 'events_required':
      return new HttpError(422, 'events_required', `"events" is required: a list of event types, or ["${ALL_EVENTS}"] for all.`);
    case 'invalid_url':
      return r.problem === 'not_a_url'
        ? new HttpError(422, 'invalid_url', `"url" is not a valid URL: ${r.value.slice(0, 100)}`)
        : new HttpError(422, 'invalid_url', `"url" must be http or https (got ${r.protocol}).`);
    case 'url_not_allowed':
      return new HttpError(
        422,
        'url_not_allowed',
        `"url" points at a private or loopback address (${r.host}); set EVENT_WEBHOOKS_ALLOW_PRIVATE=true to allow it.`,
      );
    case 'unknown_event_type':
      return new HttpError(
        422,
        'unknown_event_type',
        `Unknown event type ${r.unknown.map((e) => `"${e}"`).join(', ')}; flow results of one flow are "flow.succeeded:<flow id>" / "flow.failed:<flow id>".`,
        { unknown: r.unknown, known: [...EVENT_TYPES], scoped: SCOPED_EVENT_TYPES.map((t) => `${t}:<flow id>`) },
      );
  }
}

/** Event webhook subscriptions, their delivery log, replay and a test ping (docs/event-webhooks.md). */
export async function eventWebhookRoutes(fastify: FastifyInstance, opts: { deps: Deps }): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { deps } = opts;
  const db = deps.storage.db;
  const settings = webhookSettings(deps.config);
  const policy = { allowPrivate: settings.allowPrivate, defaultConcurrency: settings.concurrencyPerSubscription };
  const cache = subscriptionCache(deps.jobs);

  const subscriptionOr404 = async (id: string): Promise<SubscriptionRow> => {
    const s = await findSubscription(db, id);
    if (!s) throw new HttpError(404, 'webhook_not_found', `No webhook subscription ${id}.`);
    return s;
  };

  app.get(
    '/api/v1/webhooks',
    routeSchema({ summary: 'Event webhook subscriptions (secrets masked)', tags, response: { 200: SubscriptionList } }),
    async () => ({
      data: (await listSubscriptions(db)).map((s) => subscriptionView(s)),
    }),
  );

  app.post(
    '/api/v1/webhooks',
    routeSchema({
      summary: 'Subscribe a URL to events (the answer is the only time the signing secret is shown)',
      description:
        'Events are POSTed as JSON, signed with the secret (docs/event-webhooks.md); failed deliveries are retried, then kept as dead for replay.',
      tags,
      body: SubscriptionBody,
      response: { 201: Subscription('the subscription, with its secret in full', true) },
    }),
    async (req, reply) => {
      const checked = checkNewSubscription(req.body, policy);
      if (!checked.ok) throw refusal(checked);
      const now = deps.clock.now();
      const row = await insertSubscription(db, newId('wh', now), checked.fields, now);
      cache.invalidate();
      // The only time the secret is shown: the receiver needs it to verify signatures.
      return reply.status(201).send(subscriptionView(row, { revealSecret: true }));
    },
  );

  app.get(
    '/api/v1/webhooks/:id',
    routeSchema({ summary: 'A webhook subscription (secret masked)', tags, params, response: { 200: Subscription('the subscription') } }),
    async (req) => subscriptionView(await subscriptionOr404(req.params.id)),
  );

  app.patch(
    '/api/v1/webhooks/:id',
    routeSchema({
      summary: "Change a subscription's URL, events, secret, description, active flag or concurrency",
      tags,
      params,
      body: SubscriptionBody,
      response: { 200: Subscription('the subscription as changed (secret masked)') },
    }),
    async (req) => {
      const { id } = req.params;
      await subscriptionOr404(id);
      const changes = checkSubscriptionChanges(req.body, policy);
      if (!changes.ok) throw refusal(changes);
      const row = await updateSubscription(db, id, changes.fields, deps.clock.now());
      cache.invalidate();
      if (!row) throw new HttpError(404, 'webhook_not_found', `No webhook subscription ${id}.`);
      return subscriptionView(row);
    },
  );

  app.delete(
    '/api/v1/webhooks/:id',
    routeSchema({ summary: 'Delete a subscription and its delivery log', tags, params, response: { 204: NoContent } }),
    async (req, reply) => {
      const { id } = req.params;
      if (!(await deleteSubscription(db, id))) throw new HttpError(404, 'webhook_not_found', `No webhook subscription ${id}.`);
      cache.invalidate();
      return reply.status(204).send();
    },
  );

  app.get(
    '/api/v1/webhooks/:id/deliveries',
    routeSchema({
      summary: "A subscription's deliveries with every attempt, newest first",
      tags,
      params,
      querystring: DeliveriesQuery,
      response: { 200: DeliveryPage },
    }),
    async (req) => {
      const { id } = req.params;
      await subscriptionOr404(id);
      const q = req.query;
      const limit = q.limit === undefined ? 20 : Number(q.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 100)
        throw new HttpError(400, 'invalid_limit', 'limit must be a whole number from 1 to 100.');
      const rows = await listDeliveries(db, id, { limit: limit + 1, before: q.cursor, status: q.status });
      const page = rows.slice(0, limit);
      const attempts = await attemptsOf(
        db,
        page.map((d) => d.id),
      );
      const last = page[page.length - 1];
      return {
        data: page.map((d) => deliveryView(d, attempts.get(d.id) ?? [])),
        next_cursor: rows.length > limit && last ? last.id : null,
      };
    },
  );

  app.post(
    '/api/v1/webhooks/:id/deliveries/:deliveryId/replay',
    routeSchema({
      summary:
        'Deliver a succeeded or dead delivery again: a new delivery of the same event (same event id), on a fresh schedule (no body)',
      tags,
      params: deliveryParams,
      response: { 202: Delivery('the new delivery') },
    }),
    async (req, reply) => {
      const { id, deliveryId } = req.params;
      const subscription = await subscriptionOr404(id);
      const original = await findDelivery(db, id, deliveryId);
      if (!original) throw new HttpError(404, 'delivery_not_found', `No delivery ${deliveryId} for webhook ${id}.`);
      if (original.status === 'pending')
        throw new HttpError(409, 'delivery_pending', 'This delivery is still being retried; replay it once it succeeded or is dead.');
      const now = deps.clock.now();
      // A new delivery of the same event: same event id (receivers deduplicate on it), fresh schedule.
      const replayId = await db.transaction().execute((trx) =>
        addDelivery(trx, deps, {
          eventId: original.event_id,
          subscription: { id, maxConcurrency: subscription.max_concurrency },
          now,
          replayOf: original.id,
        }),
      );
      deps.jobs.wake();
      const replay = await findDelivery(db, id, replayId);
      if (!replay) throw new Error('replayed delivery vanished');
      return reply.status(202).send(deliveryView(replay, []));
    },
  );

  app.post(
    '/api/v1/webhooks/:id/test',
    routeSchema({ summary: 'Send a ping event to this subscription only (no body)', tags, params, response: { 202: TestPing } }),
    async (req, reply) => {
      const { id } = req.params;
      const subscription = await subscriptionOr404(id);
      const now = deps.clock.now();
      const event = await db
        .transaction()
        .execute((trx) =>
          recordEvent(
            trx,
            deps,
            'ping',
            { subscription_id: id, message: 'A test event from Switchboard.' },
            [{ id, maxConcurrency: subscription.max_concurrency }],
            now,
          ),
        );
      deps.jobs.wake();
      return reply.status(202).send({ event_id: event.id, delivery_id: event.deliveryIds[0] ?? null });
    },
  );
}
