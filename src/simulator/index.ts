import { buildHttpApp } from './http-app.ts';
import { registerCustomerApiRoutes } from './customer-api-routes.ts';
import { registerGraphRoutes } from './graph-routes.ts';
import { resolveOptions } from './options.ts';
import { registerPhonePage } from './phone-page.ts';
import { applyIdentity } from './identity-changes.ts';
import { SimCustomerImpl } from './sim-customer.ts';
import { SimulatorCore } from './simulator-core.ts';
import { registerTestApiAccess } from './test-api-access.ts';
import type { Simulator, SimulatorOptions } from './types.ts';

export type {
  InboundMediaSpec,
  InboundSpec,
  MediaSendOptions,
  RenderedTemplate,
  SimConversationEntry,
  SimCustomer,
  SimDelivery,
  SimInbound,
  SimLogger,
  SimOutbound,
  SimOutboundStatus,
  SimTemplate,
  SimTemplatesApi,
  Simulator,
  SimulatorOptions,
  TemplateButton,
  TemplateComponent,
  TemplateRequest,
  TemplateSeed,
  VerifyResult,
  WebhookRetryOptions,
} from './types.ts';
export { reviewTemplate, type ReviewFinding, type ReviewResult } from './template-review.ts';
export { asciiJson, signBody } from './ascii-json.ts';
export { TEST_TOKEN_PATTERN } from './test-api-access.ts';

/**
 * Start a local stand-in for Meta's WhatsApp Cloud API: Graph API + signed webhooks +
 * simulated customers + the phone page, listening on host:port (port 0 = random).
 */
export async function startSimulator(options: SimulatorOptions): Promise<Simulator> {
  const opts = resolveOptions(options);
  const core = new SimulatorCore(opts, options.clock);
  const app = await buildHttpApp();
  let listeningPort = opts.port;
  registerTestApiAccess(app, opts.testToken, () => listeningPort);
  registerGraphRoutes(app, core);
  registerCustomerApiRoutes(app, core);
  registerPhonePage(app);
  await app.listen({ port: opts.port, host: opts.host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  listeningPort = port;
  const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host === '0.0.0.0' ? '127.0.0.1' : opts.host;
  const url = `http://${host}:${port}`;
  core.baseUrl = url;

  if (opts.webhookUrl) {
    // The receiver may not be up yet: remember the outcome, deliver anyway.
    const r = await core.verifyWebhook();
    if (!r.ok)
      opts.logger.warn(
        { webhookUrl: opts.webhookUrl, status: r.status, error: r.error },
        'simulator: webhook verification failed at start; delivering anyway',
      );
  }

  let closed = false;
  const sim: Simulator = {
    url,
    graphBaseUrl: url,
    phonePageUrl: `${url}/phone?token=${opts.testToken}`,
    testToken: opts.testToken,
    phoneNumberId: opts.phoneNumberId,
    wabaId: opts.wabaId,
    displayPhoneNumber: opts.displayPhoneNumber,
    get webhookUrl() {
      return core.webhookUrl;
    },
    get webhookVerified() {
      return core.webhookVerified;
    },
    setWebhookUrl: (u) => core.setWebhookUrl(u),
    verifyWebhook: () => core.verifyWebhook(),
    customer(waId, profileName, identity) {
      const digits = waId.replace(/\D/g, '');
      if (!/^\d{6,15}$/.test(digits)) throw new Error(`customer wa_id must be 6-15 digits, got "${waId}"`);
      const c = core.state.customer(digits, profileName);
      c.registered = true;
      if (identity) applyIdentity(c, identity);
      return new SimCustomerImpl(core, digits);
    },
    outbound: () => core.state.outboundLog.toArray().map((e) => e.rec),
    waitForOutbound: (pred, timeoutMs) => core.waitForOutbound(pred, timeoutMs),
    inbound: () => core.state.inboundLog.toArray(),
    deliveries: () => core.emitter.log.toArray(),
    drainWebhooks: (timeoutMs) => core.drainWebhooks(timeoutMs),
    now: () => core.clock.now(),
    advanceTime: (ms) => core.advanceTime(ms),
    mediaCalls: (mediaId) => core.media.callsFor(mediaId),
    templates: {
      list: () => core.templates.list(),
      get: (name, language) => core.templates.get(name, language),
      setStatus: (name, language, status, reason) => core.templates.setStatus(name, language, status, reason),
      create: (seed) => core.templates.create(seed),
    },
    async close() {
      if (closed) return;
      closed = true;
      await core.close();
      await app.close();
    },
  };
  return sim;
}
