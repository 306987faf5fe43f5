import { reviewButtons } from './template-button-review.ts';
import { authenticationFindings } from '../channels/whatsapp-cloud/index.ts';
import { isKnownLanguage } from '../channels/whatsapp-cloud/index.ts';
import { reviewBodyText, reviewExamples, reviewVariables, type ReviewFinding, type TextReview } from './template-text-review.ts';
import type { TemplateRequest } from './types.ts';
import { charLength, isObject } from './validation-helpers.ts';

export type { ReviewFinding } from './template-text-review.ts';

export interface ReviewResult {
  approved: boolean;
  /** Meta's rejection reason: NONE when approved, INVALID_FORMAT for format rules, INCORRECT_CATEGORY for a bad category. */
  reason: 'NONE' | 'INVALID_FORMAT' | 'INCORRECT_CATEGORY';
  findings: ReviewFinding[];
  /** What the status webhook carries for INVALID_FORMAT (from the first finding). */
  rejection_info?: { reason: string; recommendation: string };
}

export const templateCategories = ['AUTHENTICATION', 'MARKETING', 'UTILITY'] as const;
const headerFormats = ['TEXT', 'IMAGE', 'VIDEO', 'DOCUMENT', 'LOCATION', 'GIF'];

/**
 * The simulator's template review, deterministic and pure, so Switchboard's own template linter
 * can be checked against it. It applies the documented format rules (reference §8) plus our
 * choices where Meta publishes no number (see docs/simulator.md). It does not judge policy
 * (abusive content, promotional wording in UTILITY) or duplicates of other templates' wording.
 */
export function reviewTemplate(request: TemplateRequest): ReviewResult {
  const f: ReviewFinding[] = [];
  const name = request.name;
  if (typeof name !== 'string' || !/^[a-z0-9_]{1,512}$/.test(name)) {
    f.push({
      code: 'invalid_name',
      component: 'name',
      message: 'The name must be 1-512 characters of lowercase letters, digits and underscores.',
    });
  }
  const language = request.language;
  if (typeof language !== 'string' || !isKnownLanguage(language))
    f.push({ code: 'unknown_language', component: 'language', message: `Unknown language code ${JSON.stringify(language)}.` });
  const category = typeof request.category === 'string' ? request.category.toUpperCase() : '';
  const categoryOk = (templateCategories as readonly string[]).includes(category);
  if (!categoryOk)
    f.push({ code: 'invalid_category', component: 'category', message: 'category must be AUTHENTICATION, MARKETING or UTILITY.' });
  const pf =
    request.parameter_format === undefined
      ? 'POSITIONAL'
      : typeof request.parameter_format === 'string'
        ? request.parameter_format.toUpperCase()
        : '';
  if (pf !== 'POSITIONAL' && pf !== 'NAMED')
    f.push({ code: 'invalid_parameter_format', component: 'parameter_format', message: 'parameter_format must be positional or named.' });

  const components = Array.isArray(request.components) ? request.components : undefined;
  if (!components) {
    f.push({ code: 'body_missing', component: 'BODY', message: 'components must be an array with a BODY component.' });
    return finish(f, categoryOk);
  }
  // AUTHENTICATION headers, bodies and footers are Meta's preset shape, judged by authenticationFindings.
  const auth = category === 'AUTHENTICATION';
  const seen = new Set<string>();
  const texts: TextReview[] = [];
  for (const comp of components) {
    if (!isObject(comp) || typeof comp.type !== 'string') {
      f.push({ code: 'invalid_component', component: 'components', message: 'Each component must be an object with a type.' });
      continue;
    }
    const type = comp.type.toUpperCase();
    if (seen.has(type)) f.push({ code: 'duplicate_component', component: type, message: `Only one ${type} component is allowed.` });
    seen.add(type);
    if (type === 'HEADER') {
      if (!auth) reviewHeader(comp, f, texts);
    } else if (type === 'BODY') {
      if (!auth) reviewBody(comp, f, texts);
    } else if (type === 'FOOTER') {
      if (!auth) reviewFooter(comp, f);
    } else if (type === 'BUTTONS') reviewButtons(comp, f);
    else f.push({ code: 'invalid_component', component: type, message: `Unknown component type ${comp.type}.` });
  }
  if (!seen.has('BODY')) f.push({ code: 'body_missing', component: 'BODY', message: 'A template needs a BODY component.' });
  f.push(...authenticationFindings(category, components));

  // URL button variables are {{1}} in both formats (Meta's components page), so only header and body count.
  const anyPositional = texts.some((t) => t.hasPositional);
  const anyNamed = texts.some((t) => t.hasNamed);
  if (anyPositional && anyNamed)
    f.push({
      code: 'mixed_parameter_format',
      component: 'components',
      message: 'Positional ({{1}}) and named ({{name}}) variables cannot be mixed.',
    });
  else if (pf === 'POSITIONAL' && anyNamed)
    f.push({ code: 'parameter_format_mismatch', component: 'components', message: 'Named variables need parameter_format "named".' });
  else if (pf === 'NAMED' && anyPositional)
    f.push({
      code: 'parameter_format_mismatch',
      component: 'components',
      message: 'parameter_format is "named" but the text uses positional variables.',
    });
  return finish(f, categoryOk);
}

