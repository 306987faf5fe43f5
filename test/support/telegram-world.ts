import type { Config, TelegramConfig } from '../../src/config.ts';
import { startTelegramSimulator, type TelegramSimulator } from '../../src/simulator/telegram/index.ts';
import type { TestDialect } from './dialects.ts';
import { startWorld, type World } from './test-world.ts';

/** Switchboard's `telegram` config for the simulator's bot, by webhook (Switchboard's own Telegram simulator off). */
export function simulatedBotConfig(tg: TelegramSimulator, webhookSecret: string): TelegramConfig {
  return {
    bots: [{ botToken: tg.botToken, webhookSecret, apiUrl: tg.url, mode: 'webhook', throughputPerSecond: 30 }],
    simulator: { enabled: false, port: 0 },
  };
}

export interface TelegramWorld {
  tg: TelegramSimulator;
  w: World;
  /** The simulator's bot id (its token's first part): its channel is `tg_<bot id>`. */
  botId: string;
}

/**
 * The Telegram simulator and a Switchboard (no demo bot) serving its bot by webhook beside the
 * WhatsApp simulator's number: where Telegram scenario tests start. `config` adds to Switchboard's.
 */
export async function startTelegramWorld(
  dialect: TestDialect,
  webhookSecret: string,
  config: Partial<Config> = {},
): Promise<TelegramWorld> {
  const tg = await startTelegramSimulator({ retryDelaysMs: [50] });
  try {
    const w = await startWorld({ dialect, config: { demoBot: false, ...config, telegram: simulatedBotConfig(tg, webhookSecret) } });
    return { tg, w, botId: tg.botToken.split(':')[0] ?? '' };
  } catch (err) {
    await tg.close();
    throw err;
  }
}
