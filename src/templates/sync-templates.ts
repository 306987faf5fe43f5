import type { ParsedWebhook, TemplateStatusEvent } from '../channels/channel-types.ts';
import type { RemoteTemplate } from '../channels/whatsapp-cloud/index.ts';
import type { Deps } from '../deps.ts';
import type { Executor } from '../jobs/job-queue.ts';
import { canonicalLanguage } from '../channels/whatsapp-cloud/index.ts';
import { addTemplateEvent, findTemplateByMeta, insertTemplate, listTemplates, updateTemplate } from './template-store.ts';
import type { TemplateChannel } from './template-channels.ts';

/** Statuses after which Meta no longer has the template. */
const GONE = new Set(['DELETED', 'PENDING_DELETION']);

/**
 * Applies template webhooks (status, quality, category) to our copies. Called from ingest
 * inside its batch transaction. A template we do not know yet is left to the next fetch sync,
 * which imports it with its components (webhooks carry none).
 */
export async function applyTemplateWebhooks(
  deps: Deps,
  db: Executor,
  parsed: Pick<ParsedWebhook, 'templateEvents' | 'other'>,
  now: number,
): Promise<void> {
  for (const ev of parsed.templateEvents) await applyStatusEvent(deps, db, ev, now);
  for (const o of parsed.other) {
    if (o.field !== 'message_template_quality_update' && o.field !== 'template_category_update') continue;
    const v = o.value;
    if (typeof v !== 'object' || v === null) continue;
    const rec: Record<string, unknown> = { ...v };
    const metaId =
      typeof rec.message_template_id === 'number'
        ? String(rec.message_template_id)
        : typeof rec.message_template_id === 'string'
          ? rec.message_template_id
          : undefined;
    if (!metaId) continue;
    const rows = await db.selectFrom('templates').selectAll().where('meta_id', '=', metaId).execute();
    for (const row of rows) {
      const quality = typeof rec.new_quality_score === 'string' ? rec.new_quality_score : undefined;
      // The "impending" variant names the future category in correct_category; only a completed change applies.
      const category =
        o.field === 'template_category_update' && typeof rec.previous_category === 'string' && typeof rec.new_category === 'string'
          ? rec.new_category
          : undefined;
      await updateTemplate(db, row.id, {
        ...(quality ? { quality } : {}),
        ...(category ? { category: category.toUpperCase() } : {}),
        updated_at: now,
      });
      await addTemplateEvent(db, {
        templateId: row.id,
        source: 'webhook',
        status: row.status,
        reason: quality ?? category ?? null,
        detail: rec,
        now,
      });
    }
  }
}

async function applyStatusEvent(deps: Deps, db: Executor, ev: TemplateStatusEvent, now: number): Promise<void> {
  const channels = deps.channels
    .all()
    .filter(
      (c) =>
        (c.businessAccountId ?? deps.config.numbers.find((n) => n.phoneNumberId === c.accountId)?.businessAccountId) ===
        ev.businessAccountId,
    );
  const raw: Record<string, unknown> = typeof ev.raw === 'object' && ev.raw !== null ? { ...ev.raw } : {};
  const detail = raw.rejection_info ?? raw.other_info ?? raw.disable_info ?? null;
  for (const c of channels) {
    const row = await findTemplateByMeta(db, c.id, ev.templateId, ev.name, ev.language);
    if (!row) {
      deps.logger.info(
        { template: ev.name, language: ev.language, event: ev.event },
        'status update for a template not imported yet; the next sync imports it',
      );
      continue;
    }
    const status = GONE.has(ev.event) ? 'DELETED' : ev.event === 'REINSTATED' || ev.event === 'UNARCHIVED' ? 'APPROVED' : ev.event;
    await updateTemplate(db, row.id, {
      status,
      meta_id: row.meta_id ?? ev.templateId,
      rejected_reason: status === 'REJECTED' ? (ev.reason ?? 'NONE') : null,
      status_detail: detail === null ? null : JSON.stringify(detail),
      updated_at: now,
    });
    await addTemplateEvent(db, { templateId: row.id, source: 'webhook', status, reason: ev.reason ?? null, detail: raw, now });
  }
}

export interface SyncSummary {
  channel_id: string;
  imported: number;
  updated: number;
  unchanged: number;
  removed: number;
}

/**
 * Fetches every template of the channel's business account and reconciles our copies: new ones
 * are imported, changed status/category/components/quality are updated, and submitted ones
 * Meta no longer lists are marked DELETED. Drafts are never touched.
 */
export async function syncTemplatesFromGraph(
  deps: Deps,
  tc: TemplateChannel,
): Promise<{ ok: true; summary: SyncSummary } | { ok: false; message: string; status: number }> {
  const remote = await tc.api.list(tc.wabaId);
  if (!remote.ok) return { ok: false, status: remote.status, message: remote.message };
  const now = deps.clock.now();
  const summary: SyncSummary = { channel_id: tc.channelId, imported: 0, updated: 0, unchanged: 0, removed: 0 };
  await deps.storage.db.transaction().execute(async (trx) => {
    const seen = new Set<string>();
    for (const t of remote.value) {
      const row = await findTemplateByMeta(trx, tc.channelId, t.id, t.name, t.language);
      if (row) seen.add(row.id);
      const fields = fromRemote(t);
      if (!row) {
        const created = await insertTemplate(trx, {
          channel_id: tc.channelId,
          waba_id: tc.wabaId,
          quality: null,
          ...fields,
          status_detail: null,
          submitted_at: null,
          synced_at: now,
          created_at: now,
          updated_at: now,
        });
        seen.add(created.id);
        await addTemplateEvent(trx, { templateId: created.id, source: 'sync', status: t.status, reason: 'imported', now });
        summary.imported += 1;
        continue;
      }
      const changed = (Object.keys(fields) as Array<keyof typeof fields>).filter((k) => row[k] !== fields[k]);
      if (changed.length === 0) {
        await updateTemplate(trx, row.id, { synced_at: now });
        summary.unchanged += 1;
        continue;
      }
      await updateTemplate(trx, row.id, { ...fields, waba_id: tc.wabaId, synced_at: now, updated_at: now });
      await addTemplateEvent(trx, {
        templateId: row.id,
        source: 'sync',
        status: t.status,
        reason: fields.rejected_reason,
        detail: { changed },
        now,
      });
      summary.updated += 1;
    }
    for (const row of await listTemplates(trx, { channelId: tc.channelId })) {
      if (seen.has(row.id) || row.meta_id === null || row.status === 'DRAFT' || row.status === 'DELETED') continue;
      await updateTemplate(trx, row.id, { status: 'DELETED', synced_at: now, updated_at: now });
      await addTemplateEvent(trx, { templateId: row.id, source: 'sync', status: 'DELETED', reason: 'no longer listed by Meta', now });
      summary.removed += 1;
    }
  });
  return { ok: true, summary };
}

function fromRemote(t: RemoteTemplate) {
  return {
    name: t.name,
    language: canonicalLanguage(t.language) ?? t.language,
    category: t.category,
    parameter_format: t.parameterFormat,
    components: JSON.stringify(t.components),
    status: t.status,
    rejected_reason: t.status === 'REJECTED' ? (t.rejectedReason ?? 'NONE') : null,
    meta_id: t.id,
    // Not every listing carries a quality score; keep the one the webhook gave us then.
    ...(t.quality ? { quality: t.quality } : {}),
  };
}
