import type { FastifyInstance } from 'fastify';
import { HttpError } from '../core/http-error.ts';
import { newId } from '../core/ids.ts';
import type { Deps } from '../deps.ts';
import { attemptsOf, findDelivery, listDeliveries } from './delivery-store.ts';
import { addDelivery, recordEvent } from './emit-event.ts';
import { subscriptionCache } from './subscription-cache.ts';
import { deleteSubscription, findSubscription, insertSubscription, listSubscriptions, updateSubscription, type SubscriptionRow } from './subscription-store.ts';
import { parseNewSubscription, parseSubscriptionChanges } from './webhook-validation.ts';
import { deliveryView, subscriptionView } from './webhook-views.ts';
import { webhookSettings } from './webhook-settings.ts';

const DELIVERY_STATUSES = new Set(['pending', 'succeeded', 'dead']);

/** Event webhook subscriptions, their delivery log, replay and a test ping (docs/event-webhooks.md). */
export async function eventWebhookRoutes(app: FastifyInstance, opts: { deps: Deps }): Promise<void> {
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

  app.get('/api/v1/webhooks', async () => ({ data: (await listSubscriptions(db)).map((s) => subscriptionView(s)) }));

  app.post('/api/v1/webhooks', async (req, reply) => {
    const fields = parseNewSubscription(req.body, policy);
    const now = deps.clock.now();
    const row = await insertSubscription(db, newId('wh', now), fields, now);
    cache.invalidate();
    // The only time the secret is shown: the receiver needs it to verify signatures.
    return reply.status(201).send(subscriptionView(row, { revealSecret: true }));
  });

  app.get('/api/v1/webhooks/:id', async (req) => subscriptionView(await subscriptionOr404(params(req).id)));

  app.patch('/api/v1/webhooks/:id', async (req) => {
    const { id } = params(req);
    await subscriptionOr404(id);
    const changes = parseSubscriptionChanges(req.body, policy);
    const row = await updateSubscription(db, id, changes, deps.clock.now());
    cache.invalidate();
    if (!row) throw new HttpError(404, 'webhook_not_found', `No webhook subscription ${id}.`);
    return subscriptionView(row);
  });

  app.delete('/api/v1/webhooks/:id', async (req, reply) => {
    const { id } = params(req);
    if (!(await deleteSubscription(db, id))) throw new HttpError(404, 'webhook_not_found', `No webhook subscription ${id}.`);
    cache.invalidate();
    return reply.status(204).send();
  });

  app.get('/api/v1/webhooks/:id/deliveries', async (req) => {
    const { id } = params(req);
    await subscriptionOr404(id);
    const q = (req.query ?? {}) as Record<string, string | undefined>;
    const limit = q.limit === undefined ? 20 : Number(q.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new HttpError(400, 'invalid_limit', 'limit must be a whole number from 1 to 100.');
    if (q.cursor !== undefined && !/^whd_[0-9a-z]+$/.test(q.cursor)) throw new HttpError(400, 'invalid_cursor', 'cursor is not one this API returned.');
    if (q.status !== undefined && !DELIVERY_STATUSES.has(q.status)) throw new HttpError(400, 'invalid_status', 'status must be pending, succeeded or dead.');
    const rows = await listDeliveries(db, id, { limit: limit + 1, before: q.cursor, status: q.status });
    const page = rows.slice(0, limit);
    const attempts = await attemptsOf(db, page.map((d) => d.id));
    const last = page[page.length - 1];
    return { data: page.map((d) => deliveryView(d, attempts.get(d.id) ?? [])), next_cursor: rows.length > limit && last ? last.id : null };
  });

  app.post('/api/v1/webhooks/:id/deliveries/:deliveryId/replay', async (req, reply) => {
    const { id, deliveryId } = params(req);
    const subscription = await subscriptionOr404(id);
    const original = await findDelivery(db, id, deliveryId ?? '');
    if (!original) throw new HttpError(404, 'delivery_not_found', `No delivery ${deliveryId} for webhook ${id}.`);
    if (original.status === 'pending') throw new HttpError(409, 'delivery_pending', 'This delivery is still being retried; replay it once it succeeded or is dead.');
    const now = deps.clock.now();
    // A new delivery of the same event: same event id (receivers deduplicate on it), fresh schedule.
    const replayId = await db
      .transaction()
      .execute((trx) => addDelivery(trx, deps, { eventId: original.event_id, subscription: { id, maxConcurrency: subscription.max_concurrency }, now, replayOf: original.id }));
    deps.jobs.wake();
    const replay = await findDelivery(db, id, replayId);
    if (!replay) throw new Error('replayed delivery vanished');
    return reply.status(202).send(deliveryView(replay, []));
  });

  app.post('/api/v1/webhooks/:id/test', async (req, reply) => {
    const { id } = params(req);
    const subscription = await subscriptionOr404(id);
    const now = deps.clock.now();
    const event = await db.transaction().execute((trx) =>
      recordEvent(trx, deps, 'ping', { subscription_id: id, message: 'A test event from Switchboard.' }, [{ id, maxConcurrency: subscription.max_concurrency }], now),
    );
    deps.jobs.wake();
    return reply.status(202).send({ event_id: event.id, delivery_id: event.deliveryIds[0] ?? null });
  });
}

function params(req: { params: unknown }): { id: string; deliveryId?: string } {
  const p = (req.params ?? {}) as { id?: string; deliveryId?: string };
  return { id: p.id ?? '', deliveryId: p.deliveryId };
}
