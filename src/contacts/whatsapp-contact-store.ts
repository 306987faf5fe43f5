import type { Executor } from '../jobs/job-queue.ts';
import { newId } from '../core/ids.ts';
import { waIdToE164, waIdVariants } from '../core/phone.ts';
import { isWaId } from '../core/whatsapp-ids.ts';
import { rawQuery, runRaw } from '../storage/raw-query.ts';
import { CONTACT_SELECT_LIST, insertContactIfAbsent, type WhatsAppContactRow } from './contact-store.ts';
import { mergeContacts } from './merge-contacts.ts';

/** A WhatsApp sender's identifiers, already validated (src/core/whatsapp-ids.ts). */
export interface WhatsAppIdentity {
  bsuid?: string;
  waId?: string;
  username?: string;
  /** `parent_user_id`: the parent BSUID of linked portfolios, stored as an attribute (never the identity). */
  parentBsuid?: string;
  profileName?: string;
}

export type { WhatsAppContactRow } from './contact-store.ts';

// Hot path (every inbound message): prebuilt SQL.
const BY_BSUID = rawQuery(`select ${CONTACT_SELECT_LIST} from "contacts" where "channel_kind" = 'whatsapp' and "bsuid" = ?`);
// Mexico's 521 and Brazil's ninth digit: the same person may be known under two wa_ids (phone.ts).
const BY_WA_ID = rawQuery(
  `select ${CONTACT_SELECT_LIST} from "contacts" where "channel_kind" = 'whatsapp' and "external_id" in (?, ?) order by "created_at", "id" limit 1`,
);
// A message with both identifiers (the usual case): both lookups in one statement (issue #16).
// At most three rows: the BSUID's holder and the holders of the wa_id's two spellings (unique keys).
// A union, not `bsuid = ? or external_id in (...)`: SQLite planned the `or` as a walk of every
// WhatsApp contact (the index's `channel_kind` prefix only), a cost that grew with the address book.
export const BY_BSUID_OR_WA_ID = rawQuery(
  `select ${CONTACT_SELECT_LIST} from "contacts" where "channel_kind" = 'whatsapp' and "bsuid" = ?
   union select ${CONTACT_SELECT_LIST} from "contacts" where "channel_kind" = 'whatsapp' and "external_id" in (?, ?)
   order by "created_at", "id"`,
);

/**
 * Finds or creates the WhatsApp contact a message comes from. The identity is the BSUID when
 * the message carries one; the phone number (wa_id) and username are attributes:
 * 1. a contact with this BSUID is the sender; a phone number or username it did not have, or a
 *    changed one, is recorded (a message without the phone leaves the known phone as it is);
 * 2. else a contact with this phone number (older contacts, keyed by wa_id) is the sender, and
 *    gets the BSUID: a later message with only the BSUID finds it by step 1;
 * 3. else a new contact, keyed (`external_id`, the address replies go to) by the wa_id, or by
 *    the BSUID when the number is withheld, or by `fallbackKey` when neither is usable.
 * When a username-only contact later shows its number, its key becomes the wa_id; a phone-only
 * record of that number (no BSUID) is the same person, and the two records are merged first.
 */
/** Conversations a merge closed (one open conversation per number and contact) or moved to the survivor. */
export interface MergeOutcome {
  closed: string[];
  moved: string[];
}

export async function resolveWhatsAppContact(
  db: Executor,
  id: WhatsAppIdentity & { fallbackKey: string; now: number },
  retried = false,
): Promise<WhatsAppContactRow & { merged?: MergeOutcome; created?: true }> {
  let byBsuid: WhatsAppContactRow | undefined;
  let byPhone: WhatsAppContactRow | undefined;
  if (id.bsuid && id.waId) {
    const [a, b] = waIdPair(id.waId);
    const rows = await runRaw<WhatsAppContactRow>(db, BY_BSUID_OR_WA_ID, [id.bsuid, a, b]);
    byBsuid = rows.find((r) => r.bsuid === id.bsuid);
    // As findByWaId: the oldest holder of either spelling (rows come oldest first), unless the BSUID's holder has this number.
    const known = byBsuid !== undefined && sameWaId(byBsuid.external_id, id.waId);
    byPhone = known ? undefined : rows.find((r) => r.external_id === a || r.external_id === b);
  } else {
    byBsuid = id.bsuid ? (await runRaw<WhatsAppContactRow>(db, BY_BSUID, [id.bsuid]))[0] : undefined;
    byPhone = id.waId ? await findByWaId(db, id.waId) : undefined;
  }
  let found = byBsuid ?? byPhone;
  let phoneHolder = byPhone;
  let merged: MergeOutcome | undefined;
  // Two records of one person (known by phone only, and by BSUID only): this message carries
  // both identifiers, so they merge, the older surviving (merge-contacts.ts). A phone record
  // with a different BSUID of its own is someone else's (a recycled number): never merged.
  if (byBsuid && byPhone && byBsuid.id !== byPhone.id && byPhone.bsuid === null) {
    const merge = await mergeContacts(db, byBsuid, byPhone, id.now);
    found = phoneHolder = merge.survivor;
    merged = { closed: merge.closed, moved: merge.moved };
  }
  if (found) {
    const patch: Partial<WhatsAppContactRow> = {};
    if (id.bsuid && found.bsuid !== id.bsuid) patch.bsuid = id.bsuid;
    if (id.waId && !sameWaId(found.external_id, id.waId)) {
      // Replies go to the number WhatsApp gave last, unless another contact is known by it.
      if (!phoneHolder || phoneHolder.id === found.id) patch.external_id = id.waId;
      patch.phone_e164 = waIdToE164(id.waId);
    }
    if (id.waId && found.phone_e164 === null) patch.phone_e164 = waIdToE164(id.waId);
    if (id.username && id.username !== found.username) patch.username = id.username;
    if (id.parentBsuid && id.parentBsuid !== found.parent_bsuid) patch.parent_bsuid = id.parentBsuid;
    if (id.profileName && id.profileName !== found.profile_name) patch.profile_name = id.profileName;
    if (Object.keys(patch).length === 0) return merged ? { ...found, merged } : found;
    await db
      .updateTable('contacts')
      .set({ ...patch, updated_at: id.now })
      .where('id', '=', found.id)
      .execute();
    return { ...found, ...patch, updated_at: id.now, ...(merged ? { merged } : {}) };
  }
  const row = {
    id: newId('ct', id.now),
    channel_kind: 'whatsapp',
    external_id: id.waId ?? id.bsuid ?? id.fallbackKey,
    phone_e164: id.waId ? waIdToE164(id.waId) : null,
    profile_name: id.profileName ?? null,
    bsuid: id.bsuid ?? null,
    username: id.username ?? null,
    parent_bsuid: id.parentBsuid ?? null,
    created_at: id.now,
    updated_at: id.now,
  };
  // A concurrent ingest (another PostgreSQL process) may have created it first: look again.
  if (await insertContactIfAbsent(db, row)) return { ...row, created: true };
  if (retried) throw new Error(`contact for ${row.external_id} could neither be found nor created`);
  return resolveWhatsAppContact(db, id, true);
}