function reviewHeader(comp: Record<string, unknown>, f: ReviewFinding[], texts: TextReview[]): void {
  const format = typeof comp.format === 'string' ? comp.format.toUpperCase() : '';
  if (!headerFormats.includes(format)) {
    f.push({
      code: 'invalid_header_format',
      component: 'HEADER',
      message: 'HEADER format must be TEXT, IMAGE, VIDEO, DOCUMENT or LOCATION.',
    });
    return;
  }
  if (format === 'TEXT') {
    if (typeof comp.text !== 'string' || comp.text.trim() === '') {
      f.push({ code: 'header_text_missing', component: 'HEADER', message: 'A TEXT header needs text.' });
      return;
    }
    if (charLength(comp.text) > 60)
      f.push({
        code: 'header_too_long',
        component: 'HEADER',
        message: `Header text is ${charLength(comp.text)} characters; the maximum is 60.`,
      });
    const r = reviewVariables(comp.text, 'HEADER', f);
    if (r.names.length > 1)
      f.push({ code: 'header_too_many_variables', component: 'HEADER', message: 'A header can have at most one variable.' });
    reviewExamples(comp.example, r, { positional: 'header_text', named: 'header_text_named_params' }, 'HEADER', f);
    texts.push(r);
    return;
  }
  if (format === 'LOCATION') return;
  const handle = isObject(comp.example) ? comp.example.header_handle : undefined;
  if (!Array.isArray(handle) || handle.length === 0 || typeof handle[0] !== 'string') {
    f.push({
      code: 'missing_example',
      component: 'HEADER',
      message: `A ${format} header needs example.header_handle (a sample media handle).`,
    });
  }
}

function reviewBody(comp: Record<string, unknown>, f: ReviewFinding[], texts: TextReview[]): void {
  if (typeof comp.text !== 'string' || comp.text.trim() === '') {
    f.push({ code: 'body_missing', component: 'BODY', message: 'The BODY component needs text.' });
    return;
  }
  if (charLength(comp.text) > 1024)
    f.push({ code: 'body_too_long', component: 'BODY', message: `Body text is ${charLength(comp.text)} characters; the maximum is 1024.` });
  const r = reviewVariables(comp.text, 'BODY', f);
  reviewBodyText(comp.text, r, f);
  reviewExamples(comp.example, r, { positional: 'body_text', named: 'body_text_named_params' }, 'BODY', f);
  texts.push(r);
}

function reviewFooter(comp: Record<string, unknown>, f: ReviewFinding[]): void {
  if (typeof comp.text !== 'string' || comp.text.trim() === '') {
    f.push({ code: 'footer_text_missing', component: 'FOOTER', message: 'A FOOTER component needs text.' });
    return;
  }
  if (charLength(comp.text) > 60)
    f.push({
      code: 'footer_too_long',
      component: 'FOOTER',
      message: `Footer text is ${charLength(comp.text)} characters; the maximum is 60.`,
    });
  if (/\{\{[^{}]*\}\}/.test(comp.text))
    f.push({ code: 'footer_has_variables', component: 'FOOTER', message: 'The footer cannot contain variables.' });
}

const recommendations: Record<string, string> = {
  adjacent_variables: 'Separate parameters with descriptive text and ensure each parameter is clearly contextualized.',
  variable_at_start: 'Start and end the message with fixed text, not a parameter.',
  variable_at_end: 'Start and end the message with fixed text, not a parameter.',
  too_many_variables: 'Add more fixed text or use fewer parameters.',
  missing_example: 'Provide a sample value for every parameter.',
  non_sequential_variables: 'Number positional parameters {{1}}, {{2}}, {{3}} in order without gaps.',
};

function finish(f: ReviewFinding[], categoryOk: boolean): ReviewResult {
  if (f.length === 0) return { approved: true, reason: 'NONE', findings: f };
  const onlyCategory = !categoryOk && f.every((x) => x.code === 'invalid_category');
  const first = f[0]!;
  return {
    approved: false,
    reason: onlyCategory ? 'INCORRECT_CATEGORY' : 'INVALID_FORMAT',
    findings: f,
    rejection_info: onlyCategory
      ? undefined
      : { reason: first.message, recommendation: recommendations[first.code] ?? 'Fix the template format and submit it again.' },
  };
}
