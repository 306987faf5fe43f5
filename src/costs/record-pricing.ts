import type { StatusUpdate } from '../channels/channel-types.ts';
import type { Deps } from '../deps.ts';
import type { Executor } from '../jobs/job-queue.ts';
import { estimatePrice, rateCardFor } from './rate-card.ts';
import { pricingNumber } from '../core/whatsapp-ids.ts';
import { rawQuery, runRaw } from '../storage/raw-query.ts';

// Hot path (a message's first priced status): prebuilt SQL.
const SET_PRICE = rawQuery(`update "messages" set "pricing_category" = ?, "billable" = ?, "price" = ?, "currency" = ? where "id" = ?`);

/**
 * Records what Meta says a message costs (status callback `pricing`): its category, whether it is
 * billable, and the rate card's price for that category and the recipient's country. Billing is
 * derived from `type` (regular = billable) when present, since `billable` is slated for removal.
 * The caller found the message (by wamid, or by our id echoed in biz_opaque_callback_data, so a
 * callback that beats the send's response is still priced).
 */
export async function recordStatusPricing(
  deps: Deps,
  db: Executor,
  messageId: string,
  p: NonNullable<StatusUpdate['pricing']>,
  /** The customer's number when the caller read it already (the status's own lookup). */
  known?: { external_id: string; phone_e164: string | null },
): Promise<void> {
  if (!p.category) return;
  const recipient =
    known ??
    (await db
      .selectFrom('messages as m')
      .innerJoin('conversations as c', 'c.id', 'm.conversation_id')
      .innerJoin('contacts as ct', 'ct.id', 'c.contact_id')
      .select(['ct.external_id', 'ct.phone_e164'])
      .where('m.id', '=', messageId)
      .executeTakeFirst());
  if (!recipient) return;
  const billable = p.type !== undefined ? p.type === 'regular' : p.billable === true;
  const card = rateCardFor(deps.config);
  const price = billable ? estimatePrice(card, p.category, pricingNumber(recipient.phone_e164, recipient.external_id)) : 0;
  await runRaw(db, SET_PRICE, [p.category, billable ? 1 : 0, price, card.currency, messageId]);
}