function sameWaId(externalId: string, waId: string): boolean {
  return isWaId(externalId) && waIdVariants(externalId).includes(waId);
}

async function findByWaId(db: Executor, waId: string): Promise<WhatsAppContactRow | undefined> {
  const [row] = await runRaw<WhatsAppContactRow>(db, BY_WA_ID, waIdPair(waId));
  return row;
}

/** The wa_id's two spellings (the same one twice when it has only one). */
function waIdPair(waId: string): [string, string] {
  const variants = waIdVariants(waId);
  return [variants[0] ?? waId, variants[1] ?? variants[0] ?? waId];
}

/**
 * A phone-number change gave the user a new BSUID (`user_id_update`): the contact with the
 * previous BSUID takes the new one, and the new wa_id when given. Returns the contact's id, or
 * undefined when no contact had the previous BSUID or one already has the new BSUID.
 */
export async function moveToNewBsuid(
  db: Executor,
  u: { previous: string; current: string; waId?: string; now: number },
): Promise<string | undefined> {
  const [contact] = await runRaw<WhatsAppContactRow>(db, BY_BSUID, [u.previous]);
  if (!contact) return undefined;
  const [taken] = await runRaw<WhatsAppContactRow>(db, BY_BSUID, [u.current]);
  if (taken) return undefined;
  const patch: Partial<WhatsAppContactRow> = { bsuid: u.current };
  if (u.waId) {
    patch.phone_e164 = waIdToE164(u.waId);
    const holder = await findByWaId(db, u.waId);
    // Addressed by the new number, or by the new BSUID while another contact holds that number.
    patch.external_id = !holder || holder.id === contact.id ? u.waId : u.current;
  } else if (!isWaId(contact.external_id)) {
    patch.external_id = u.current; // a BSUID-keyed contact is addressed by its new BSUID
  }
  await db
    .updateTable('contacts')
    .set({ ...patch, updated_at: u.now })
    .where('id', '=', contact.id)
    .execute();
  return contact.id;
}

/** The contact with this BSUID, or a new one addressed by it (no phone, no username yet). */
export async function findOrCreateByBsuid(db: Executor, bsuid: string, now: number): Promise<WhatsAppContactRow> {
  return resolveWhatsAppContact(db, { bsuid, fallbackKey: bsuid, now });
}

/** The WhatsApp contact with this BSUID, if any. */
export async function findByBsuid(db: Executor, bsuid: string): Promise<WhatsAppContactRow | undefined> {
  return (await runRaw<WhatsAppContactRow>(db, BY_BSUID, [bsuid]))[0];
}

/**
 * A system message said the customer changed their number (`user_changed_number`, new wa_id) or
 * their BSUID (`user_changed_user_id`): the contact follows. A number another contact already
 * holds is recorded as `phone` only; a BSUID another contact holds is not taken.
 */
export async function applyIdentityChange(
  db: Executor,
  contactId: string,
  change: { waId?: string; bsuid?: string; now: number },
): Promise<void> {
  const patch: Partial<WhatsAppContactRow> = {};
  if (change.waId) {
    patch.phone_e164 = waIdToE164(change.waId);
    const holder = await findByWaId(db, change.waId);
    if (!holder || holder.id === contactId) patch.external_id = change.waId;
  }
  if (change.bsuid) {
    const holder = await findByBsuid(db, change.bsuid);
    if (!holder) patch.bsuid = change.bsuid;
  }
  if (Object.keys(patch).length > 0)
    await db
      .updateTable('contacts')
      .set({ ...patch, updated_at: change.now })
      .where('id', '=', contactId)
      .execute();
}
