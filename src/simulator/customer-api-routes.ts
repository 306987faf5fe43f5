import type { FastifyInstance } from 'fastify';
import { registerEventStream } from './event-stream.ts';
import { applyIdentity } from './identity-changes.ts';
import { isBsuid, phoneShared } from './identity.ts';
import { InboundError } from './inbound-service.ts';
import { SimCustomerImpl } from './sim-customer.ts';
import type { SimulatorCore } from './simulator-core.ts';
import type { CustomerState } from './simulator-state.ts';
import { reviewTemplate } from './template-review.ts';
import type { InboundSpec, TemplateSeed } from './types.ts';
import { isObject } from './validation-helpers.ts';

type Customer = { Params: { waId: string } };

function body(req: { body: unknown }): Record<string, unknown> {
  if (req.body === undefined) return {};
  if (!isObject(req.body)) throw new InboundError('the request body must be a JSON object');
  return req.body;
}

function str(o: Record<string, unknown>, key: string): string {
  const v = o[key];
  if (typeof v !== 'string' || v === '') throw new InboundError(`"${key}" is required (a string)`);
  return v;
}

const digits = (s: string) => s.replace(/\D/g, '');
const MAX_ADVANCE_MS = 366 * 24 * 60 * 60 * 1000;

/**
 * The HTTP test API under /_sim/: the customer side and the simulator's controls. Not Meta's API
 * (never shares a path with it): it takes the simulator's test token and a loopback Host, checked
 * in test-api-access.ts, not the Graph access token. Documented in docs/simulator.md.
 */
