import type { Deps } from '../deps.ts';
import { createRequest, type TemplateFields } from './template-input.ts';
import { templateChannel, type TemplateChannelRefusal } from './template-channels.ts';
import {
  addTemplateEvent,
  componentsOf,
  deleteTemplateRow,
  getTemplate,
  insertTemplate,
  updateTemplate,
  type TemplateRow,
} from './template-store.ts';

/** What Graph said when it refused (status 0: it could not be reached). */
export interface GraphRefusal {
  graph_status: number;
  graph_code: number | null;
  graph_subcode?: number | null;
}

export type CreateDraftResult =
  | { ok: true; row: TemplateRow }
  | { ok: false; reason: 'channel_not_found' | 'no_channel'; message: string }
  | { ok: false; reason: 'template_exists'; message: string; templateId: string };

/** Stores a linted template as a DRAFT on a channel; (name, language) is unique per channel, as on Meta. */
export async function createDraft(deps: Deps, channelId: string | undefined, f: TemplateFields): Promise<CreateDraftResult> {
  const found = templateChannel(deps, channelId);
  // A number without a business account still keeps drafts (submitting them needs one).
  if (!found.ok && found.reason !== 'business_account_missing') return { ok: false, reason: found.reason, message: found.message };
  const tc = found.ok ? found.tc : null;
  const chId = tc?.channelId ?? channelId ?? deps.channels.all()[0]?.id;
  if (!chId || !deps.channels.byId(chId)) return { ok: false, reason: 'channel_not_found', message: `No channel ${channelId ?? ''}.` };
  const now = deps.clock.now();
  const db = deps.storage.db;
  const clash = await db
    .selectFrom('templates')
    .select('id')
    .where('channel_id', '=', chId)
    .where('name', '=', f.name)
    .where('language', '=', f.language)
    .executeTakeFirst();
  if (clash)
    return {
      ok: false,
      reason: 'template_exists',
      message: `Template ${f.name} (${f.language}) already exists on this number.`,
      templateId: clash.id,
    };
  const row = await insertTemplate(db, {
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
  return { ok: true, row };
}

export type SubmitResult =
  | { ok: true; row: TemplateRow }
  | { ok: false; reason: 'template_already_submitted'; message: string }
  | TemplateChannelRefusal
  /** `graph_status` 0 or 5xx: WhatsApp could not be reached or failed; otherwise it refused the template. */
  | { ok: false; reason: 'template_submit_failed'; message: string; graph: GraphRefusal };

/**
 * Submits a draft (or a rejected template, after edits) to the channel's business account.
 * Meta answers PENDING (sometimes APPROVED at once); the review result arrives by webhook or sync.
 */
export async function submitTemplate(deps: Deps, row: TemplateRow): Promise<SubmitResult> {
  if (row.status !== 'DRAFT' && row.status !== 'REJECTED') {
    return {
      ok: false,
      reason: 'template_already_submitted',
      message: `Template ${row.name} is ${row.status}; only DRAFT or REJECTED templates are submitted.`,
    };
  }
  const found = templateChannel(deps, row.channel_id);
  if (!found.ok) return found;
  const { tc } = found;
  if (row.status === 'REJECTED' && row.meta_id) await tc.api.delete(tc.wabaId, row.name, row.meta_id);
  const res = await tc.api.create(
    tc.wabaId,
    createRequest({ ...row, parameter_format: row.parameter_format === 'named' ? 'named' : 'positional', components: componentsOf(row) }),
  );
  if (!res.ok) {
    return {
      ok: false,
      reason: 'template_submit_failed',
      message: `WhatsApp refused the template: ${res.message}`,
      graph: { graph_status: res.status, graph_code: res.code ?? null, graph_subcode: res.subcode ?? null },
    };
  }
  const now = deps.clock.now();
  const db = deps.storage.db;
  // The review webhook may already have been processed (immediate review): never move APPROVED back to PENDING.
  const current = await getTemplate(db, row.id);
  const status =
    current && current.meta_id === res.value.id && current.status !== 'DRAFT' ? current.status : res.value.status.toUpperCase();
  await updateTemplate(db, row.id, {
    status,
    meta_id: res.value.id,
    waba_id: tc.wabaId,
    rejected_reason: null,
    status_detail: null,
    submitted_at: now,
    updated_at: now,
    ...(res.value.category ? { category: res.value.category.toUpperCase() } : {}),
  });
  await addTemplateEvent(db, { templateId: row.id, source: 'submit', status, now });
  return { ok: true, row: (await getTemplate(db, row.id))! };
}

export type DeleteResult =
  | { ok: true; deletedOnMeta: boolean }
  | TemplateChannelRefusal
  | { ok: false; reason: 'template_delete_failed'; message: string; graph: GraphRefusal };

/** Deletes here and, for a submitted template, on Meta by name (Meta deletes every language of it). */
export async function deleteTemplate(deps: Deps, row: TemplateRow): Promise<DeleteResult> {
  let deletedOnMeta = false;
  if (row.meta_id && row.status !== 'DELETED') {
    const found = templateChannel(deps, row.channel_id);
    if (!found.ok) return found;
    const { tc } = found;
    const res = await tc.api.delete(tc.wabaId, row.name);
    // Already gone on Meta's side is fine; anything else must not leave us out of step.
    if (!res.ok && res.subcode !== 2593002) {
      return {
        ok: false,
        reason: 'template_delete_failed',
        message: `WhatsApp did not delete the template: ${res.message}`,
        graph: { graph_status: res.status, graph_code: res.code ?? null },
      };
    }
    deletedOnMeta = res.ok;
  }
  const db = deps.storage.db;
  if (row.meta_id) {
    // Meta deletes the name in every language: so do we.
    await db
      .deleteFrom('templates')
      .where('channel_id', '=', row.channel_id)
      .where('name', '=', row.name)
      .where('meta_id', 'is not', null)
      .execute();
  }
  await deleteTemplateRow(db, row.id);
  return { ok: true, deletedOnMeta };
}
