import type { FastifyInstance } from 'fastify';
import { TelegramAdapter, telegramSecretMatches } from '../channels/telegram/index.ts';
import { HttpError } from '../core/http-error.ts';
import type { Deps } from '../deps.ts';
import type { IngestLoop } from './ingest-loop.ts';
import { jsonDeeperThan, MAX_WEBHOOK_JSON_DEPTH } from './json-depth.ts';
import { storeTelegramUpdate } from './store-telegram-update.ts';

/**
 * Telegram's webhook endpoint, one path per bot: `POST /webhooks/telegram/<bot id>`.
 * Telegram signs nothing; it sends the secret given to setWebhook in
 * `X-Telegram-Bot-Api-Secret-Token` (https://core.telegram.org/bots/api#setwebhook), checked here
 * in constant time. An unknown bot and a wrong secret get the same 401, so the route does not
 * say which bots exist. The update is stored before the 200 (store-telegram-update.ts); a
 * callback query's button spinner is stopped (answerCallbackQuery) once it is stored.
 */
export async function telegramWebhookRoutes(app: FastifyInstance, opts: { deps: Deps; ingest: IngestLoop }): Promise<void> {
  const { deps, ingest } = opts;
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: deps.config.webhookBodyLimitBytes }, (_req, body, done) =>
    done(null, body),
  );

  app.post<{ Params: { account: string } }>('/webhooks/telegram/:account', async (req, reply) => {
    const bot = deps.channels.telegramBot(req.params.account);
    const header = req.headers['x-telegram-bot-api-secret-token'];
    const given = typeof header === 'string' ? header : undefined;
    // Compared even for an unknown bot, so the answer takes as long either way.
    const ok = telegramSecretMatches(given, bot?.webhookSecret ?? 'no bot has this id');
    if (!bot || !ok)
      throw new HttpError(
        401,
        'invalid_secret_token',
        `X-Telegram-Bot-Api-Secret-Token is ${given === undefined ? 'missing' : 'wrong'} for this bot.`,
      );
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    if (!/^application\/json\b/i.test(req.headers['content-type'] ?? ''))
      throw new HttpError(400, 'not_json', 'Content-Type must be application/json.');
    if (jsonDeeperThan(raw, MAX_WEBHOOK_JSON_DEPTH))
      throw new HttpError(
        400,
        'json_too_deep',
        `The body nests arrays and objects more than ${MAX_WEBHOOK_JSON_DEPTH} levels deep; no Telegram update does.`,
      );
    let update: unknown;
    const text = raw.toString('utf8');
    try {
      update = JSON.parse(text);
    } catch {
      throw new HttpError(400, 'invalid_json', 'The body is not valid JSON.');
    }
    if (typeof update !== 'object' || update === null || Array.isArray(update))
      throw new HttpError(400, 'invalid_payload', 'The body must be a JSON object.');
    const updateId = (update as { update_id?: unknown }).update_id;
    if (typeof updateId !== 'number' || !Number.isSafeInteger(updateId))
      throw new HttpError(400, 'invalid_update', 'A Telegram update has an integer update_id.');
    await storeTelegramUpdate(deps, ingest, bot.accountId, text, update);
    answerCallback(deps, bot.adapter, update);
    return reply.status(200).send();
  });
}

/** After the update is stored: Telegram shows a spinner on the button until it is answered. */
export function answerCallback(deps: Deps, adapter: unknown, update: object): void {
  const cb = (update as { callback_query?: { id?: unknown } }).callback_query;
  if (!(adapter instanceof TelegramAdapter) || typeof cb?.id !== 'string') return;
  void adapter.answerCallbackQuery(cb.id).then((r) => {
    if (!r.ok) deps.logger.warn({ code: r.code }, 'answerCallbackQuery failed');
  });
}
