import type { ReviewFinding } from './template-text-review.ts';
import { scanVariables } from '../channels/whatsapp-cloud/index.ts';
import { charLength, isHttpUrl, isObject } from './validation-helpers.ts';

const knownTypes = ['QUICK_REPLY', 'URL', 'PHONE_NUMBER', 'COPY_CODE', 'OTP', 'FLOW', 'VOICE_CALL', 'CATALOG', 'MPM'];
const c = 'BUTTONS';

/**
 * BUTTONS component rules (reference §8): ≤ 10 buttons, labels ≤ 25 and unique, quick replies
 * contiguous, ≤ 2 URL (≤ 2000 chars, one variable, at the end, with an example), ≤ 1 phone
 * (≤ 20 chars), ≤ 1 copy code (example ≤ 15: the stricter of Meta's 20 and pywa's 15).
 * Returns whether URL buttons use positional/named variables. URL variables are always {{1}},
 * whatever the template's parameter_format, so they do not take part in the format-mixing rule.
 */
export function reviewButtons(component: Record<string, unknown>, findings: ReviewFinding[]): { positional: boolean; named: boolean } {
  const used = { positional: false, named: false };
  const buttons = component.buttons;
  if (!Array.isArray(buttons) || buttons.length === 0) {
    findings.push({ code: 'buttons_missing', component: c, message: 'A BUTTONS component needs a non-empty buttons array.' });
    return used;
  }
  if (buttons.length > 10)
    findings.push({ code: 'too_many_buttons', component: c, message: `At most 10 buttons are allowed, got ${buttons.length}.` });
  const counts: Record<string, number> = {};
  const labels = new Set<string>();
  const kinds: string[] = [];
  buttons.forEach((b, i) => {
    const where = `${c}[${i}]`;
    if (!isObject(b)) {
      findings.push({ code: 'invalid_button', component: where, message: 'A button must be an object.' });
      return;
    }
    const type = typeof b.type === 'string' ? b.type.toUpperCase() : '';
    if (!knownTypes.includes(type)) {
      findings.push({ code: 'invalid_button_type', component: where, message: `Unknown button type ${String(b.type)}.` });
      return;
    }
    kinds.push(type);
    counts[type] = (counts[type] ?? 0) + 1;
    const labelOptional = type === 'COPY_CODE' || type === 'OTP' || type === 'CATALOG' || type === 'MPM';
    if (typeof b.text !== 'string' || b.text.trim() === '') {
      if (!labelOptional) findings.push({ code: 'button_text_missing', component: where, message: 'The button needs a text label.' });
    } else {
      if (charLength(b.text) > 25)
        findings.push({
          code: 'button_text_too_long',
          component: where,
          message: `Button text is ${charLength(b.text)} characters; the maximum is 25.`,
        });
      if (labels.has(b.text))
        findings.push({ code: 'duplicate_button_text', component: where, message: `Two buttons have the label "${b.text}".` });
      labels.add(b.text);
    }
    if (type === 'URL') reviewUrlButton(b, where, findings, used);
    if (type === 'PHONE_NUMBER') {
      if (typeof b.phone_number !== 'string' || b.phone_number === '')
        findings.push({ code: 'phone_number_missing', component: where, message: 'A PHONE_NUMBER button needs phone_number.' });
      else if (charLength(b.phone_number) > 20)
        findings.push({ code: 'phone_number_too_long', component: where, message: 'phone_number must be at most 20 characters.' });
    }
    if (type === 'COPY_CODE') {
      const ex = Array.isArray(b.example) ? b.example[0] : b.example;
      if (typeof ex !== 'string' || ex === '')
        findings.push({ code: 'missing_example', component: where, message: 'A COPY_CODE button needs an example code.' });
      else if (charLength(ex) > 15)
        findings.push({
          code: 'copy_code_example_too_long',
          component: where,
          message: 'The copy-code example must be at most 15 characters.',
        });
    }
  });
  const limit = (type: string, max: number, code: string) => {
    if ((counts[type] ?? 0) > max)
      findings.push({ code, component: c, message: `At most ${max} ${type} button(s) are allowed, got ${counts[type]}.` });
  };
  limit('URL', 2, 'too_many_url_buttons');
  limit('PHONE_NUMBER', 1, 'too_many_phone_buttons');
  limit('COPY_CODE', 1, 'too_many_copy_code_buttons');
  limit('VOICE_CALL', 1, 'too_many_voice_call_buttons');
  // Quick replies must form one group (before or after the others): QR, URL, QR is invalid.
  const groups = kinds.map((k) => k === 'QUICK_REPLY').filter((q, i, a) => i === 0 || q !== a[i - 1]);
  if (groups.filter(Boolean).length > 1)
    findings.push({
      code: 'quick_replies_not_contiguous',
      component: c,
      message: 'Quick-reply buttons must be grouped together, not mixed between other buttons.',
    });
  return used;
}

function reviewUrlButton(
  b: Record<string, unknown>,
  where: string,
  findings: ReviewFinding[],
  used: { positional: boolean; named: boolean },
): void {
  const url = b.url;
  if (typeof url !== 'string' || url === '') {
    findings.push({ code: 'url_missing', component: where, message: 'A URL button needs url.' });
    return;
  }
  if (charLength(url) > 2000) findings.push({ code: 'url_too_long', component: where, message: 'url must be at most 2000 characters.' });
  const scan = scanVariables(url);
  if (scan.malformed || scan.invalidNames.length > 0)
    findings.push({ code: 'malformed_variable', component: where, message: 'The URL has a malformed variable.' });
  if (!isHttpUrl(url.replace(/\{\{[^{}]*\}\}/g, 'x')))
    findings.push({ code: 'invalid_url', component: where, message: 'url must be an absolute http(s) URL.' });
  if (scan.vars.length === 0) return;
  for (const v of scan.vars) {
    if (v.positional) used.positional = true;
    else used.named = true;
  }
  if (scan.vars.length > 1)
    findings.push({ code: 'too_many_url_variables', component: where, message: 'A URL can have only one variable.' });
  // Meta documents the URL suffix variable as {{1}}, also in templates with named parameters.
  if (scan.vars.some((v) => !v.positional))
    findings.push({
      code: 'url_variable_not_positional',
      component: where,
      message: 'A URL variable is always {{1}}, also in templates with named parameters.',
    });
  const lastVar = scan.vars[scan.vars.length - 1]!;
  if (lastVar.end !== url.length)
    findings.push({ code: 'url_variable_not_at_end', component: where, message: 'The URL variable must be at the end of the URL.' });
  const ex = Array.isArray(b.example) ? b.example[0] : b.example;
  if (typeof ex !== 'string' || ex === '')
    findings.push({ code: 'missing_example', component: where, message: 'A URL with a variable needs an example value.' });
}
