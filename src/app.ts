import { audienceRoutes } from './broadcasts/audience-routes.ts';
import { broadcastRoutes } from './broadcasts/broadcast-routes.ts';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import { accessRoutes } from './auth/access-routes.ts';
import { installAuth } from './auth/install-auth.ts';
import { contactRoutes } from './contacts/contact-routes.ts';
import { contactMergeRoutes } from './contacts/contact-merge-routes.ts';
import { cannedReplyRoutes } from './conversations/canned-reply-routes.ts';
import { botPauseRoutes } from './bot/bot-pause-routes.ts';
import { conversationRoutes } from './conversations/conversation-routes.ts';
import { labelRoutes } from './conversations/label-routes.ts';
import { aiRoutes } from './ai/ai-routes.ts';
import { knowledgeRoutes } from './ai/knowledge-routes.ts';
import { linkRoutes } from './conversations/link-routes.ts';
import { mediaRoutes } from './media/media-routes.ts';
import { customerMediaRoutes } from './media/customer-media-routes.ts';
import { messageRoutes } from './conversations/message-routes.ts';
import { noteRoutes } from './conversations/note-routes.ts';
import { searchRoutes } from './conversations/search-routes.ts';
import { startConversationRoutes } from './conversations/start-conversation-routes.ts';
import { DEFAULT_HTTP_TIMEOUTS, type Config, type HttpTimeouts } from './config.ts';
import type { Deps } from './deps.ts';
import { eventWebhookRoutes } from './event-webhooks/webhook-routes.ts';
import { flowAnalyticsRoutes } from './flows/flow-analytics-routes.ts';
import { flowRoutes } from './flows/flow-routes.ts';
import type { AdminTokenCheck } from './auth/admin-token.ts';
import { installBodyGuard } from './http/body-guard.ts';
import { clientErrorHandler, frameworkErrors, installErrorHandler } from './http/error-handler.ts';
import { healthRoutes } from './http/health-routes.ts';
import { registerOpenApi } from './http/openapi.ts';
import { installResponseCheck } from './http/response-check.ts';
import { ERROR_KEYWORD } from './http/route-schema.ts';
import { installSecurityHeaders } from './http/security-headers.ts';
import { installRequestObservability, requestIdOptions } from './http/request-observability.ts';
import { metricsRoutes } from './operations/metrics-routes.ts';
import { statusRoutes } from './operations/status-routes.ts';
import { webAppRoutes } from './http/web-app-routes.ts';
import type { IngestLoop } from './ingest/ingest-loop.ts';
import { webhookRoutes } from './ingest/webhook-routes.ts';
import { telegramWebhookRoutes } from './ingest/telegram-webhook-routes.ts';
import { costRoutes } from './costs/cost-routes.ts';
import { reportRoutes } from './reports/report-routes.ts';
import { templateRoutes } from './templates/template-routes.ts';
import { streamRoutes } from './realtime/stream-routes.ts';
import { routingRoutes } from './routing/routing-routes.ts';
import { channelRoutingRoutes } from './routing/channel-routing-routes.ts';
import { teamAutoAssignRoutes } from './routing/team-auto-assign-routes.ts';

