import type { ChannelRegistry } from '../messaging/channel-registry.ts';
import type { Executor } from '../storage/executor.ts';

/** Events of phone_number_quality_update that mean a number's standing fell (legacy payloads; /work/shared/whatsapp-cloud-api.md). */
export const QUALITY_DROPS: ReadonlySet<string> = new Set(['FLAGGED', 'DOWNGRADE']);

/**
 * Keeps the latest `phone_number_quality_update` per number (Meta's reference:
 * https://developers.facebook.com/docs/graph-api/webhooks/reference/whatsapp-business-account/#phone_number_quality_update).
 * The change names the number by its display number only, so it is matched to a configured
 * number by digits; one naming none of ours is ignored.
 */
export async function recordNumberQuality(
  db: Executor,
  channels: ChannelRegistry,
  other: ReadonlyArray<{ field: string; value: unknown }>,
  now: number,
): Promise<void> {
  for (const item of other) {
    if (item.field !== 'phone_number_quality_update' || typeof item.value !== 'object' || item.value === null) continue;
    const v = item.value as Record<string, unknown>;
    if (typeof v.event !== 'string' || typeof v.display_phone_number !== 'string') continue;
    const digits = v.display_phone_number.replace(/\D/g, '');
    const channel = channels.all().find((c) => (c.displayPhoneNumber ?? '').replace(/\D/g, '') === digits && digits !== '');
    if (!channel) continue;
    const event = v.event.slice(0, 40);
    const limit = typeof v.current_limit === 'string' ? v.current_limit.slice(0, 40) : null;
    await db
      .insertInto('number_quality')
      .values({ channel_id: channel.id, event, current_limit: limit, updated_at: now })
      .onConflict((oc) => oc.column('channel_id').doUpdateSet({ event, current_limit: limit, updated_at: now }))
      .execute();
  }
}
