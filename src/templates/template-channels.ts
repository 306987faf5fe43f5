import { WhatsAppTemplateApi } from '../channels/whatsapp-cloud/index.ts';
import { HttpError } from '../core/http-error.ts';
import type { Deps } from '../deps.ts';

export interface TemplateChannel {
  channelId: string;
  wabaId: string;
  api: WhatsAppTemplateApi;
}

// One management client per number's credentials, built on first use.
const cache = new WeakMap<Deps, Map<string, TemplateChannel>>();

/**
 * The business account a channel's templates live in, with a Graph client for it. Credentials
 * come from the number's config (the registry keeps only the send adapter).
 */
export function templateChannel(deps: Deps, channelId?: string): TemplateChannel {
  const channel = channelId ? deps.channels.byId(channelId) : deps.channels.all()[0];
  if (!channel) throw new HttpError(channelId ? 404 : 409, channelId ? 'channel_not_found' : 'no_channel', channelId ? `No channel ${channelId}.` : 'No WhatsApp number is configured.');
  let byChannel = cache.get(deps);
  if (!byChannel) cache.set(deps, (byChannel = new Map()));
  const known = byChannel.get(channel.id);
  if (known) return known;
  const number = deps.config.numbers.find((n) => n.phoneNumberId === channel.accountId);
  const wabaId = channel.businessAccountId ?? number?.businessAccountId;
  if (!number || !wabaId) {
    throw new HttpError(409, 'business_account_missing', `Channel ${channel.id} has no WhatsApp Business Account id; set WHATSAPP_BUSINESS_ACCOUNT_ID (or businessAccountId in the config file).`);
  }
  const tc: TemplateChannel = { channelId: channel.id, wabaId, api: new WhatsAppTemplateApi({ graphUrl: number.graphUrl, apiVersion: number.apiVersion, accessToken: number.accessToken }) };
  byChannel.set(channel.id, tc);
  return tc;
}

/** Every channel that has a business account (for the periodic sync). */
export function templateChannels(deps: Deps): TemplateChannel[] {
  const out: TemplateChannel[] = [];
  for (const c of deps.channels.all()) {
    try {
      out.push(templateChannel(deps, c.id));
    } catch {
      // A number without a WABA id has no templates to sync.
    }
  }
  return out;
}
