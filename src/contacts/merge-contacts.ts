import type { Executor } from '../jobs/job-queue.ts';
import type { WhatsAppContactRow } from './contact-store.ts';

/**
 * Two contact records turned out to be one person (docs/whatsapp-identity.md, "Duplicate
 * contacts"): typically one known only by phone (a payload without `user_id`) and one known only
 * by BSUID (a username user whose number was withheld), until a message carries both. The older
 * record survives and takes everything keyed by the other's id; the other is deleted.
 *
 * Runs on the caller's executor, which must be a transaction (ingest's batch is one): all of it
 * or none. Nothing is emitted: the conversations and messages are the same rows, only their
 * contact changes. What moves:
 * - conversations (with their messages, notes, labels, media, reads: those are keyed by the
 *   conversation). Both records' open conversations on one number cannot both stay open (one
 *   open conversation per contact and number): the one with the older last message is closed;
 * - the opt-in ledger (contact_opt_events), flow sessions and flow results;
 * - tags (union), attributes (the survivor's value wins on a shared key), the business's name
 *   and profile name where the survivor has none, opt-in state (the later change wins), blocked
 *   (either blocked stays blocked), and the identifiers: BSUID, phone, username, parent BSUID.
 * Returns the survivor as stored, with `identity` applied by the caller afterwards.
 */
export async function mergeContacts(
  db: Executor,
  a: WhatsAppContactRow,
  b: WhatsAppContactRow,
  now: number,
  /** An agent's merge (POST /api/v1/contacts/:id/merge): `a` survives whatever its age. */
  opts: { keepFirst?: boolean } = {},
): Promise<{ survivor: WhatsAppContactRow; merged: WhatsAppContactRow; closed: string[]; moved: string[] }> {
  const [survivor, merged] =
    opts.keepFirst || a.created_at < b.created_at || (a.created_at === b.created_at && a.id < b.id) ? [a, b] : [b, a];
  const s = await full(db, survivor.id);
  const m = await full(db, merged.id);

  // One open conversation per (number, contact): close the quieter of each clashing pair.
  const closed: string[] = [];
  const open = await db
    .selectFrom('conversations')
    .select(['id', 'channel_id', 'contact_id', 'last_message_at'])
    .where('contact_id', 'in', [s.id, m.id])
    .where('status', '<>', 'closed')
    .execute();
  for (const mine of open.filter((c) => c.contact_id === s.id)) {
    const theirs = open.find((c) => c.contact_id === m.id && c.channel_id === mine.channel_id);
    if (!theirs) continue;
    const quieter = mine.last_message_at >= theirs.last_message_at ? theirs : mine;
    await db
      .updateTable('conversations')
      .set({ status: 'closed', awaiting_human_since: null, updated_at: now })
      .where('id', '=', quieter.id)
      .execute();
    await db.deleteFrom('bot_pauses').where('conversation_id', '=', quieter.id).execute();
    closed.push(quieter.id);
  }
  const moved = (await db.selectFrom('conversations').select('id').where('contact_id', '=', m.id).execute()).map((c) => c.id);
  await db.updateTable('conversations').set({ contact_id: s.id, updated_at: now }).where('contact_id', '=', m.id).execute();
  await db.updateTable('contact_opt_events').set({ contact_id: s.id }).where('contact_id', '=', m.id).execute();
  await db.updateTable('flow_sessions').set({ contact_id: s.id }).where('contact_id', '=', m.id).execute();
  await db.updateTable('flow_results').set({ contact_id: s.id }).where('contact_id', '=', m.id).execute();

  // Free the merged record's unique keys (external_id, bsuid, telegram_chat_id) before the survivor takes them.
  await db.deleteFrom('contacts').where('id', '=', m.id).execute();

  const sOpt = s.opted_in_at ?? -1;
  const mOpt = m.opted_in_at ?? -1;
  const patch = {
    name: s.name ?? m.name,
    profile_name: s.profile_name ?? m.profile_name,
    attributes: JSON.stringify({ ...parseObject(m.attributes), ...parseObject(s.attributes) }),
    tags: JSON.stringify([...new Set([...parseTags(s.tags), ...parseTags(m.tags)])]),
    opted_in: mOpt > sOpt ? m.opted_in : s.opted_in,
    opted_in_at: mOpt > sOpt ? m.opted_in_at : s.opted_in_at,
    blocked: s.blocked === 1 || m.blocked === 1 ? 1 : 0,
    ...identityPatch(s, m),
    updated_at: now,
  };
  await db.updateTable('contacts').set(patch).where('id', '=', s.id).execute();
  // The search text of the moved conversations (triggers on contact_id) is rebuilt by the database.
  return { survivor: { ...s, ...patch } as WhatsAppContactRow, merged: m as WhatsAppContactRow, closed, moved };
}

