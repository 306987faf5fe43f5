import { type Config, DEFAULT_WEBHOOK_SETTINGS, type WebhookSettings } from '../config.ts';

export { DEFAULT_WEBHOOK_SETTINGS, type WebhookSettings } from '../config.ts';

export function webhookSettings(config: Config): WebhookSettings {
  return { ...DEFAULT_WEBHOOK_SETTINGS, ...config.eventWebhooks };
}
