import { isRecord, nonEmptyStr } from './json-guards.ts';

/** The accounts a WhatsApp webhook body speaks for. */
export interface WebhookAccounts {
  /** Every `entry[].changes[].value.metadata.phone_number_id` (the numbers the events are about). */
  phoneNumberIds: string[];
  /** Every `entry[].id`: the WhatsApp Business Account (WABA) each entry belongs to. */
  businessAccountIds: string[];
  /**
   * The `entry[].id` of each entry carrying a template change (status, quality, category,
   * components): those are applied by WABA and template id, so they must name a WABA. An entry
   * without an id gives "" here.
   */
  templateAccountIds: string[];
}

/** Template webhooks (`message_template_status_update`, `..._quality_update`, `template_category_update`, ...). */
export function isTemplateField(field: unknown): boolean {
  return typeof field === 'string' && (field.startsWith('message_template_') || field === 'template_category_update');
}

/**
 * Collects the accounts a (parsed) webhook body names, so the edge can check that the app secret
 * that signed it belongs to all of them. Only non-empty strings count: anything else is ignored by
 * the parser too (it becomes an `invalid_item`), so it can address no number. Never throws; runs
 * on every delivery, so plain loops and no copies.
 */
export function webhookAccounts(body: unknown): WebhookAccounts {
  const out: WebhookAccounts = { phoneNumberIds: [], businessAccountIds: [], templateAccountIds: [] };
  if (!isRecord(body) || !Array.isArray(body.entry)) return out;
  const entries: unknown[] = body.entry;
  for (const entry of entries) {
    if (!isRecord(entry)) continue;
    const waba = nonEmptyStr(entry.id);
    if (waba !== undefined) out.businessAccountIds.push(waba);
    if (!Array.isArray(entry.changes)) continue;
    const changes: unknown[] = entry.changes;
    let template = false;
    for (const change of changes) {
      if (isRecord(change) && isTemplateField(change.field)) template = true;
      const value = isRecord(change) ? change.value : undefined;
      const metadata = isRecord(value) ? value.metadata : undefined;
      const id = isRecord(metadata) ? nonEmptyStr(metadata.phone_number_id) : undefined;
      if (id !== undefined) out.phoneNumberIds.push(id);
    }
    if (template) out.templateAccountIds.push(waba ?? '');
  }
  return out;
}