type FullContact = WhatsAppContactRow & {
  name: string | null;
  attributes: string;
  tags: string;
  opted_in: number | null;
  opted_in_at: number | null;
  blocked: number;
  parent_bsuid: string | null;
  telegram_chat_id: string | null;
  blocked_by_user_at: number | null;
};

/**
 * The survivor's identities: its WhatsApp one (`channel_kind` whatsapp, `external_id` the wa_id
 * or BSUID, so WhatsApp ingest finds it) when either record has one, and the Telegram chat
 * (`telegram_chat_id`, which Telegram ingest looks up) when either has one. A Telegram-only
 * survivor of a WhatsApp record becomes a WhatsApp contact that also has a Telegram chat.
 * Callers refuse two records with different identities on one channel (mergeConflict).
 */
function identityPatch(s: FullContact, m: FullContact) {
  const waS = s.channel_kind === 'whatsapp';
  const waM = m.channel_kind === 'whatsapp';
  // Replies go to a number when either WhatsApp record had one.
  const externalId =
    waS && waM
      ? isDigits(s.external_id) || !isDigits(m.external_id)
        ? s.external_id
        : m.external_id
      : waM
        ? m.external_id
        : s.external_id;
  const wa = waS ? s : waM ? m : undefined;
  const other = wa === s ? m : s;
  return {
    channel_kind: waS || waM ? 'whatsapp' : s.channel_kind,
    external_id: externalId,
    bsuid: s.bsuid ?? m.bsuid,
    parent_bsuid: s.parent_bsuid ?? m.parent_bsuid,
    // A WhatsApp username first (the column WhatsApp identity search reads), else Telegram's.
    username: wa ? (wa.username ?? other.username) : (s.username ?? m.username),
    phone_e164: s.phone_e164 ?? m.phone_e164,
    telegram_chat_id: s.telegram_chat_id ?? m.telegram_chat_id,
    blocked_by_user_at: s.telegram_chat_id !== null ? s.blocked_by_user_at : m.blocked_by_user_at,
  };
}

/**
 * Why two records cannot be one contact: each holds an identity on the same channel (two
 * Telegram chats, two WhatsApp numbers or BSUIDs), and one of them would stop finding its
 * contact. A phone-only and a BSUID-only WhatsApp record may merge (ingest does the same).
 */
export function mergeConflict(a: MergeableContact, b: MergeableContact): string | null {
  if (a.telegram_chat_id !== null && b.telegram_chat_id !== null && a.telegram_chat_id !== b.telegram_chat_id)
    return 'Both contacts have a Telegram chat; a contact has one.';
  if (a.channel_kind !== 'whatsapp' || b.channel_kind !== 'whatsapp') return null;
  if (a.bsuid !== null && b.bsuid !== null && a.bsuid !== b.bsuid) return 'Both contacts have a WhatsApp BSUID; a contact has one.';
  if (isDigits(a.external_id) && isDigits(b.external_id) && a.external_id !== b.external_id)
    return 'Both contacts have a WhatsApp number; a contact has one.';
  return null;
}

export type MergeableContact = Pick<FullContact, 'channel_kind' | 'external_id' | 'bsuid' | 'telegram_chat_id'>;

async function full(db: Executor, id: string): Promise<FullContact> {
  return (await db.selectFrom('contacts').selectAll().where('id', '=', id).executeTakeFirstOrThrow()) as FullContact;
}

const isDigits = (v: string) => /^\d+$/.test(v);

function parseObject(text: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function parseTags(text: string): string[] {
  try {
    const v: unknown = JSON.parse(text);
    return Array.isArray(v) ? v.filter((t): t is string => typeof t === 'string') : [];
  } catch {
    return [];
  }
}
