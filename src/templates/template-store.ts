import type { Selectable } from 'kysely';
import { newId } from '../core/ids.ts';
import type { Executor } from '../jobs/job-queue.ts';
import type { Database } from '../storage/database-types.ts';
import { sameLanguage } from '../channels/whatsapp-cloud/index.ts';
import type { TemplateComponent } from './template-types.ts';

export type TemplateRow = Selectable<Database['templates']>;

/** The templates table: the only file of this module that writes SQL for it. */
export async function insertTemplate(db: Executor, row: Omit<TemplateRow, 'id'> & { id?: string }): Promise<TemplateRow> {
  const full: TemplateRow = { ...row, id: row.id ?? newId('tpl', row.created_at) };
  await db.insertInto('templates').values(full).execute();
  return full;
}

export async function getTemplate(db: Executor, id: string): Promise<TemplateRow | undefined> {
  return db.selectFrom('templates').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listTemplates(
  db: Executor,
  filter: { channelId?: string; status?: string; name?: string; category?: string } = {},
): Promise<TemplateRow[]> {
  let q = db.selectFrom('templates').selectAll();
  if (filter.channelId) q = q.where('channel_id', '=', filter.channelId);
  if (filter.status) q = q.where('status', '=', filter.status);
  if (filter.name) q = q.where('name', '=', filter.name);
  if (filter.category) q = q.where('category', '=', filter.category);
  return q.orderBy('name').orderBy('language').execute();
}

/** By name (and language, `en-US` = `en_US`) on a channel; the first language when none is given. */
export async function findTemplateByName(
  db: Executor,
  channelId: string,
  name: string,
  language?: string,
): Promise<TemplateRow | undefined> {
  const rows = await listTemplates(db, { channelId, name });
  return language ? rows.find((r) => sameLanguage(r.language, language)) : rows[0];
}

export async function findTemplateByMeta(
  db: Executor,
  channelId: string,
  metaId: string,
  name: string,
  language: string,
): Promise<TemplateRow | undefined> {
  const byId = await db
    .selectFrom('templates')
    .selectAll()
    .where('channel_id', '=', channelId)
    .where('meta_id', '=', metaId)
    .executeTakeFirst();
  return byId ?? findTemplateByName(db, channelId, name, language);
}

export async function updateTemplate(db: Executor, id: string, patch: Partial<Omit<TemplateRow, 'id' | 'created_at'>>): Promise<void> {
  await db.updateTable('templates').set(patch).where('id', '=', id).execute();
}

export async function deleteTemplateRow(db: Executor, id: string): Promise<void> {
  await db.deleteFrom('templates').where('id', '=', id).execute();
}

export async function addTemplateEvent(
  db: Executor,
  e: {
    templateId: string;
    source: 'webhook' | 'sync' | 'submit' | 'api';
    status: string | null;
    reason?: string | null;
    detail?: unknown;
    now: number;
  },
): Promise<void> {
  await db
    .insertInto('template_events')
    .values({
      id: newId('tple', e.now),
      template_id: e.templateId,
      source: e.source,
      status: e.status,
      reason: e.reason ?? null,
      detail: e.detail === undefined ? null : JSON.stringify(e.detail),
      created_at: e.now,
    })
    .execute();
}

export function componentsOf(row: TemplateRow): TemplateComponent[] {
  const parsed: unknown = JSON.parse(row.components);
  return Array.isArray(parsed) ? parsed : [];
}