export function registerCustomerApiRoutes(app: FastifyInstance, core: SimulatorCore): void {
  const { opts, state } = core;
  // Path ids are a wa_id (digits) or the customer's BSUID (docs/whatsapp-identity.md).
  const key = (id: string) => (isBsuid(id) ? (state.customerByUserId(id)?.waId ?? id) : digits(id));
  const customer = (waId: string) => new SimCustomerImpl(core, key(waId));
  const known = (id: string) => {
    const c = state.customers.get(key(id));
    if (!c) throw new InboundError(`no simulated customer ${id}`);
    return c;
  };
  const describe = (c: CustomerState) => ({
    wa_id: c.waId,
    user_id: c.userId,
    username: c.username ?? null,
    hide_phone: c.hidePhone,
    parent_user_id: c.parentUserId ?? null,
    phone_shared: phoneShared(c, core.clock.now()),
    profile_name: c.profileName,
    last_inbound_at: c.lastInboundAt ?? null,
    window_open: state.windowOpen(c.waId, core.clock.now()),
    message_count: c.outHistory.size + c.inHistory.size,
  });

  app.get('/_sim/info', async () => ({
    phone_number_id: opts.phoneNumberId,
    waba_id: opts.wabaId,
    display_phone_number: opts.displayPhoneNumber,
    graph_base_url: core.baseUrl,
    phone_page_url: `${core.baseUrl}/phone`,
    webhook_url: core.webhookUrl ?? null,
    webhook_verified: core.webhookVerified,
    now: core.clock.now(),
  }));

  app.get('/_sim/customers', async () => ({ data: [...state.customers.values()].map(describe) }));

  // Create (or update) a customer: {wa_id, profile_name?, username?, hide_phone?}.
  app.post('/_sim/customers', async (req) => {
    const b = body(req);
    const waId = digits(str(b, 'wa_id'));
    if (!/^\d{6,15}$/.test(waId)) throw new InboundError(`"wa_id" must be 6-15 digits`);
    if (b.profile_name !== undefined && typeof b.profile_name !== 'string') throw new InboundError('"profile_name" must be a string');
    const identity = {
      username: b.username as string | null | undefined,
      hidePhone: b.hide_phone as boolean | undefined,
      parentUserId: b.parent_user_id as string | null | undefined,
    };
    if (identity.username !== undefined && identity.username !== null && typeof identity.username !== 'string')
      throw new InboundError('"username" must be a string or null');
    const exists = state.customers.has(waId);
    const c = state.customer(waId, b.profile_name || undefined);
    try {
      applyIdentity(c, identity);
    } catch (e) {
      if (!exists) state.customers.delete(waId);
      throw e;
    }
    c.registered = true;
    state.events.emit('change');
    return describe(c);
  });

  app.get<Customer>('/_sim/customers/:waId', async (req) => describe(known(req.params.waId)));

  // Identity changes (docs/simulator.md, "Identity"): a new number emits Meta's system message
  // and user_id_update webhook; a new username emits nothing (Meta documents no event).
  app.post<Customer>('/_sim/customers/:waId/change-number', async (req) => {
    const c = known(req.params.waId);
    return core.identity.changeNumber(c, digits(str(body(req), 'new_wa_id')));
  });
  app.post<Customer>('/_sim/customers/:waId/username', async (req) => {
    const c = known(req.params.waId);
    const b = body(req);
    if (!('username' in b)) throw new InboundError('"username" is required (a string, or null to remove it)');
    if (b.username !== null && typeof b.username !== 'string') throw new InboundError('"username" must be a string or null');
    if (b.hide_phone !== undefined) applyIdentity(c, { hidePhone: b.hide_phone as boolean });
    return { ...core.identity.changeUsername(c, b.username as string | null), hide_phone: c.hidePhone };
  });

  app.post<Customer>('/_sim/customers/:waId/messages', async (req) => {
    const b = { ...body(req) };
    const profile = typeof b.profile_name === 'string' ? b.profile_name : undefined;
    delete b.profile_name;
    const id = await core.inbound.send(key(req.params.waId), profile, b as unknown as InboundSpec);
    return { id };
  });

  app.get<Customer>('/_sim/customers/:waId/messages', async (req) => ({ data: state.conversation(key(req.params.waId)) }));

  app.post<Customer>('/_sim/customers/:waId/read', async (req) => {
    const b = body(req);
    customer(req.params.waId).read(typeof b.message_id === 'string' ? b.message_id : undefined);
    return { success: true };
  });

  // Customer taps on a business message; lookup failures are the caller's mistake (400).
  app.post<Customer>('/_sim/customers/:waId/actions/button-reply', async (req) => {
    const b = body(req);
    return { id: await badRequestOnThrow(() => customer(req.params.waId).replyButton(str(b, 'message_id'), str(b, 'button_id'))) };
  });
  app.post<Customer>('/_sim/customers/:waId/actions/list-reply', async (req) => {
    const b = body(req);
    return { id: await badRequestOnThrow(() => customer(req.params.waId).replyList(str(b, 'message_id'), str(b, 'row_id'))) };
  });
  app.post<Customer>('/_sim/customers/:waId/actions/template-button', async (req) => {
    const b = body(req);
    return { id: await badRequestOnThrow(() => customer(req.params.waId).tapTemplateButton(str(b, 'message_id'), str(b, 'payload'))) };
  });

  app.post('/_sim/media', async (req) => {
    if (!req.isMultipart()) throw new InboundError('upload customer media as multipart/form-data with a "file" part');
    const file = await req.file();
    if (!file) throw new InboundError('the "file" part is missing');
    const bytes = await file.toBuffer();
    const m = core.media.put(bytes, file.mimetype || 'application/octet-stream', opts.phoneNumberId, 'inbound', file.filename);
    return { id: m.id, mime_type: m.mimeType, sha256: m.sha256Base64, file_size: bytes.length };
  });

  // The page shows media without the bearer token; this is the customer's own view.
  app.get<{ Params: { id: string } }>('/_sim/media/:id', async (req, reply) => {
    const m = core.media.get(req.params.id);
    if (!m) return reply.code(404).send({ error: { code: 'not_found', message: `no media ${req.params.id}` } });
    return reply.header('content-type', m.mimeType).header('cache-control', 'private, max-age=300').send(m.bytes);
  });

  app.get<{ Querystring: { limit?: string } }>('/_sim/outbound', async (req) => ({
    data: tail(
      state.outboundLog.toArray().map((e) => e.rec),
      req.query.limit,
    ),
  }));
  app.get<{ Querystring: { limit?: string } }>('/_sim/deliveries', async (req) => ({
    data: tail(core.emitter.log.toArray(), req.query.limit),
  }));
  app.get<{ Querystring: { limit?: string } }>('/_sim/inbound', async (req) => ({
    data: tail(state.inboundLog.toArray(), req.query.limit),
  }));

  app.post('/_sim/drain', async (req, reply) => {
    const b = body(req);
    try {
      await core.drainWebhooks(typeof b.timeout_ms === 'number' ? b.timeout_ms : 5000);
      return { ok: true };
    } catch (e) {
      return reply.code(504).send({ error: { code: 'drain_timeout', message: (e as Error).message } });
    }
  });

  // shared_clock: whether the app beside the simulator (the built-in one of `npm start`, or one
  // given the same clock in-process) moves with it; a standalone simulator's clock is its own.
  const clock = () => ({ now: core.clock.now(), iso: new Date(core.clock.now()).toISOString(), shared_clock: core.clock.shared });
  app.get('/_sim/clock', async () => clock());
  app.post('/_sim/clock/advance', async (req) => {
    const ms = body(req).ms;
    if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0 || ms > MAX_ADVANCE_MS)
      throw new InboundError(`"ms" must be a number of milliseconds from 0 to ${MAX_ADVANCE_MS} (one year)`);
    core.advanceTime(ms);
    return clock();
  });

  app.get('/_sim/templates', async () => ({ data: core.templates.list() }));
  app.post('/_sim/templates', async (req) => {
    try {
      return core.templates.create(body(req) as unknown as TemplateSeed);
    } catch (e) {
      throw new InboundError((e as Error).message);
    }
  });
  app.post('/_sim/templates/status', async (req) => {
    const b = body(req);
    const name = str(b, 'name');
    const language = str(b, 'language');
    if (!core.templates.get(name, language)) throw new InboundError(`no template ${name} (${language})`);
    await core.templates.setStatus(name, language, str(b, 'status'), typeof b.reason === 'string' ? b.reason : undefined);
    return core.templates.get(name, language);
  });
  app.post('/_sim/templates/review', async (req) => reviewTemplate(body(req)));

  app.get('/_sim/webhook', async () => ({ url: core.webhookUrl ?? null, verified: core.webhookVerified }));
  app.post('/_sim/webhook', async (req) => core.setWebhookUrl(str(body(req), 'url')));
  app.post('/_sim/webhook/verify', async () => core.verifyWebhook());

  registerEventStream(app, core);
}

/** The helpers throw synchronously when the message/button does not exist: that is a 400. */
async function badRequestOnThrow<T>(fn: () => Promise<T>): Promise<T> {
  let p: Promise<T>;
  try {
    p = fn();
  } catch (e) {
    throw e instanceof InboundError ? e : new InboundError((e as Error).message);
  }
  return p;
}

function tail<T>(items: T[], limit: string | undefined): T[] {
  const n = limit === undefined ? NaN : Number(limit);
  return Number.isInteger(n) && n > 0 ? items.slice(-n) : items;
}
