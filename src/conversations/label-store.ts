import { newId } from '../core/ids.ts';
import type { Selectable } from 'kysely';
import type { Executor } from '../jobs/job-queue.ts';
import type { Database } from '../storage/database-types.ts';

export type LabelRow = Selectable<Database['labels']>;

export async function listLabels(db: Executor): Promise<Array<LabelRow & { conversations: number }>> {
  return db
    .selectFrom('labels as l')
    .leftJoin('conversation_labels as cl', 'cl.label_id', 'l.id')
    .select(['l.id', 'l.name', 'l.color', 'l.created_at', (eb) => eb.fn.count<number>('cl.conversation_id').as('conversations')])
    .groupBy(['l.id', 'l.name', 'l.color', 'l.created_at'])
    .orderBy('l.name')
    .execute();
}

export async function findLabelByName(db: Executor, name: string): Promise<LabelRow | undefined> {
  return db.selectFrom('labels').selectAll().where('name', '=', name).executeTakeFirst();
}

/** Inserts the label; a concurrent insert of the same name wins and is returned. */
export async function ensureLabel(db: Executor, input: { name: string; color?: string | null; now: number }): Promise<{ label: LabelRow; created: boolean }> {
  const row: LabelRow = { id: newId('lbl', input.now), name: input.name, color: input.color ?? null, created_at: input.now };
  const inserted = await db.insertInto('labels').values(row).onConflict((oc) => oc.column('name').doNothing()).returning('id').executeTakeFirst();
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
  const res = await db.deleteFrom('conversation_labels').where('conversation_id', '=', conversationId).where('label_id', '=', labelId).executeTakeFirst();
  return Number(res.numDeletedRows) > 0;
}
