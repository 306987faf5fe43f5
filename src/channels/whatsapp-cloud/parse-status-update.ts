import type { StatusUpdate } from '../channel-types.ts';
import { bool, isRecord, nonEmptyStr, str, unixSecondsToMs } from './json-guards.ts';
import { parseProviderErrors } from './provider-errors.ts';

/**
 * One `value.statuses[]` item -> StatusUpdate, or undefined when it is not one we can use
 * (no id, or a status string we do not know); the caller files those under `invalid_item`.
 */
export function parseStatusUpdate(item: unknown, accountId: string, fallbackAt: number): StatusUpdate | undefined {
  if (!isRecord(item)) return undefined;
  const id = nonEmptyStr(item.id);
  const status = item.status;
  if (id === undefined) return undefined;
  if (status !== 'sent' && status !== 'delivered' && status !== 'read' && status !== 'played' && status !== 'failed') {
    return undefined;
  }
  const update: StatusUpdate = {
    channel: 'whatsapp',
    channelAccountId: accountId,
    externalId: id,
    status,
    at: unixSecondsToMs(item.timestamp) ?? fallbackAt,
    raw: item,
  };
  // recipient_id is omitted when the business addressed a BSUID (2026 usernames).
  const recipientId = nonEmptyStr(item.recipient_id) ?? nonEmptyStr(item.recipient_user_id);
  if (recipientId !== undefined) update.recipientId = recipientId;
  const errors = parseProviderErrors(item.errors);
  if (errors !== undefined) update.errors = errors;

  const p = item.pricing;
  if (isRecord(p)) {
    const pricing: NonNullable<StatusUpdate['pricing']> = {};
    const billable = bool(p.billable);
    if (billable !== undefined) pricing.billable = billable;
    const model = str(p.pricing_model);
    if (model !== undefined) pricing.pricingModel = model;
    const type = str(p.type);
    if (type !== undefined) pricing.type = type;
    const category = str(p.category);
    if (category !== undefined) pricing.category = category;
    update.pricing = pricing;
  }

  const c = item.conversation;
  if (isRecord(c)) {
    const conversation: NonNullable<StatusUpdate['conversation']> = {};
    const cid = str(c.id);
    if (cid !== undefined) conversation.id = cid;
    const origin = c.origin;
    const originType = isRecord(origin) ? str(origin.type) : undefined;
    if (originType !== undefined) conversation.originType = originType;
    const expiresAt = unixSecondsToMs(c.expiration_timestamp);
    if (expiresAt !== undefined) conversation.expiresAt = expiresAt;
    update.conversation = conversation;
  }

  const opaque = str(item.biz_opaque_callback_data);
  if (opaque !== undefined) update.bizOpaqueCallbackData = opaque;
  return update;
}
