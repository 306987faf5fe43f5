import { newId } from '../core/ids.ts';
import { sql, type Selectable } from 'kysely';
import type { ConversationVisibility } from '../auth/visible-conversation-filter.ts';
import { visibilitySql } from './conversation-visibility.ts';
import type { Executor } from '../jobs/job-queue.ts';
import type { Database } from '../storage/database-types.ts';

export type LabelRow = Selectable<Database['labels']>;

/** Every label, with how many conversations the caller may see carry it. */
export async function listLabels(db: Executor, visibility: ConversationVisibility): Promise<Array<LabelRow & { conversations: number }>> {
  const visible = visibilitySql(visibility, 'c');
  const counted = visible
    ? sql<number>`(select count(*) from conversation_labels cl join conversations c on c.id = cl.conversation_id where cl.label_id = l.id and ${visible})`
    : sql<number>`(select count(*) from conversation_labels cl where cl.label_id = l.id)`;
  return db
    .selectFrom('labels as l')
    .select(['l.id', 'l.name', 'l.color', 'l.created_at', counted.as('conversations')])
    .orderBy('l.name')
    .execute();
}

export async function findLabelByName(db: Executor, name: string): Promise<LabelRow | undefined> {
  return db.selectFrom('labels').selectAll().where('name', '=', name).executeTakeFirst();
}

/** Inserts the label; a concurrent insert of the same name wins and is returned. */
export async function ensureLabel(
  db: Executor,
  input: { name: string; color?: string | null; now: number },
): Promise<{ label: LabelRow; created: boolean }> {
  const row: LabelRow = { id: newId('lbl', input.now), name: input.name, color: input.color ?? null, created_at: input.now };
  const inserted = await db
    .insertInto('labels')
    .values(row)
    .onConflict((oc) => oc.column('name').doNothing())
    .returning('id')
    .executeTakeFirst();
  if (inserted) return { label: row, created: true };
  const existing = await findLabelByName(db, input.name);
  if (!existing) throw new Error(`label ${input.name} vanished while being created`);
  return { label: existing, created: false };
}

export async function deleteLabel(db: Executor, id: string): Promise<boolean> {
  await db.deleteFrom('conversation_labels').where('label_id', '=', id).execute();
  const res = await db.deleteFrom('labels').where('id', '=', id).executeTakeFirst();
  return Number(res.numDeletedRows) > 0;
}

/** Returns whether the conversation did not carry the label before. */
export async function attachLabel(db: Executor, conversationId: string, labelId: string, now: number): Promise<boolean> {
  const res = await db
    .insertInto('conversation_labels')
    .values({ conversation_id: conversationId, label_id: labelId, created_at: now })
    .onConflict((oc) => oc.columns(['conversation_id', 'label_id']).doNothing())
    .executeTakeFirst();
  return Number(res.numInsertedOrUpdatedRows ?? 0) > 0;
}

export async function detachLabel(db: Executor, conversationId: string, labelId: string): Promise<boolean> {
  const res = await db
    .deleteFrom('conversation_labels')
    .where('conversation_id', '=', conversationId)
    .where('label_id', '=', labelId)
    .executeTakeFirst();
  return Number(res.numDeletedRows) > 0;
}
