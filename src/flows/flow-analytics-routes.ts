import type { FastifyInstance } from 'fastify';
import { HttpError } from '../core/http-error.ts';
import type { Deps } from '../deps.ts';
import { flowAnalytics } from './flow-analytics.ts';
import { getFlow, listVersions } from './flow-store.ts';

/** GET /api/v1/flows/:id/analytics?version=: completion, drop-off and time per block (docs/flows.md). Admin-only. */
export async function flowAnalyticsRoutes(app: FastifyInstance, opts: { deps: Deps }): Promise<void> {
  const db = opts.deps.storage.db;
  app.get<{ Params: { id: string }; Querystring: { version?: string } }>('/api/v1/flows/:id/analytics', async (req) => {
    const id = req.params.id;
    const flow = await getFlow(db, id);
    if (!flow) throw new HttpError(404, 'flow_not_found', `No flow ${id}.`);
    const raw = req.query.version;
    const version = raw === undefined || raw === '' ? undefined : Number(raw);
    if (version !== undefined && (!Number.isInteger(version) || version < 1)) throw new HttpError(400, 'invalid_version', 'version must be a positive whole number.', { version: raw });
    if (version !== undefined && !(await listVersions(db, id)).some((v) => v.version === version)) {
      throw new HttpError(404, 'version_not_found', `Flow ${id} has no version ${version}.`, { published_version: flow.published_version });
    }
    return { flow_id: id, published_version: flow.published_version, versions: await flowAnalytics(db, id, version) };
  });
}
