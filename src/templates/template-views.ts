import { componentsOf, type TemplateRow } from './template-store.ts';

const time = (ms: number): string => new Date(Number(ms)).toISOString();
const iso = (ms: number | null): string | null => (ms === null ? null : time(ms));

/** The API's shape of a template. */
export function templateView(row: TemplateRow) {
  return {
    id: row.id,
    channel_id: row.channel_id,
    waba_id: row.waba_id,
    name: row.name,
    language: row.language,
    category: row.category,
    parameter_format: row.parameter_format,
    components: componentsOf(row),
    status: row.status,
    rejected_reason: row.rejected_reason,
    status_detail: row.status_detail === null ? null : (JSON.parse(row.status_detail) as unknown),
    quality: row.quality,
    meta_id: row.meta_id,
    submitted_at: iso(row.submitted_at),
    synced_at: iso(row.synced_at),
    created_at: time(row.created_at),
    updated_at: time(row.updated_at),
  };
}
