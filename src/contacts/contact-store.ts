import type { Executor } from '../jobs/job-queue.ts';
import { newId } from '../core/ids.ts';
import { rawQuery, runRaw } from '../storage/raw-query.ts';

export interface ContactRow {
  id: string;
  channel_kind: string;
  external_id: string;
  phone_e164: string | null;
  profile_name: string | null;
  created_at: number;
  updated_at: number;
}

// Hot path (every inbound message): prebuilt SQL.
const SELECT_CONTACT = rawQuery(`select * from "contacts" where "channel_kind" = ? and "external_id" = ?`);

/** Finds or creates the contact for a channel user, refreshing the profile name when it changed. */
export async function upsertContact(
  db: Executor,
  input: { channelKind: string; externalId: string; phoneE164?: string; profileName?: string; now: number },
): Promise<ContactRow> {
  const [existing] = await runRaw<ContactRow>(db, SELECT_CONTACT, [input.channelKind, input.externalId]);
  if (existing) {
    if (input.profileName && input.profileName !== existing.profile_name) {
      await db
        .updateTable('contacts')
        .set({ profile_name: input.profileName, updated_at: input.now })
        .where('id', '=', existing.id)
        .execute();
      return { ...existing, profile_name: input.profileName, updated_at: input.now };
    }
    return existing;
  }
  const row: ContactRow = {
    id: newId('ct', input.now),
    channel_kind: input.channelKind,
    external_id: input.externalId,
    phone_e164: input.phoneE164 ?? null,
    profile_name: input.profileName ?? null,
    created_at: input.now,
    updated_at: input.now,
  };
  // A concurrent ingest (another PostgreSQL process) may have created it first.
  const inserted = await db.insertInto('contacts').values(row).onConflict((oc) => oc.columns(['channel_kind', 'external_id']).doNothing()).returning('id').executeTakeFirst();
  if (inserted) return row;
  const stored = await db
    .selectFrom('contacts')
    .selectAll()
    .where('channel_kind', '=', input.channelKind)
    .where('external_id', '=', input.externalId)
    .executeTakeFirstOrThrow();
  return stored;
}
