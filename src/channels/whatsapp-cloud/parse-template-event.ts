import type { TemplateStatusEvent } from '../channel-types.ts';
import { isRecord, nonEmptyStr, str } from './json-guards.ts';

/**
 * A `message_template_status_update` value -> TemplateStatusEvent, or undefined when a field we
 * need is missing. `message_template_id` arrives as a JSON number; ids are strings everywhere
 * else in Switchboard. (Ids above 2^53 would already have lost precision in JSON.parse; Meta's
 * template ids are 16 digits, below that limit.)
 */
export function parseTemplateStatusEvent(value: unknown, businessAccountId: string | undefined): TemplateStatusEvent | undefined {
  if (businessAccountId === undefined || !isRecord(value)) return undefined;
  const rawId = value.message_template_id;
  let templateId: string | undefined;
  if (typeof rawId === 'number' && Number.isSafeInteger(rawId) && rawId >= 0) templateId = String(rawId);
  else templateId = nonEmptyStr(rawId);
  const name = str(value.message_template_name);
  const language = str(value.message_template_language);
  const event = nonEmptyStr(value.event);
  if (templateId === undefined || name === undefined || language === undefined || event === undefined) return undefined;
  const out: TemplateStatusEvent = { channel: 'whatsapp', businessAccountId, templateId, name, language, event, raw: value };
  // null is meaningful (scheduled for deletion), so keep it distinct from "absent".
  const reason = value.reason;
  if (reason === null) out.reason = null;
  else if (typeof reason === 'string') out.reason = reason;
  return out;
}
