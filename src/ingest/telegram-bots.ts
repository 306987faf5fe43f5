import { TelegramAdapter } from '../channels/telegram/index.ts';
import type { TelegramBotConfig } from '../config.ts';
import type { Clock } from '../core/clock.ts';
import type { Deps } from '../deps.ts';
import { channelUploadStore } from '../media/channel-uploads.ts';
import type { ChannelRegistry } from '../messaging/channel-registry.ts';
import type { SendPolicy } from '../messaging/send-policy.ts';
import type { IngestLoop } from './ingest-loop.ts';
import { answerCallback } from './telegram-webhook-routes.ts';
import { storeTelegramUpdate } from './store-telegram-update.ts';

const botIdOf = (b: TelegramBotConfig) => b.botToken.split(':')[0] ?? '';

/** Channel rows and registry entries for the configured bots (before the HTTP server starts). Channel id: `tg_<bot id>`. */
export async function registerTelegramBots(
  bots: TelegramBotConfig[],
  db: Deps['storage']['db'],
  channels: ChannelRegistry,
  clock: Clock,
  policy?: SendPolicy,
  dataDir?: string,
): Promise<void> {
  for (const b of bots) {
    const botId = botIdOf(b);
    const id = `tg_${botId}`;
    await db
      .insertInto('channels')
      .values({
        id,
        kind: 'telegram',
        account_id: botId,
        business_account_id: null,
        display_phone_number: null,
        name: `Telegram bot ${botId}`,
        created_at: clock.now(),
      })
      .onConflict((oc) => oc.doNothing())
      .execute();
    channels.add(
      {
        id,
        kind: 'telegram',
        accountId: botId,
        appSecret: '',
        verifyToken: '',
        webhookSecret: b.webhookSecret,
        throughputPerSecond: b.throughputPerSecond,
        adapter: new TelegramAdapter({
          apiUrl: b.apiUrl,
          botToken: b.botToken,
          // Files uploaded through POST /api/v1/media, sent with their first message (Telegram has no upload-only call).
          ...(dataDir !== undefined ? { uploads: channelUploadStore(db, dataDir, id) } : {}),
        }),
      },
      clock,
      policy,
    );
  }
}

export interface TelegramConnection {
  stop(): Promise<void>;
}

/**
 * After the server listens: getMe checks each token (a refused token fails the start with a
 * message that names the setting, never the token), then setWebhook with the secret
 * (webhook mode), or deleteWebhook and a getUpdates loop (polling mode). The bot's @username
 * becomes its channel's name.
 */
export async function connectTelegramBots(
  deps: Deps,
  ingest: IngestLoop,
  bots: TelegramBotConfig[],
  listenUrl: string,
  processes: boolean,
): Promise<TelegramConnection> {
  const pollers: Array<{ stop(): Promise<void> }> = [];
  for (const b of bots) {
    const botId = botIdOf(b);
    const channel = deps.channels.telegramBot(botId);
    if (!channel || !(channel.adapter instanceof TelegramAdapter)) continue;
    const adapter = channel.adapter;
    const me = await adapter.getMe();
    if (!me.ok) {
      const why =
        me.httpStatus === 401 || me.httpStatus === 404
          ? `Telegram refused the bot token of bot ${botId} (${me.message}): check TELEGRAM_BOT_TOKEN (or telegramBots[].botToken) against @BotFather`
          : `could not reach the Telegram Bot API at ${b.apiUrl} for bot ${botId}: ${me.code}: ${me.message}`;
      throw new Error(why);
    }
    if (String(me.id) !== botId) throw new Error(`the Telegram token of bot ${botId} belongs to bot ${me.id}`);
    if (me.username)
      await deps.storage.db
        .updateTable('channels')
        .set({ name: `Telegram @${me.username}` })
        .where('id', '=', channel.id)
        .execute();
    if (b.mode === 'webhook') {
      const url = `${b.webhookBaseUrl ?? listenUrl}/webhooks/telegram/${botId}`;
      const set = await adapter.setWebhook(url, b.webhookSecret);
      if (!set.ok) throw new Error(`setWebhook for Telegram bot ${botId} failed: ${set.message}`);
      deps.logger.info({ bot: botId, url }, 'Telegram webhook set');
    } else if (processes) {
      const del = await adapter.deleteWebhook();
      if (!del.ok) throw new Error(`deleteWebhook for Telegram bot ${botId} failed: ${del.message}`);
      pollers.push(startPolling(deps, ingest, adapter, botId));
    }
  }
  return { stop: async () => void (await Promise.all(pollers.map((p) => p.stop()))) };
}

/**
 * getUpdates long polling for machines Telegram cannot reach. Each update is stored before the
 * next call's offset confirms it to Telegram, so one is never lost; a crash between the two
 * redelivers it, and the message's external id makes that a duplicate.
 */
function startPolling(deps: Deps, ingest: IngestLoop, adapter: TelegramAdapter, botId: string): { stop(): Promise<void> } {
  let stopped = false;
  let offset: number | undefined;
  const loop = (async () => {
    while (!stopped) {
      const r = await adapter.getUpdates(offset, 25);
      if (stopped) break;
      if (!r.ok) {
        deps.logger.warn({ bot: botId, code: r.code }, 'Telegram getUpdates failed; retrying');
        await new Promise((res) => setTimeout(res, Math.max(1000, r.retryAfterMs ?? 0)));
        continue;
      }
      for (const u of r.updates) {
        const id = (u as { update_id?: unknown }).update_id;
        if (typeof id !== 'number' || typeof u !== 'object' || u === null) continue;
        await storeTelegramUpdate(deps, ingest, botId, JSON.stringify(u), u);
        answerCallback(deps, adapter, u);
        offset = id + 1;
      }
    }
  })().catch((err: unknown) => deps.logger.error({ err, bot: botId }, 'Telegram polling stopped'));
  return {
    async stop() {
      stopped = true;
      await adapter.close().catch(() => undefined); // ends a long poll in flight
      await loop;
    },
  };
}
