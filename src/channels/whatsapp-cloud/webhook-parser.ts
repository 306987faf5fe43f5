import type { ParsedWebhook } from '../channel-types.ts';
import { isRecord, nonEmptyStr, str, type JsonRecord } from './json-guards.ts';
import { parseInboundMessage } from './parse-inbound-message.ts';
import { parseStatusUpdate } from './parse-status-update.ts';
import { parseTemplateStatusEvent } from './parse-template-event.ts';

export type ParseWebhookResult = { ok: true; value: ParsedWebhook } | { ok: false; reason: string };

/** `other[].field` for items inside a valid envelope that we could not read. */
export const INVALID_ITEM = 'invalid_item';

/**
 * A WhatsApp Cloud API webhook body (already JSON-parsed, signature already checked) ->
 * channel-neutral messages, statuses and template events.
 *
 * Refuses (ok:false) only a body that is not a WhatsApp envelope at all. Inside a valid envelope
 * nothing throws and nothing is dropped silently:
 * - malformed entries, changes, messages and statuses go to `other` as
 *   `{ field: 'invalid_item', value: <the item> }`;
 * - a `messages` change that carries value-level `errors[]` (or neither messages nor statuses) is
 *   passed on whole as `{ field: 'messages', value }`;
 * - every other field (account_update, user_preferences, quality updates, ...) is passed on as
 *   `{ field, value }`.
 *
 * `receivedAt` (epoch ms) stands in for a missing or invalid provider timestamp; it defaults to
 * the current time. Runs on every delivery, so it uses plain loops and keeps raw sub-objects by
 * reference instead of copying them.
 */
export function parseWhatsAppWebhook(body: unknown, receivedAt?: number): ParseWebhookResult {
  if (!isRecord(body)) return { ok: false, reason: 'body is not a JSON object' };
  if (body.object !== 'whatsapp_business_account') return { ok: false, reason: 'object is not "whatsapp_business_account"' };
  const entries = body.entry;
  if (!Array.isArray(entries)) return { ok: false, reason: 'entry is not an array' };

  const out: ParsedWebhook = { messages: [], statuses: [], templateEvents: [], other: [] };
  const fallbackAt = receivedAt ?? Date.now();
  for (let e = 0; e < entries.length; e++) {
    const entry: unknown = entries[e];
    if (!isRecord(entry) || !Array.isArray(entry.changes)) {
      out.other.push({ field: INVALID_ITEM, value: entry });
      continue;
    }
    const changes: unknown[] = entry.changes;
    const wabaId = nonEmptyStr(entry.id);
    for (let c = 0; c < changes.length; c++) {
      const change = changes[c];
      const field = isRecord(change) ? str(change.field) : undefined;
      if (!isRecord(change) || field === undefined) {
        out.other.push({ field: INVALID_ITEM, value: change });
        continue;
      }
      if (field === 'messages') {
        parseMessagesChange(change, out, fallbackAt);
      } else if (field === 'message_template_status_update') {
        const event = parseTemplateStatusEvent(change.value, wabaId);
        if (event === undefined) out.other.push({ field: INVALID_ITEM, value: change });
        else out.templateEvents.push(event);
      } else {
        out.other.push({ field, value: change.value });
      }
    }
  }
  return { ok: true, value: out };
}

function parseMessagesChange(change: JsonRecord, out: ParsedWebhook, fallbackAt: number): void {
  const value = change.value;
  const metadata = isRecord(value) ? value.metadata : undefined;
  const accountId = isRecord(metadata) ? nonEmptyStr(metadata.phone_number_id) : undefined;
  // Without phone_number_id we cannot say which number a message belongs to: nothing is usable.
  if (!isRecord(value) || accountId === undefined) {
    out.other.push({ field: INVALID_ITEM, value: change });
    return;
  }
  const messages = value.messages;
  const statuses = value.statuses;
  if (Array.isArray(messages)) {
    const contacts = value.contacts;
    for (let i = 0; i < messages.length; i++) {
      const item: unknown = messages[i];
      const msg = parseInboundMessage(item, accountId, contacts, fallbackAt);
      if (msg === undefined) out.other.push({ field: INVALID_ITEM, value: item });
      else out.messages.push(msg);
    }
  }
  if (Array.isArray(statuses)) {
    for (let i = 0; i < statuses.length; i++) {
      const item: unknown = statuses[i];
      const status = parseStatusUpdate(item, accountId, fallbackAt);
      if (status === undefined) out.other.push({ field: INVALID_ITEM, value: item });
      else out.statuses.push(status);
    }
  }
  if (Array.isArray(value.errors) || (!Array.isArray(messages) && !Array.isArray(statuses))) {
    out.other.push({ field: 'messages', value });
  }
}
