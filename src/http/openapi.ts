import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';

/**
 * The OpenAPI document (`/openapi.json`) and browsable docs (`/docs`), both public. Registered
 * before any route plugin: @fastify/swagger collects routes as they are added.
 */
export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Switchboard API',
        version: '1',
        description:
          "The inbox API: conversations, replies within WhatsApp's rules, labels, notes, canned replies, search and linked records. " +
          "Every /api/v1 route needs `Authorization: Bearer <token>` (or the web app's session cookie). " +
          'Errors are `{"error": {"code", "message", "details"?, "request_id"}}` with a 4xx status; `request_id` is also in every answer\'s `X-Request-Id` header.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    },
  });
  // The docs' own routes must be reachable without credentials wherever they are mounted.
  app.addHook('onRoute', (route) => {
    if (route.url === '/openapi.json' || route.url.startsWith('/docs')) route.config = { ...(route.config ?? {}), access: 'public' };
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs', uiConfig: { docExpansion: 'none' } });
  app.get('/openapi.json', { config: { access: 'public' }, schema: { hide: true } }, async () => app.swagger());
}
