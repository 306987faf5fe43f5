import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { HttpError } from '../core/http-error.ts';
import type { Deps } from '../deps.ts';
import { routeSchema } from '../http/route-schema.ts';
import { getTier, META_TIERS, reachInWindow, setTier } from './messaging-tier.ts';

const MessagingTier = Type.Object(
  {
    channel_id: Type.String(),
    tier: Type.Union([Type.Integer(), Type.Null()], {
      description: 'unique customers per rolling 24 h outside their service window (250, 2000, 10000, 100000); null: unlimited',
    }),
    reached_24h: Type.Integer({ description: 'unique customers broadcasts reached outside their service window in the last 24 h' }),
    next_free_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
      description: 'when the oldest of them leaves the window',
    }),
  },
  { examples: [{ channel_id: 'ch_01J9', tier: 2000, reached_24h: 2000, next_free_at: '2026-07-02T10:05:00.000Z' }] },
);
const TierBody = Type.Object(
  {
    tier: Type.Union([Type.Integer({ minimum: 1, maximum: 1_000_000_000 }), Type.Null()], {
      description: `Meta's messaging limit (${META_TIERS.join(', ')} or unlimited: null), or this number's share of its portfolio's limit`,
    }),
  },
  { additionalProperties: false, examples: [{ tier: 2000 }, { tier: null }] },
);
const Params = Type.Object({ id: Type.String({ description: 'channel (number) id' }) });

/**
 * The messaging tier a number's broadcasts keep within (broadcasts/messaging-tier.ts), admin only:
 * broadcasts wait (`waiting.reason` messaging_tier) once its unique customers of the rolling 24 h
 * are reached, and go on as the window frees places.
 */
export async function messagingTierRoutes(fastify: FastifyInstance, opts: { deps: Deps }): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { deps } = opts;
  const db = deps.storage.db;
  const tierView = async (channelId: string) => {
    if (!deps.channels.byId(channelId)) throw new HttpError(404, 'channel_not_found', `No channel ${channelId}.`);
    const now = deps.clock.now();
    const reach = await reachInWindow(db, channelId, now);
    return {
      channel_id: channelId,
      tier: await getTier(db, channelId),
      reached_24h: reach.count,
      next_free_at: reach.nextFreeAt === null ? null : new Date(reach.nextFreeAt).toISOString(),
    };
  };
  app.get(
    '/api/v1/channels/:id/messaging-tier',
    routeSchema({
      summary: "A number's messaging tier and the unique customers its broadcasts reached in the last 24 h",
      tags: ['broadcasts'],
      params: Params,
      response: { 200: MessagingTier },
    }),
    async (req) => tierView(req.params.id),
  );
  app.put(
    '/api/v1/channels/:id/messaging-tier',
    routeSchema({
      summary: "Set a number's messaging tier (Meta's messaging limit), or null for unlimited",
      tags: ['broadcasts'],
      params: Params,
      body: TierBody,
      response: { 200: MessagingTier },
    }),
    async (req) => {
      if (!deps.channels.byId(req.params.id)) throw new HttpError(404, 'channel_not_found', `No channel ${req.params.id}.`);
      await setTier(db, req.params.id, req.body.tier, deps.clock.now());
      return tierView(req.params.id);
    },
  );
}
