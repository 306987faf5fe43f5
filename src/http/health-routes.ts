import { sql } from 'kysely';
import type { FastifyInstance } from 'fastify';
import type { Deps } from '../deps.ts';
import { eventBacklog } from '../ingest/event-store.ts';

/** /health: the process answers. /health/ready: the database answers and the backlog is known. */
export async function healthRoutes(app: FastifyInstance, opts: { deps: Deps }): Promise<void> {
  const { deps } = opts;
  app.get('/health', async () => ({ status: 'ok' }));
  app.get('/health/ready', async (_req, reply) => {
    const now = deps.clock.now();
    try {
      await sql`select 1`.execute(deps.storage.db);
      const [events, jobs] = await Promise.all([eventBacklog(deps.storage.db), deps.jobs.backlog()]);
      return {
        status: 'ready',
        database: { dialect: deps.storage.dialect.name, reachable: true },
        backlog: {
          webhook_events: { pending: events.count, oldest_age_ms: events.oldestAt === null ? null : Math.max(0, now - events.oldestAt) },
          jobs: { pending: jobs.count, oldest_age_ms: jobs.oldestAt === null ? null : Math.max(0, now - jobs.oldestAt) },
        },
        // Per number, in this process: an open breaker means sends to that number wait (README, "When WhatsApp is down").
        send_breakers: deps.channels.all().map((c) => ({ channel_id: c.id, phone_number_id: c.accountId, ...c.breaker.snapshot() })),
      };
    } catch (err) {
      deps.logger.error({ err }, 'readiness check failed');
      return reply.status(503).send({ status: 'unavailable', database: { dialect: deps.storage.dialect.name, reachable: false } });
    }
  });
}
