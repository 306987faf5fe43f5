import { randomBytes } from 'node:crypto';
import multipart from '@fastify/multipart';
import Fastify from 'fastify';
import { newTestToken, registerTestApiAccess } from '../test-api-access.ts';
import type { MethodContext } from './bot-methods.ts';
import { registerBotApiRoutes } from './bot-api-routes.ts';
import { registerTgPhonePage } from './phone-page.ts';
import { SimUserActions, type UserMessageSpec } from './sim-user-actions.ts';
import { registerTgTestApiRoutes } from './test-api-routes.ts';
import { TgRateLimits } from './tg-rate-limits.ts';
import { TgState } from './tg-state.ts';
import { DEFAULT_LIMITS, type TelegramSimulatorOptions, type TgMessage, type TgSent, type TgUpdate, type TgUser } from './tg-types.ts';
import { type TgDelivery, UpdateQueue } from './update-queue.ts';

export type { TelegramSimulatorOptions, TgLimits, TgMessage, TgSent, TgUpdate, TgUser } from './tg-types.ts';
export type { UserMessageSpec } from './sim-user-actions.ts';
export type { TgDelivery } from './update-queue.ts';

/** A simulated Telegram user, driven from a test. */
export interface TgSimUser {
  readonly id: number;
  send(spec: UserMessageSpec | string, opts?: { replyToMessageId?: number }): { message: TgMessage; update: TgUpdate };
  edit(messageId: number, text: string): TgUpdate;
  press(messageId: number, data: string): TgUpdate;
  block(blocked?: boolean): TgUpdate;
  /** The private chat with the bot, both ways, oldest first. */
  chat(): TgMessage[];
}

export interface TelegramSimulator {
  /** Origin of the Bot API: pass as TELEGRAM_API_URL. */
  readonly url: string;
  readonly botToken: string;
  readonly bot: TgUser;
  readonly testToken: string;
  readonly phonePageUrl: string;
  user(input?: { id?: number; first_name?: string; last_name?: string; username?: string }): TgSimUser;
  group(title: string, memberIds: number[]): number;
  /** Every update pushed to the bot (delivered or not) goes through here. */
  push(update: Record<string, unknown>): TgUpdate;
  sent(): TgSent[];
  deliveries(): TgDelivery[];
  webhook(): { url: string; secretToken?: string } | undefined;
  /** Waits until every pending update was delivered to the webhook. */
  drain(timeoutMs?: number): Promise<boolean>;
  waitForSent(pred: (s: TgSent) => boolean, timeoutMs?: number): Promise<TgSent>;
  close(): Promise<void>;
}

/**
 * A local stand-in for the Telegram Bot API (https://core.telegram.org/bots/api) with one bot:
 * the Bot API methods a Switchboard channel uses, webhook delivery with the secret header and
 * retries, getUpdates, files, rate limits, and simulated users behind a test API and a phone page.
 * It stands alone: nothing of Switchboard is imported.
 */
export async function startTelegramSimulator(options: TelegramSimulatorOptions = {}): Promise<TelegramSimulator> {
  const now = options.now ?? (() => Date.now());
  const botToken =
    options.botToken ?? `7${randomBytes(4).readUInt32BE(0) % 100_000_000}:AA${randomBytes(24).toString('base64url').slice(0, 33)}`;
  const botId = Number(botToken.split(':')[0]);
  if (!Number.isSafeInteger(botId)) throw new Error('botToken must look like "<bot id>:<secret>"');
  const testToken = options.testToken ?? newTestToken();
  const bot: TgUser = { id: botId, is_bot: true, first_name: 'Switchboard Demo', username: options.botUsername ?? 'switchboard_demo_bot' };
  const state = new TgState(bot);
  const queue = new UpdateQueue(options.retryDelaysMs ?? [1000, 2000, 4000, 8000, 16_000, 32_000, 60_000], now);
  const limits = new TgRateLimits({ ...DEFAULT_LIMITS, ...options.limits }, now);
  const users = new SimUserActions(state, queue, now);
  let url = '';
  const ctx: MethodContext = { state, queue, limits, now, baseUrl: () => url };

  const app = Fastify({ logger: false, bodyLimit: 60 * 1024 * 1024, forceCloseConnections: true, routerOptions: { maxParamLength: 500 } });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) =>
    done(null, Object.fromEntries(new URLSearchParams(String(body)))),
  );
  await app.register(multipart, { limits: { fileSize: 50 * 1024 * 1024, files: 10, fields: 50 } });
  app.setErrorHandler((err, req, reply) => {
    const status = (err as { statusCode?: number }).statusCode ?? 500;
    const message = err instanceof Error ? err.message : String(err);
    if (req.url.startsWith('/_sim/'))
      return reply.code(status).send({ error: { code: status < 500 ? 'bad_request' : 'internal_error', message } });
    // The Bot API answers a malformed request body as a 400 with its description.
    return reply
      .code(status < 500 ? 400 : 500)
      .send({ ok: false, error_code: status < 500 ? 400 : 500, description: `Bad Request: ${message}` });
  });
  let port = options.port ?? 0;
  registerTestApiAccess(app, testToken, () => port);
  registerTgTestApiRoutes(app, state, queue, users);
  registerTgPhonePage(app);
  registerBotApiRoutes(app, ctx, botToken);
  await app.listen({ port, host: options.host ?? '127.0.0.1' });
  const address = app.server.address();
  port = typeof address === 'object' && address ? address.port : port;
  const host = options.host && options.host !== '0.0.0.0' ? options.host : '127.0.0.1';
  url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  const handle = (id: number): TgSimUser => ({
    id,
    send: (spec, opts) => users.send(id, typeof spec === 'string' ? { type: 'text', text: spec } : spec, opts),
    edit: (messageId, text) => users.edit(id, messageId, text),
    press: (messageId, data) => users.press(id, messageId, data),
    block: (blocked = true) => users.block(id, blocked),
    chat: () => [...(state.users.get(id)?.messages.values() ?? [])],
  });

  return {
    url,
    botToken,
    bot,
    testToken,
    phonePageUrl: `${url}/phone?token=${testToken}`,
    user: (input = {}) => handle(state.addUser(input).user.id),
    group: (title, members) => state.addGroup(title, members).id,
    push: (update) => queue.push(update),
    sent: () => [...state.sent],
    deliveries: () => [...queue.deliveries],
    webhook: () =>
      queue.webhook
        ? { url: queue.webhook.url, ...(queue.webhook.secretToken ? { secretToken: queue.webhook.secretToken } : {}) }
        : undefined,
    drain: (timeoutMs) => queue.drain(timeoutMs),
    async waitForSent(pred, timeoutMs = 5000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const hit = state.sent.find(pred);
        if (hit) return hit;
        if (Date.now() > until)
          throw new Error(`no matching Bot API call within ${timeoutMs} ms; sent: ${JSON.stringify(state.sent.map((s) => s.method))}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    async close() {
      queue.close();
      await app.close();
    },
  };
}
