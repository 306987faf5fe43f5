import { distinctNames, scanVariables, type TemplateVariable } from '../channels/whatsapp-cloud/index.ts';
import { isObject } from './validation-helpers.ts';

export interface ReviewFinding {
  code: string;
  component: string;
  message: string;
}

export interface TextReview {
  vars: TemplateVariable[];
  names: string[];
  hasPositional: boolean;
  hasNamed: boolean;
}

/**
 * Variable rules that apply to any template text (header, body): malformed braces, invalid
 * names, duplicates, sequential numbering. Body-only rules (start/end, adjacency, ratio) are in
 * reviewBodyText.
 */
export function reviewVariables(text: string, component: string, findings: ReviewFinding[]): TextReview {
  const scan = scanVariables(text);
  if (scan.malformed)
    findings.push({
      code: 'malformed_variable',
      component,
      message: 'Variables have mismatched or extra curly braces (use {{1}} or {{name}}).',
    });
  for (const bad of scan.invalidNames) {
    findings.push({
      code: 'invalid_variable_name',
      component,
      message: `Variable ${bad} contains characters that are not allowed (positional {{1}} or named {{lowercase_name}} only).`,
    });
  }
  const names = distinctNames(scan.vars);
  if (names.length !== scan.vars.length)
    findings.push({ code: 'duplicate_variable', component, message: 'A variable appears more than once.' });
  const hasPositional = scan.vars.some((v) => v.positional);
  const hasNamed = scan.vars.some((v) => !v.positional);
  if (hasPositional && !hasNamed) {
    const inOrder = names.map(Number);
    const sequential = inOrder.every((n, i) => n === i + 1);
    if (!sequential)
      findings.push({
        code: 'non_sequential_variables',
        component,
        message: `Positional variables must be numbered {{1}}, {{2}}, ... in order of appearance; got ${names.map((n) => `{{${n}}}`).join(', ')}.`,
      });
  }
  return { vars: scan.vars, names, hasPositional, hasNamed };
}

/**
 * Our documented ratio rule (Meta's "parameters words ratio exceeds limit", 2388293, gives no
 * number): the body needs at least 2 words of non-variable text per variable.
 */
export const minWordsPerVariable = 2;

export function reviewBodyText(text: string, r: TextReview, findings: ReviewFinding[]): void {
  const c = 'BODY';
  if (r.vars.length === 0) return;
  const trimmedStart = text.length - text.trimStart().length;
  const first = r.vars[0]!;
  const lastVar = r.vars[r.vars.length - 1]!;
  if (first.start === trimmedStart) findings.push({ code: 'variable_at_start', component: c, message: 'The body starts with a variable.' });
  if (lastVar.end === text.trimEnd().length)
    findings.push({ code: 'variable_at_end', component: c, message: 'The body ends with a variable.' });
  for (let i = 1; i < r.vars.length; i++) {
    const between = text.slice(r.vars[i - 1]!.end, r.vars[i]!.start);
    if (between.trim() === '') {
      findings.push({
        code: 'adjacent_variables',
        component: c,
        message: `Variables ${r.vars[i - 1]!.raw} and ${r.vars[i]!.raw} are next to each other without text between them.`,
      });
      break;
    }
  }
  let stripped = text;
  for (const v of r.vars) stripped = stripped.replace(v.raw, ' ');
  const words = stripped.match(/[\p{L}\p{N}]+/gu)?.length ?? 0;
  if (words < minWordsPerVariable * r.names.length) {
    findings.push({
      code: 'too_many_variables',
      component: c,
      message: `Too many variables for the length of the text: ${r.names.length} variable(s) need at least ${minWordsPerVariable * r.names.length} words of other text, found ${words}.`,
    });
  }
}

/**
 * Examples are mandatory for every variable: positional ones as `example.<key>` (body: a nested
 * array), named ones as `example.<key>_named_params: [{param_name, example}]`.
 */
export function reviewExamples(
  example: unknown,
  r: TextReview,
  keys: { positional: 'header_text' | 'body_text'; named: 'header_text_named_params' | 'body_text_named_params' },
  component: string,
  findings: ReviewFinding[],
): void {
  if (r.names.length === 0) return;
  const fail = (detail: string): void => {
    findings.push({ code: 'missing_example', component, message: `Missing example values for the variables: ${detail}.` });
  };
  if (!isObject(example)) return fail(`no example given for ${r.names.length} variable(s)`);
  if (r.hasNamed) {
    const list = example[keys.named];
    const given = new Map<string, unknown>();
    if (Array.isArray(list)) for (const e of list) if (isObject(e) && typeof e.param_name === 'string') given.set(e.param_name, e.example);
    const lacking = r.names.filter((n) => typeof given.get(n) !== 'string' || given.get(n) === '');
    if (lacking.length > 0) fail(lacking.map((n) => `{{${n}}}`).join(', '));
    return;
  }
  const raw = example[keys.positional];
  const values: unknown = keys.positional === 'body_text' ? (Array.isArray(raw) ? raw[0] : undefined) : raw;
  if (
    !Array.isArray(values) ||
    values.length < r.names.length ||
    values.slice(0, r.names.length).some((v) => typeof v !== 'string' || v === '')
  ) {
    fail(`${keys.positional} needs ${r.names.length} non-empty value(s)`);
  }
}