/** Builds the HTTP app from dependencies without listening (tests may inject requests). */
export async function buildApp(deps: Deps, opts: { ingest: IngestLoop; adminToken: AdminTokenCheck }): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger,
    // Request lines at 1,000 webhooks/s would cost more than the webhooks; errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 1024 * 1024,
    // Errors Fastify answers itself (a path parameter over 100 characters, a bad %-escape, a
    // malformed request) in the API's `{error: {code, message}}` shape.
    frameworkErrors,
    clientErrorHandler,
    // A route that validates with a JSON schema refuses an unknown field or a wrong type (400
    // naming it) rather than Ajv's defaults, which drop unknown fields and coerce types silently.
    // verbose: errors carry the failing schema, whose `x-error` keeps a field's documented code;
    // allErrors: an unknown field is reported before a missing one, as the routes did by hand (validation-error.ts).
    ajv: {
      customOptions: {
        removeAdditional: false,
        coerceTypes: false,
        useDefaults: false,
        verbose: true,
        allErrors: true,
        keywords: [ERROR_KEYWORD],
      },
    },
    // Behind a TLS-terminating proxy, X-Forwarded-Proto/-For give request.protocol and request.ip (TRUST_PROXY).
    trustProxy: trustProxyOption(deps.config.trustProxy),
    ...serverTimeouts(deps.config.httpTimeouts ?? DEFAULT_HTTP_TIMEOUTS),
    // A graceful stop (start-switchboard.ts closeHttp) answers requests that arrive on open
    // connections while it drains, each with Connection: close, instead of 503s and resets.
    return503OnClosing: false,
    forceCloseConnections: false,
    ...requestIdOptions,
  });
  installErrorHandler(app);
  installRequestObservability(app);
  installBodyGuard(app);
  installSecurityHeaders(app);
  if (deps.config.checkResponseSchemas) installResponseCheck(app);
  // Before every route plugin: the OpenAPI document is collected as routes are added.
  await registerOpenApi(app);
  await app.register(healthRoutes, { deps });
  await app.register(metricsRoutes, { deps });
  await app.register(webhookRoutes, { deps, ingest: opts.ingest });
  await app.register(telegramWebhookRoutes, { deps, ingest: opts.ingest });
  await app.register(webAppRoutes); // the browser app at / (dist/web)
  await app.register(async (api) => {
    await installAuth(api, { db: deps.storage.db, clock: deps.clock, adminToken: opts.adminToken });
    await api.register(accessRoutes, { deps });
    await api.register(conversationRoutes, { deps });
    await api.register(startConversationRoutes, { deps });
    await api.register(messageRoutes, { deps });
    await api.register(mediaRoutes, { deps });
    await api.register(customerMediaRoutes, { deps });
    await api.register(labelRoutes, { deps });
    await api.register(noteRoutes, { deps });
    await api.register(cannedReplyRoutes, { deps });
    await api.register(searchRoutes, { deps });
    await api.register(linkRoutes, { deps });
    await api.register(eventWebhookRoutes, { deps });
    await api.register(templateRoutes, { deps });
    await api.register(costRoutes, { deps });
    await api.register(reportRoutes, { deps });
    await api.register(flowRoutes, { deps });
    await api.register(flowAnalyticsRoutes, { deps });
    await api.register(routingRoutes, { deps });
    await api.register(channelRoutingRoutes, { deps });
    await api.register(teamAutoAssignRoutes, { deps });
    await api.register(botPauseRoutes, { deps });
    await api.register(streamRoutes, { deps, adminToken: opts.adminToken });
    await api.register(contactRoutes, { deps });
    await api.register(contactMergeRoutes, { deps });
    await api.register(audienceRoutes, { deps });
    await api.register(broadcastRoutes, { deps });
    await api.register(knowledgeRoutes, { deps });
    await api.register(aiRoutes, { deps });
    await api.register(statusRoutes, { deps });
  });
  return app;
}

/**
 * Slow clients cannot hold the server: headers and the whole request must arrive in time (408
 * otherwise), idle keep-alive and silent connections are closed. Node checks the first two on a
 * timer (30 s by default): every second here, or sooner for short limits, so a limit is kept
 * within about a second.
 */
function serverTimeouts(t: HttpTimeouts) {
  return {
    connectionTimeout: t.idleMs,
    keepAliveTimeout: t.keepAliveMs,
    requestTimeout: t.requestMs,
    http: {
      headersTimeout: t.headersMs,
      requestTimeout: t.requestMs,
      connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(t.headersMs / 4))),
    },
  };
}

/** TRUST_PROXY for Fastify: a hop count becomes the function proxy-addr makes of one (trust the n nearest hops). */
function trustProxyOption(setting: Config['trustProxy']): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (typeof setting === 'number') return (_address, hop) => hop < setting;
  return setting ?? false;
}
