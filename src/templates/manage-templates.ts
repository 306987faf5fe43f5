import { HttpError } from '../core/http-error.ts';
import type { Deps } from '../deps.ts';
import { createRequest, type TemplateFields } from './template-input.ts';
import { templateChannel } from './template-channels.ts';
import { addTemplateEvent, componentsOf, deleteTemplateRow, getTemplate, insertTemplate, updateTemplate, type TemplateRow } from './template-store.ts';

export async function requireTemplate(deps: Deps, id: string): Promise<TemplateRow> {
  const row = await getTemplate(deps.storage.db, id);
  if (!row) throw new HttpError(404, 'template_not_found', `No template ${id}.`);
  return row;
}

/** Stores a linted template as a DRAFT on a channel; (name, language) is unique per channel, as on Meta. */
export async function createDraft(deps: Deps, channelId: string | undefined, f: TemplateFields): Promise<TemplateRow> {
  const tc = templateChannelOrNull(deps, channelId);
  const chId = tc?.channelId ?? channelId ?? deps.channels.all()[0]?.id;
  if (!chId || !deps.channels.byId(chId)) throw new HttpError(404, 'channel_not_found', `No channel ${channelId ?? ''}.`);
  const now = deps.clock.now();
  const db = deps.storage.db;
  const clash = await db.selectFrom('templates').select('id').where('channel_id', '=', chId).where('name', '=', f.name).where('language', '=', f.language).executeTakeFirst();
  if (clash) throw new HttpError(409, 'template_exists', `Template ${f.name} (${f.language}) already exists on this number.`, { template_id: clash.id });
  return insertTemplate(db, {
    channel_id: chId,
    waba_id: tc?.wabaId ?? null,
    name: f.name,
    language: f.language,
    category: f.category,
    parameter_format: f.parameter_format,
    components: JSON.stringify(f.components),
    status: 'DRAFT',
    rejected_reason: null,
    status_detail: null,
    quality: null,
    meta_id: null,
    submitted_at: null,
    synced_at: null,
    created_at: now,
    updated_at: now,
  });
}

/**
 * Submits a draft (or a rejected template, after edits) to the channel's business account.
 * Meta answers PENDING (sometimes APPROVED at once); the review result arrives by webhook or sync.
 */
export async function submitTemplate(deps: Deps, row: TemplateRow): Promise<TemplateRow> {
  if (row.status !== 'DRAFT' && row.status !== 'REJECTED') throw new HttpError(409, 'template_already_submitted', `Template ${row.name} is ${row.status}; only DRAFT or REJECTED templates are submitted.`);
  const tc = templateChannel(deps, row.channel_id);
  if (row.status === 'REJECTED' && row.meta_id) await tc.api.delete(tc.wabaId, row.name, row.meta_id);
  const res = await tc.api.create(tc.wabaId, createRequest({ ...row, parameter_format: row.parameter_format === 'named' ? 'named' : 'positional', components: componentsOf(row) }));
  if (!res.ok) {
    throw new HttpError(res.status === 0 || res.status >= 500 ? 502 : 422, 'template_submit_failed', `WhatsApp refused the template: ${res.message}`, { graph_status: res.status, graph_code: res.code ?? null, graph_subcode: res.subcode ?? null });
  }
  const now = deps.clock.now();
  const db = deps.storage.db;
  // The review webhook may already have been processed (immediate review): never move APPROVED back to PENDING.
  const current = await getTemplate(db, row.id);
  const status = current && current.meta_id === res.value.id && current.status !== 'DRAFT' ? current.status : res.value.status.toUpperCase();
  await updateTemplate(db, row.id, { status, meta_id: res.value.id, waba_id: tc.wabaId, rejected_reason: null, status_detail: null, submitted_at: now, updated_at: now, ...(res.value.category ? { category: res.value.category.toUpperCase() } : {}) });
  await addTemplateEvent(db, { templateId: row.id, source: 'submit', status, now });
  return (await getTemplate(db, row.id))!;
}

/** Deletes here and, for a submitted template, on Meta by name (Meta deletes every language of it). */
export async function deleteTemplate(deps: Deps, row: TemplateRow): Promise<{ deleted_on_meta: boolean }> {
  let deletedOnMeta = false;
  if (row.meta_id && row.status !== 'DELETED') {
    const tc = templateChannel(deps, row.channel_id);
    const res = await tc.api.delete(tc.wabaId, row.name);
    // Already gone on Meta's side is fine; anything else must not leave us out of step.
    if (!res.ok && res.subcode !== 2593002) throw new HttpError(502, 'template_delete_failed', `WhatsApp did not delete the template: ${res.message}`, { graph_status: res.status, graph_code: res.code ?? null });
    deletedOnMeta = res.ok;
  }
  const db = deps.storage.db;
  if (row.meta_id) {
    // Meta deletes the name in every language: so do we.
    await db.deleteFrom('templates').where('channel_id', '=', row.channel_id).where('name', '=', row.name).where('meta_id', 'is not', null).execute();
  }
  await deleteTemplateRow(db, row.id);
  return { deleted_on_meta: deletedOnMeta };
}

function templateChannelOrNull(deps: Deps, channelId: string | undefined) {
  try {
    return templateChannel(deps, channelId);
  } catch (e) {
    if (e instanceof HttpError && e.code === 'business_account_missing') return null;
    throw e;
  }
}
