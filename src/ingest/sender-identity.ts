import type { InboundMessage } from '../channels/channel-types.ts';
import { isRecord } from '../channels/whatsapp-cloud/index.ts';
import { parseUserIdUpdates } from '../channels/whatsapp-cloud/index.ts';
import { applyIdentityChange, moveToNewBsuid, type WhatsAppIdentity } from '../contacts/whatsapp-contact-store.ts';
import { cleanUsername, isBsuid, isParentBsuid, isWaId } from '../core/whatsapp-ids.ts';
import type { Deps } from '../deps.ts';
import type { Executor } from '../jobs/job-queue.ts';

/**
 * The identity an inbound WhatsApp message gives its contact, validated: the wa_id must be digits
 * and the BSUID in Meta's format (src/core/whatsapp-ids.ts). A malformed identifier is kept out
 * of the contact's identity; the message is stored all the same, the problem is logged and
 * recorded on the webhook event (`error`). With no usable identifier at all the message goes to
 * a contact keyed `unidentified:<from>`, which has no phone, wa_id or BSUID.
 */
export function senderIdentity(
  m: InboundMessage,
  problems: string[],
  deps: Pick<Deps, 'logger'>,
  now: number,
): WhatsAppIdentity & { fallbackKey: string; now: number } {
  // Without `sender`, the parser saw only a wa_id, in `from`.
  const s = m.sender ?? { waId: m.from };
  const id: WhatsAppIdentity & { fallbackKey: string; now: number } = { fallbackKey: `unidentified:${m.from.slice(0, 150)}`, now };
  if (isWaId(s.waId)) id.waId = s.waId;
  else if (s.waId !== undefined) malformed('wa_id', s.waId);
  if (isBsuid(s.userId)) id.bsuid = s.userId;
  else if (s.userId !== undefined) malformed('user_id', s.userId);
  if (isParentBsuid(s.parentUserId)) id.parentBsuid = s.parentUserId;
  else if (s.parentUserId !== undefined) malformed('parent_user_id', s.parentUserId);
  const username = cleanUsername(s.username);
  if (username !== undefined) id.username = username;
  if (m.profileName !== undefined) id.profileName = m.profileName;
  return id;

  function malformed(field: string, value: string): void {
    const problem = `message ${m.externalId}: malformed ${field} ${JSON.stringify(value.slice(0, 150))} kept out of the contact's identity (message stored)`;
    problems.push(problem);
    deps.logger.warn(
      { wamid: m.externalId, field, value: value.slice(0, 150) },
      "malformed WhatsApp identifier kept out of the contact's identity",
    );
  }
}

/** `user_id_update` webhooks (a phone-number change gave the user a new BSUID): the contact follows. */
export async function applyIdentityUpdates(
  deps: Pick<Deps, 'logger'>,
  db: Executor,
  other: Array<{ field: string; value: unknown }>,
  problems: string[],
  now: number,
): Promise<void> {
  for (const o of other) {
    if (o.field !== 'user_id_update') continue;
    for (const u of parseUserIdUpdates(o.value)) {
      if (!isBsuid(u.previous) || !isBsuid(u.current)) {
        problems.push(`user_id_update: malformed user_id ${JSON.stringify({ previous: u.previous, current: u.current })} ignored`);
        continue;
      }
      const waId = isWaId(u.waId) ? u.waId : undefined;
      const contactId = await moveToNewBsuid(db, { previous: u.previous, current: u.current, ...(waId ? { waId } : {}), now });
      deps.logger.info(
        { contactId, previous: u.previous, current: u.current },
        contactId ? 'contact moved to its new BSUID' : 'user_id_update for no known contact (or the new BSUID is already known)',
      );
    }
  }
}

/**
 * A `system` message about the sender's identity (docs/whatsapp-identity.md, "System messages"):
 * `user_changed_number` carries the new number in `system.wa_id`, `user_changed_user_id` the new
 * BSUID in `system.user_id`. Malformed values are recorded as problems and change nothing.
 */
export async function applySystemIdentityChange(
  db: Executor,
  contactId: string,
  m: InboundMessage,
  problems: string[],
  now: number,
): Promise<void> {
  const sys = isRecord(m.raw) ? m.raw.system : undefined;
  if (!isRecord(sys)) return;
  const { type, wa_id: waId, user_id: userId } = sys;
  if (type === 'user_changed_number' && waId !== undefined) {
    if (isWaId(waId)) await applyIdentityChange(db, contactId, { waId, now });
    else problems.push(`message ${m.externalId}: malformed system.wa_id ${JSON.stringify(String(waId).slice(0, 150))} ignored`);
  } else if (type === 'user_changed_user_id' && userId !== undefined) {
    if (isBsuid(userId)) await applyIdentityChange(db, contactId, { bsuid: userId, ...(isWaId(waId) ? { waId } : {}), now });
    else problems.push(`message ${m.externalId}: malformed system.user_id ${JSON.stringify(String(userId).slice(0, 150))} ignored`);
  }
}
