import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { principalOf, type Principal } from '../auth/principal.ts';
import { HttpError } from '../core/http-error.ts';
import type { Deps } from '../deps.ts';
import { fieldError, routeSchema } from '../http/route-schema.ts';
import { broadcastHttpError } from './broadcast-http.ts';
import { broadcastRecipientRoutes } from './broadcast-recipient-routes.ts';
import { Broadcast, broadcastExample, CreateBroadcastBody, Estimate, StartBody, Validation } from './broadcast-schemas.ts';
import { getBroadcast, listBroadcasts, BROADCAST_STATES } from './broadcast-store.ts';
import { broadcastView } from './broadcast-views.ts';
import { cancelBroadcast, pauseBroadcast, resumeBroadcast } from './change-broadcast-state.ts';
import { createBroadcast, planBroadcast } from './create-broadcast.ts';
import { startBroadcast } from './start-broadcast.ts';
import { messagingTierRoutes } from './messaging-tier-routes.ts';

const tags = ['broadcasts'];

/** Who did it, as stored (created_by, a pause's reason). */
export const actorOf = (p: Principal): string => (p.userId ? `agent:${p.userId}` : 'api');
const IdParams = Type.Object({ id: Type.String({ description: 'broadcast id' }) });

/**
 * /api/v1/broadcasts (admin, as every route not given a resource scope: route-access.ts): drafts,
 * validation, cost estimates, start/schedule, pause, resume, cancel, live counts and recipients.
 */
export async function broadcastRoutes(fastify: FastifyInstance, opts: { deps: Deps }): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { deps } = opts;
  const db = deps.storage.db;
  const view = async (id: string) => {
    const b = await getBroadcast(db, id);
    if (!b) throw new HttpError(404, 'broadcast_not_found', `No broadcast ${id}.`);
    return broadcastView(db, b);
  };
  await messagingTierRoutes(fastify, opts); // GET/PUT /api/v1/channels/:id/messaging-tier

  app.post(
    '/api/v1/broadcasts',
    routeSchema({
      summary: 'Create a draft broadcast: one number, one template, an audience and the parameters',
      tags,
      body: CreateBroadcastBody,
      response: { 201: Broadcast },
    }),
    async (req, reply) => {
      const made = await createBroadcast(deps, req.body, actorOf(principalOf(req)));
      if (!made.ok) throw broadcastHttpError(made);
      return reply.status(201).send(await broadcastView(db, made.broadcast));
    },
  );

  app.get(
    '/api/v1/broadcasts',
    routeSchema({
      summary: 'Broadcasts, newest first, with live counts',
      tags,
      querystring: Type.Object({
        state: Type.Optional(Type.Union(BROADCAST_STATES.map((s) => Type.Literal(s)))),
        limit: Type.Optional(
          Type.String({
            pattern: '^[1-9][0-9]{0,5}$',
            description: '1 to 200 (default 50)',
            ...fieldError('invalid_limit', 400, 'limit must be a whole number from 1 to 200.'),
          }),
        ),
      }),
      response: { 200: Type.Object({ data: Type.Array(Broadcast) }, { examples: [{ data: [broadcastExample] }] }) },
    }),
    async (req) => {
      const rows = await listBroadcasts(db, {
        ...(req.query.state ? { state: req.query.state } : {}),
        limit: Math.min(200, Number(req.query.limit ?? 50)),
      });
      return { data: await Promise.all(rows.map((b) => broadcastView(db, b))) };
    },
  );

  app.get(
    '/api/v1/broadcasts/:id',
    routeSchema({ summary: 'A broadcast with its live counts and funnel', tags, params: IdParams, response: { 200: Broadcast } }),
    async (req) => view(req.params.id),
  );

  app.post(
    '/api/v1/broadcasts/:id/validate',
    routeSchema({
      summary: "Check every recipient's parameters against the template now, listing the errors (sends nothing)",
      tags,
      params: IdParams,
      response: { 200: Validation },
    }),
    async (req) => {
      const p = await planBroadcast(deps, req.params.id);
      if (!p.ok) throw broadcastHttpError(p);
      const { plan } = p;
      return {
        ok: plan.error_count === 0 && (p.template === null || p.template.status === 'APPROVED'),
        template_status: p.template?.status ?? null,
        recipients: plan.recipients.length,
        excluded: plan.excluded,
        error_count: plan.error_count,
        errors: plan.errors.map((e) => ({ ...e, ...(e.details ? { details: e.details } : {}) })),
      };
    },
  );

  app.post(
    '/api/v1/broadcasts/:id/estimate',
    routeSchema({
      summary: 'Estimated cost from the rate card, per category and recipient country',
      tags,
      params: IdParams,
      response: { 200: Estimate },
    }),
    async (req) => {
      const p = await planBroadcast(deps, req.params.id);
      if (!p.ok) throw broadcastHttpError(p);
      return { recipients: p.plan.recipients.length, excluded: p.plan.excluded, cost: p.plan.cost };
    },
  );

  app.post(
    '/api/v1/broadcasts/:id/start',
    routeSchema({
      summary: 'Start now, or schedule ({at, time_zone}); refused with the errors while any recipient does not fit the template',
      tags,
      params: IdParams,
      body: StartBody,
      response: { 200: Broadcast },
    }),
    async (req) => {
      const started = await startBroadcast(deps, req.params.id, req.body);
      if (!started.ok) throw broadcastHttpError(started);
      return broadcastView(db, started.broadcast);
    },
  );

  app.post(
    '/api/v1/broadcasts/:id/pause',
    routeSchema({
      summary: 'Pause: no more recipients are handed out until resumed',
      tags,
      params: IdParams,
      response: { 200: Broadcast },
    }),
    async (req) => {
      const who = actorOf(principalOf(req));
      const r = await pauseBroadcast(deps, req.params.id, `paused by ${who}`);
      if (!r.ok) throw broadcastHttpError(r);
      return broadcastView(db, r.broadcast);
    },
  );

  app.post(
    '/api/v1/broadcasts/:id/resume',
    routeSchema({
      summary: 'Resume a paused broadcast where it stopped (nobody is sent twice)',
      tags,
      params: IdParams,
      response: { 200: Broadcast },
    }),
    async (req) => {
      const r = await resumeBroadcast(deps, req.params.id);
      if (!r.ok) throw broadcastHttpError(r);
      return broadcastView(db, r.broadcast);
    },
  );

  app.post(
    '/api/v1/broadcasts/:id/cancel',
    routeSchema({
      summary: 'Cancel for good: recipients not yet queued are never sent',
      tags,
      params: IdParams,
      response: { 200: Broadcast },
    }),
    async (req) => {
      const r = await cancelBroadcast(deps, req.params.id);
      if (!r.ok) throw broadcastHttpError(r);
      return broadcastView(db, r.broadcast);
    },
  );

  // Recipients (filters, CSV export) and the test send: broadcast-recipient-routes.ts.
  await broadcastRecipientRoutes(fastify, opts);
}
