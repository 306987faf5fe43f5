import { WhatsAppTemplateApi } from '../channels/whatsapp-cloud/index.ts';
import type { Deps } from '../deps.ts';

export interface TemplateChannel {
  channelId: string;
  wabaId: string;
  api: WhatsAppTemplateApi;
}

/** A number whose templates cannot be managed: no such channel, none at all, or no business account id. */
export interface TemplateChannelRefusal {
  ok: false;
  reason: 'channel_not_found' | 'no_channel' | 'business_account_missing';
  message: string;
}

// One management client per number's credentials, built on first use.
const cache = new WeakMap<Deps, Map<string, TemplateChannel>>();

/**
 * The business account a channel's templates live in, with a Graph client for it. Credentials
 * come from the number's config (the registry keeps only the send adapter).
 */
export function templateChannel(deps: Deps, channelId?: string): { ok: true; tc: TemplateChannel } | TemplateChannelRefusal {
  const channel = channelId ? deps.channels.byId(channelId) : deps.channels.all()[0];
  if (!channel)
    return channelId
      ? { ok: false, reason: 'channel_not_found', message: `No channel ${channelId}.` }
      : { ok: false, reason: 'no_channel', message: 'No WhatsApp number is configured.' };
  let byChannel = cache.get(deps);
  if (!byChannel) cache.set(deps, (byChannel = new Map()));
  const known = byChannel.get(channel.id);
  if (known) return { ok: true, tc: known };
  const number = deps.config.numbers.find((n) => n.phoneNumberId === channel.accountId);
  const wabaId = channel.businessAccountId ?? number?.businessAccountId;
  if (!number || !wabaId) {
    return {
      ok: false,
      reason: 'business_account_missing',
      message: `Channel ${channel.id} has no WhatsApp Business Account id; set WHATSAPP_BUSINESS_ACCOUNT_ID (or businessAccountId in the config file).`,
    };
  }
  const tc: TemplateChannel = {
    channelId: channel.id,
    wabaId,
    api: new WhatsAppTemplateApi({ graphUrl: number.graphUrl, apiVersion: number.apiVersion, accessToken: number.accessToken }),
  };
  byChannel.set(channel.id, tc);
  return { ok: true, tc };
}

/** Every channel that has a business account (for the periodic sync). */
export function templateChannels(deps: Deps): TemplateChannel[] {
  const out: TemplateChannel[] = [];
  for (const c of deps.channels.all()) {
    const found = templateChannel(deps, c.id);
    // A number without a WABA id has no templates to sync.
    if (found.ok) out.push(found.tc);
  }
  return out;
}
