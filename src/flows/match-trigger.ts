import { safeRegex } from './condition.ts';
import type { PublishedFlow } from './flow-store.ts';

const MAX_INPUT = 2000;

/**
 * Which published flow an inbound text starts: an exact match first, then a keyword (a whole
 * word, case- and accent-insensitive), then a regex, then a default flow. Per channel when the
 * trigger names one.
 */
export function matchTrigger(flows: readonly PublishedFlow[], text: string | null, channelId: string): PublishedFlow | undefined {
  const input = fold((text ?? '').slice(0, MAX_INPUT).trim());
  const onChannel = (c: string | undefined) => c === undefined || c === channelId;
  const find = (type: string, test: (value: string) => boolean) =>
    flows.find((f) => (f.doc.triggers ?? []).some((t) => t.type === type && onChannel(t.channel) && 'value' in t && test(t.value)));
  if (input !== '') {
    const hit =
      find('exact', (v) => fold(v.trim()) === input) ??
      find('keyword', (v) => new RegExp(`(^|[^\\p{L}\\p{N}])${escapeRegex(fold(v.trim()))}($|[^\\p{L}\\p{N}])`, 'u').test(input)) ??
      find('regex', (v) => safeRegex(v)?.test((text ?? '').slice(0, MAX_INPUT)) ?? false);
    if (hit) return hit;
  }
  return flows.find((f) => (f.doc.triggers ?? []).some((t) => t.type === 'default' && onChannel(t.channel)));
}

/**
 * Which published flow a template's quick-reply button starts: a `template_button` trigger naming
 * that template (case-insensitive) and the button's payload (default "continue"; case-insensitive, since
 * a button sent without a payload echoes its text).
 */
export function matchTemplateButton(
  flows: readonly PublishedFlow[],
  button: { template: string; payload: string },
  channelId: string,
): PublishedFlow | undefined {
  const name = button.template.toLowerCase();
  return flows.find((f) =>
    (f.doc.triggers ?? []).some(
      (t) =>
        t.type === 'template_button' &&
        (t.channel === undefined || t.channel === channelId) &&
        t.template.toLowerCase() === name &&
        fold(t.payload ?? 'continue') === fold(button.payload),
    ),
  );
}

/** `https://wa.me/<digits>?text=<urlencoded>`: a link that opens WhatsApp with the trigger typed. */
export function waMeLink(displayPhoneNumber: string, text: string): string {
  return `https://wa.me/${displayPhoneNumber.replace(/\D/g, '')}?text=${encodeURIComponent(text)}`;
}

function fold(s: string): string {
  return s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
