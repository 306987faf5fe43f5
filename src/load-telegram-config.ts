import { createHash } from 'node:crypto';
import { DEFAULT_TELEGRAM_API_URL, type TelegramBotConfig, type TelegramConfig } from './config.ts';

type Env = Record<string, string | undefined>;

const TOKEN = /^\d{1,20}:[A-Za-z0-9_-]{20,100}$/;
// https://core.telegram.org/bots/api#setwebhook: secret_token is 1-256 of A-Z, a-z, 0-9, _ and -.
const SECRET = /^[A-Za-z0-9_-]{1,256}$/;

/**
 * Telegram's settings: one bot from TELEGRAM_BOT_TOKEN (+ TELEGRAM_WEBHOOK_SECRET, TELEGRAM_API_URL,
 * TELEGRAM_MODE, TELEGRAM_WEBHOOK_BASE_URL), more from the config file's `telegramBots` list.
 * With no bot and the WhatsApp simulator running (`npm start` out of the box), the Telegram
 * simulator runs too (TELEGRAM_SIMULATOR=false turns it off).
 */
export function loadTelegramConfig(env: Env, file: Record<string, unknown>, problems: string[], demo: boolean): TelegramConfig {
  const bots: TelegramBotConfig[] = [];
  const token = env.TELEGRAM_BOT_TOKEN;
  if (token) {
    const bot = parseBot(
      {
        botToken: token,
        webhookSecret: env.TELEGRAM_WEBHOOK_SECRET,
        apiUrl: env.TELEGRAM_API_URL,
        mode: env.TELEGRAM_MODE,
        webhookBaseUrl: env.TELEGRAM_WEBHOOK_BASE_URL,
        throughputPerSecond: env.TELEGRAM_THROUGHPUT_PER_SECOND,
      },
      'TELEGRAM_',
      problems,
    );
    if (bot) bots.push(bot);
  }
  const list = file.telegramBots;
  if (list !== undefined) {
    if (!Array.isArray(list)) problems.push('config file: "telegramBots" must be a list');
    else
      list.forEach((entry, i) => {
        if (typeof entry !== 'object' || entry === null) return problems.push(`config file: telegramBots[${i}] must be an object`);
        const bot = parseBot(entry as Record<string, unknown>, `config file: telegramBots[${i}].`, problems);
        if (bot) bots.push(bot);
      });
  }
  const ids = bots.map((b) => b.botToken.split(':')[0]);
  if (new Set(ids).size !== ids.length) problems.push('the same Telegram bot is configured twice');
  const portRaw = env.TELEGRAM_SIMULATOR_PORT;
  const port = portRaw === undefined || portRaw === '' ? 4012 : Number(portRaw);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    problems.push(`TELEGRAM_SIMULATOR_PORT must be a whole number from 0 to 65535 (got "${portRaw}")`);
  return { bots, simulator: { enabled: demo && bots.length === 0 && env.TELEGRAM_SIMULATOR !== 'false', port } };
}

function parseBot(raw: Record<string, unknown>, where: string, problems: string[]): TelegramBotConfig | undefined {
  const s = (v: unknown) => (typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined);
  const name = (k: string) => (where === 'TELEGRAM_' ? `TELEGRAM_${k.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}` : `${where}${k}`);
  const botToken = s(raw.botToken);
  // The token is never echoed: it is a credential.
  if (!botToken || !TOKEN.test(botToken)) {
    problems.push(`${name('botToken')} must be a bot token from @BotFather ("<bot id>:<secret>")`);
    return undefined;
  }
  const secret = s(raw.webhookSecret) ?? derivedSecret(botToken);
  if (!SECRET.test(secret)) problems.push(`${name('webhookSecret')} must be 1-256 characters of A-Z, a-z, 0-9, _ and -`);
  const apiUrl = (s(raw.apiUrl) ?? DEFAULT_TELEGRAM_API_URL).replace(/\/+$/, '');
  if (!/^https?:\/\//.test(apiUrl)) problems.push(`${name('apiUrl')} must be an http(s) URL`);
  const mode = s(raw.mode) ?? 'webhook';
  if (mode !== 'webhook' && mode !== 'polling') problems.push(`${name('mode')} must be webhook or polling (got "${mode}")`);
  const webhookBaseUrl = s(raw.webhookBaseUrl)?.replace(/\/+$/, '');
  if (mode === 'webhook' && webhookBaseUrl === undefined)
    problems.push(
      `${name('webhookBaseUrl')} is required in webhook mode: Switchboard's public https:// origin, where Telegram posts updates (or set ${name('mode')}=polling)`,
    );
  if (webhookBaseUrl !== undefined && !/^https?:\/\//.test(webhookBaseUrl))
    problems.push(`${name('webhookBaseUrl')} must be an http(s) URL`);
  const tput = Number(s(raw.throughputPerSecond) ?? 30);
  if (!Number.isInteger(tput) || tput < 1 || tput > 1000)
    problems.push(`${name('throughputPerSecond')} must be a whole number from 1 to 1000`);
  return {
    botToken,
    webhookSecret: secret,
    apiUrl,
    mode: mode === 'polling' ? 'polling' : 'webhook',
    ...(webhookBaseUrl ? { webhookBaseUrl } : {}),
    throughputPerSecond: Number.isInteger(tput) ? tput : 30,
  };
}

/** Without TELEGRAM_WEBHOOK_SECRET: one derived from the token, the same on every start and every process. */
function derivedSecret(token: string): string {
  return createHash('sha256').update(`switchboard-telegram-webhook:${token}`).digest('base64url');
}
