import { chars, isRecord } from './lint-text.ts';
import type { LintFinding } from './template-types.ts';
import { scanVariables } from '../channels/whatsapp-cloud/index.ts';

const KNOWN_TYPES = ['QUICK_REPLY', 'URL', 'PHONE_NUMBER', 'COPY_CODE', 'OTP', 'FLOW', 'VOICE_CALL', 'CATALOG', 'MPM'];
const LABEL_OPTIONAL = ['COPY_CODE', 'OTP', 'CATALOG', 'MPM'];
const LIMITS: Array<[type: string, max: number, code: string]> = [
  ['URL', 2, 'too_many_url_buttons'],
  ['PHONE_NUMBER', 1, 'too_many_phone_buttons'],
  ['COPY_CODE', 1, 'too_many_copy_code_buttons'],
  ['VOICE_CALL', 1, 'too_many_voice_call_buttons'],
];
/** Meta says 20; pywa enforces 15. The stricter one avoids a rejection either way. */
export const MAX_COPY_CODE = 15;

const err = (code: string, component: string, message: string): LintFinding => ({ code, severity: 'error', component, message });

/**
 * BUTTONS rules (Meta's components page): 1-10 buttons, labels 1-25 characters and unique, quick
 * replies in one group, at most 2 URL (≤ 2000 characters, one `{{1}}` suffix variable with an
 * example), 1 phone number (≤ 20), 1 copy code (example ≤ 15).
 */
export function lintButtons(component: Record<string, unknown>, out: LintFinding[]): void {
  const c = 'BUTTONS';
  const buttons = component.buttons;
  if (!Array.isArray(buttons) || buttons.length === 0) {
    out.push(err('buttons_missing', c, 'A BUTTONS component needs at least one button.'));
    return;
  }
  if (buttons.length > 10) out.push(err('too_many_buttons', c, `At most 10 buttons are allowed; this template has ${buttons.length}.`));
  const counts = new Map<string, number>();
  const labels = new Set<string>();
  const kinds: string[] = [];
  buttons.forEach((b: unknown, i) => {
    const where = `${c}[${i}]`;
    if (!isRecord(b)) return out.push(err('invalid_button', where, 'A button must be an object.'));
    const type = typeof b.type === 'string' ? b.type.toUpperCase() : '';
    if (!KNOWN_TYPES.includes(type))
      return out.push(
        err(
          'invalid_button_type',
          where,
          `Unknown button type ${JSON.stringify(b.type)}; use QUICK_REPLY, URL, PHONE_NUMBER, COPY_CODE or FLOW.`,
        ),
      );
    kinds.push(type);
    counts.set(type, (counts.get(type) ?? 0) + 1);
    if (typeof b.text !== 'string' || b.text.trim() === '') {
      if (!LABEL_OPTIONAL.includes(type)) out.push(err('button_text_missing', where, 'The button needs a text label.'));
    } else {
      if (chars(b.text) > 25)
        out.push(err('button_text_too_long', where, `The button label is ${chars(b.text)} characters; the maximum is 25.`));
      if (labels.has(b.text)) out.push(err('duplicate_button_text', where, `Two buttons are labelled "${b.text}".`));
      labels.add(b.text);
    }
    if (type === 'URL') lintUrlButton(b, where, out);
    if (type === 'PHONE_NUMBER') {
      if (typeof b.phone_number !== 'string' || b.phone_number === '')
        out.push(err('phone_number_missing', where, 'A PHONE_NUMBER button needs phone_number.'));
      else if (chars(b.phone_number) > 20) out.push(err('phone_number_too_long', where, 'phone_number must be at most 20 characters.'));
    }
    if (type === 'COPY_CODE') {
      const ex = Array.isArray(b.example) ? b.example[0] : b.example;
      if (typeof ex !== 'string' || ex === '') out.push(err('missing_example', where, 'A COPY_CODE button needs an example code.'));
      else if (chars(ex) > MAX_COPY_CODE)
        out.push(err('copy_code_example_too_long', where, `The copy-code example must be at most ${MAX_COPY_CODE} characters.`));
    }
  });
  for (const [type, max, code] of LIMITS) {
    const n = counts.get(type) ?? 0;
    if (n > max) out.push(err(code, c, `At most ${max} ${type} button(s) are allowed; this template has ${n}.`));
  }
  // Quick replies form one group, before or after the others: QR, URL, QR is rejected.
  const groups = kinds.map((k) => k === 'QUICK_REPLY').filter((q, i, a) => i === 0 || q !== a[i - 1]);
  if (groups.filter(Boolean).length > 1)
    out.push(err('quick_replies_not_contiguous', c, 'Quick-reply buttons must be grouped together, not mixed between other buttons.'));
}

function lintUrlButton(b: Record<string, unknown>, where: string, out: LintFinding[]): void {
  const url = b.url;
  if (typeof url !== 'string' || url === '') return void out.push(err('url_missing', where, 'A URL button needs url.'));
  if (chars(url) > 2000) out.push(err('url_too_long', where, 'The URL must be at most 2000 characters.'));
  const scan = scanVariables(url);
  if (scan.malformed || scan.invalidNames.length > 0)
    out.push(err('malformed_variable', where, 'The URL has a malformed variable; write https://example.com/path/{{1}}.'));
  if (!isHttpUrl(url.replace(/\{\{[^{}]*\}\}/g, 'x'))) out.push(err('invalid_url', where, 'The URL must be an absolute http(s) URL.'));
  if (scan.vars.length === 0) return;
  if (scan.vars.length > 1) out.push(err('too_many_url_variables', where, 'A URL can have only one variable, at the end.'));
  // Meta documents URL button variables as {{1}} whatever the template's parameter_format.
  if (scan.vars.some((v) => !v.positional))
    out.push(err('url_variable_not_positional', where, 'A URL variable is always {{1}}, also in templates with named parameters.'));
  if (scan.vars[scan.vars.length - 1]!.end !== url.length)
    out.push(err('url_variable_not_at_end', where, 'The URL variable must be the last thing in the URL.'));
  const ex = Array.isArray(b.example) ? b.example[0] : b.example;
  if (typeof ex !== 'string' || ex === '') out.push(err('missing_example', where, 'A URL with a variable needs an example value for it.'));
}

function isHttpUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return u.protocol === 'https:' || u.protocol === 'http:';
  } catch {
    return false;
  }
}
