import Fastify, { LogController, type FastifyInstance } from 'fastify';
import { accessRoutes } from './auth/access-routes.ts';
import { installAuth } from './auth/install-auth.ts';
import { conversationRoutes } from './conversations/conversation-routes.ts';
import type { Deps } from './deps.ts';
import { eventWebhookRoutes } from './events/webhook-routes.ts';
import { installErrorHandler } from './http/error-handler.ts';
import { healthRoutes } from './http/health-routes.ts';
import type { IngestLoop } from './ingest/ingest-loop.ts';
import { webhookRoutes } from './ingest/webhook-routes.ts';

/** Builds the HTTP app from dependencies without listening (tests may inject requests). */
export async function buildApp(deps: Deps, opts: { ingest: IngestLoop; adminTokenHash: Buffer }): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger,
    // Request lines at 1,000 webhooks/s would cost more than the webhooks; errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 1024 * 1024,
  });
  installErrorHandler(app);
  await app.register(healthRoutes, { deps });
  await app.register(webhookRoutes, { deps, ingest: opts.ingest });
  await app.register(async (api) => {
    await installAuth(api, { db: deps.storage.db, clock: deps.clock, adminTokenHash: opts.adminTokenHash });
    await api.register(accessRoutes, { deps });
    await api.register(conversationRoutes, { deps });
    await api.register(eventWebhookRoutes, { deps });
  });
  return app;
}
