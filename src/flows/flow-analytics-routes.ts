import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { HttpError } from '../core/http-error.ts';
import type { Deps } from '../deps.ts';
import { Nullable, routeSchema } from '../http/route-schema.ts';
import { flowAnalytics } from './flow-analytics.ts';
import { getFlow, listVersions } from './flow-store.ts';

const Ended = Type.Object({ succeeded: Type.Integer(), failed: Type.Integer() });
const Block = Type.Object({
  block: Type.String(),
  type: Nullable(Type.String({ description: "the block's type; null for a block the document no longer has" })),
  visits: Type.Integer({ description: 'times the block was left (each try of a question counts)' }),
  sessions: Type.Integer({ description: 'sessions that left the block at least once' }),
  invalid_answers: Type.Integer({ description: 'answers that failed validation' }),
  drop_off: Type.Integer({ description: 'sessions whose last block is this one and that did not finish' }),
  live: Type.Integer({ description: 'of those, sessions still live here now' }),
  ended: Type.Object(Ended.properties, { description: 'sessions that ended at this block, by status' }),
  median_ms: Nullable(Type.Number({ description: 'median time a session spent in the block; null without visits' })),
});
const Analytics = Type.Object(
  {
    flow_id: Type.String(),
    published_version: Nullable(Type.Integer()),
    versions: Type.Array(
      Type.Object({
        version: Type.Integer(),
        sessions_started: Type.Integer(),
        finished: Type.Object({ ...Ended.properties, failed_by_reason: Type.Record(Type.String(), Type.Integer()) }),
        unfinished: Type.Integer({ description: 'live now, or expired' }),
        blocks: Type.Array(Block, { description: "in the document's order, then any the log knows that the document no longer has" }),
      }),
    ),
  },
  {
    examples: [
      {
        flow_id: 'welcome',
        published_version: 2,
        versions: [
          {
            version: 2,
            sessions_started: 40,
            finished: { succeeded: 30, failed: 4, failed_by_reason: { gave_up: 3, http_failed: 1 } },
            unfinished: 6,
            blocks: [
              {
                block: 'ask_name',
                type: 'ask',
                visits: 46,
                sessions: 40,
                invalid_answers: 6,
                drop_off: 5,
                live: 2,
                ended: { succeeded: 0, failed: 3 },
                median_ms: 42000,
              },
            ],
          },
        ],
      },
    ],
  },
);

/** GET /api/v1/flows/:id/analytics?version=: completion, drop-off and time per block (docs/flows.md). Admin-only. */
export async function flowAnalyticsRoutes(fastify: FastifyInstance, opts: { deps: Deps }): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const db = opts.deps.storage.db;
  app.get(
    '/api/v1/flows/:id/analytics',
    routeSchema({
      summary: 'Completion, drop-off and time per block, per version',
      tags: ['flows'],
      params: Type.Object({ id: Type.String({ description: 'flow id' }) }),
      querystring: Type.Object({
        version: Type.Optional(Type.String({ description: 'one version only (a positive whole number); default every version' })),
      }),
      response: { 200: Analytics },
    }),
    async (req) => {
      const id = req.params.id;
      const flow = await getFlow(db, id);
      if (!flow) throw new HttpError(404, 'flow_not_found', `No flow ${id}.`);
      const raw = req.query.version;
      const version = raw === undefined || raw === '' ? undefined : Number(raw);
      if (version !== undefined && (!Number.isInteger(version) || version < 1))
        throw new HttpError(400, 'invalid_version', 'version must be a positive whole number.', { version: raw });
      if (version !== undefined && !(await listVersions(db, id)).some((v) => v.version === version)) {
        throw new HttpError(404, 'version_not_found', `Flow ${id} has no version ${version}.`, {
          published_version: flow.published_version,
        });
      }
      return { flow_id: id, published_version: flow.published_version, versions: await flowAnalytics(db, id, version) };
    },
  );
}
