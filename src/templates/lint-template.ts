import { lintButtons } from './lint-buttons.ts';
import { chars, isRecord, lintBodyPlacement, lintExamples, lintVariables, type TextFacts } from './lint-text.ts';
import { lintPromotionalWording } from './promotional-wording.ts';
import { authenticationFindings } from '../channels/whatsapp-cloud/index.ts';
import { canonicalLanguage } from '../channels/whatsapp-cloud/index.ts';
import { TEMPLATE_CATEGORIES, type LintFinding } from './template-types.ts';

const HEADER_FORMATS = ['TEXT', 'IMAGE', 'VIDEO', 'DOCUMENT', 'LOCATION', 'GIF'];
const err = (code: string, component: string, message: string): LintFinding => ({ code, severity: 'error', component, message });

/**
 * Predicts Meta's review of a template create request: every error is a documented rejection
 * reason (or a rule the simulator applies where Meta gives no number); warnings are policy risks.
 * Takes unknown input because it judges what a user typed, before any schema check.
 */
export function lintTemplate(input: unknown): LintFinding[] {
  const out: LintFinding[] = [];
  const doc = isRecord(input) ? input : {};
  if (typeof doc.name !== 'string' || !/^[a-z0-9_]{1,512}$/.test(doc.name)) {
    out.push(
      err(
        'invalid_name',
        'name',
        'The name must be 1-512 characters of lowercase letters, digits and underscores (no spaces or capitals).',
      ),
    );
  }
  if (typeof doc.language !== 'string' || canonicalLanguage(doc.language) === undefined) {
    out.push(
      err(
        'unknown_language',
        'language',
        `Unknown language code ${JSON.stringify(doc.language ?? null)}; use one of Meta's codes such as es, es_MX, en_US, pt_BR.`,
      ),
    );
  }
  const category = typeof doc.category === 'string' ? doc.category.toUpperCase() : '';
  if (!(TEMPLATE_CATEGORIES as readonly string[]).includes(category))
    out.push(err('invalid_category', 'category', 'category must be MARKETING, UTILITY or AUTHENTICATION.'));
  const pf =
    doc.parameter_format === undefined ? 'POSITIONAL' : typeof doc.parameter_format === 'string' ? doc.parameter_format.toUpperCase() : '';
  if (pf !== 'POSITIONAL' && pf !== 'NAMED')
    out.push(err('invalid_parameter_format', 'parameter_format', 'parameter_format must be positional or named.'));

  if (!Array.isArray(doc.components)) {
    out.push(err('body_missing', 'BODY', 'components must be a list with a BODY component.'));
    return out;
  }
  // AUTHENTICATION headers, bodies and footers follow Meta's preset shape (authentication-templates.ts).
  const auth = category === 'AUTHENTICATION';
  const seen = new Set<string>();
  const facts: TextFacts[] = [];
  const texts: string[] = [];
  for (const comp of doc.components) {
    if (!isRecord(comp) || typeof comp.type !== 'string') {
      out.push(err('invalid_component', 'components', 'Each component must be an object with a type.'));
      continue;
    }
    const type = comp.type.toUpperCase();
    if (seen.has(type)) out.push(err('duplicate_component', type, `Only one ${type} component is allowed.`));
    seen.add(type);
    if (typeof comp.text === 'string') texts.push(comp.text);
    if (type === 'HEADER') {
      if (!auth) lintHeader(comp, out, facts);
    } else if (type === 'BODY') {
      if (!auth) lintBody(comp, out, facts);
    } else if (type === 'FOOTER') {
      if (!auth) lintFooter(comp, out);
    } else if (type === 'BUTTONS') lintButtons(comp, out);
    else out.push(err('invalid_component', type, `Unknown component type ${comp.type}; use HEADER, BODY, FOOTER or BUTTONS.`));
  }
  if (!seen.has('BODY')) out.push(err('body_missing', 'BODY', 'A template needs a BODY component.'));
  for (const f of authenticationFindings(category, doc.components)) out.push(err(f.code, f.component, f.message));
  const positional = facts.some((f) => f.positional);
  const named = facts.some((f) => f.named);
  if (positional && named)
    out.push(err('mixed_parameter_format', 'components', 'Positional ({{1}}) and named ({{name}}) variables cannot be mixed.'));
  else if (pf === 'POSITIONAL' && named)
    out.push(err('parameter_format_mismatch', 'components', 'Named variables need parameter_format "named".'));
  else if (pf === 'NAMED' && positional)
    out.push(err('parameter_format_mismatch', 'components', 'parameter_format is "named" but the text uses positional variables.'));
  lintPromotionalWording(category, texts, out);
  return out;
}

export function hasErrors(findings: LintFinding[]): boolean {
  return findings.some((f) => f.severity === 'error');
}

function lintHeader(comp: Record<string, unknown>, out: LintFinding[], facts: TextFacts[]): void {
  const format = typeof comp.format === 'string' ? comp.format.toUpperCase() : '';
  if (!HEADER_FORMATS.includes(format))
    return void out.push(err('invalid_header_format', 'HEADER', 'The header format must be TEXT, IMAGE, VIDEO, DOCUMENT or LOCATION.'));
  if (format === 'TEXT') {
    if (typeof comp.text !== 'string' || comp.text.trim() === '')
      return void out.push(err('header_text_missing', 'HEADER', 'A TEXT header needs text.'));
    if (chars(comp.text) > 60)
      out.push(err('header_too_long', 'HEADER', `The header is ${chars(comp.text)} characters; the maximum is 60.`));
    const f = lintVariables(comp.text, 'HEADER', out);
    if (f.names.length > 1) out.push(err('header_too_many_variables', 'HEADER', 'A header can have at most one variable.'));
    lintExamples(comp.example, f, 'HEADER', out);
    facts.push(f);
    return;
  }
  if (format === 'LOCATION') return;
  const handle = isRecord(comp.example) ? comp.example.header_handle : undefined;
  if (!Array.isArray(handle) || handle.length === 0 || typeof handle[0] !== 'string') {
    out.push(
      err('missing_example', 'HEADER', `A ${format} header needs example.header_handle: a sample uploaded with the Resumable Upload API.`),
    );
  }
}

function lintBody(comp: Record<string, unknown>, out: LintFinding[], facts: TextFacts[]): void {
  if (typeof comp.text !== 'string' || comp.text.trim() === '')
    return void out.push(err('body_missing', 'BODY', 'The BODY component needs text.'));
  if (chars(comp.text) > 1024) out.push(err('body_too_long', 'BODY', `The body is ${chars(comp.text)} characters; the maximum is 1024.`));
  const f = lintVariables(comp.text, 'BODY', out);
  lintBodyPlacement(comp.text, f, out);
  lintExamples(comp.example, f, 'BODY', out);
  facts.push(f);
}

function lintFooter(comp: Record<string, unknown>, out: LintFinding[]): void {
  if (typeof comp.text !== 'string' || comp.text.trim() === '')
    return void out.push(err('footer_text_missing', 'FOOTER', 'A FOOTER component needs text.'));
  if (chars(comp.text) > 60) out.push(err('footer_too_long', 'FOOTER', `The footer is ${chars(comp.text)} characters; the maximum is 60.`));
  if (/\{\{[^{}]*\}\}/.test(comp.text)) out.push(err('footer_has_variables', 'FOOTER', 'The footer cannot contain variables.'));
}
