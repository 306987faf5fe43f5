import type { LintFinding } from './template-types.ts';
import { scanVariables, type TemplateVariable } from '../channels/whatsapp-cloud/index.ts';

export interface TextFacts {
  vars: TemplateVariable[];
  names: string[];
  positional: boolean;
  named: boolean;
}

/**
 * Meta's "parameters words ratio exceeds limit" (2388293) publishes no number; ours (shared with
 * the simulator) is 2 words of fixed text per variable.
 */
export const MIN_WORDS_PER_VARIABLE = 2;

const err = (code: string, component: string, message: string): LintFinding => ({ code, severity: 'error', component, message });

/** Rules for any text with variables (header, body): braces, names, duplicates, numbering. */
export function lintVariables(text: string, component: string, out: LintFinding[]): TextFacts {
  const scan = scanVariables(text);
  if (scan.malformed)
    out.push(err('malformed_variable', component, 'Variables have mismatched or extra curly braces; write {{1}} or {{name}}.'));
  for (const bad of scan.invalidNames) {
    out.push(
      err(
        'invalid_variable_name',
        component,
        `${bad} is not a variable: use {{1}}, {{2}}... or lowercase names with underscores like {{customer_name}}.`,
      ),
    );
  }
  const names = [...new Set(scan.vars.map((v) => v.name))];
  if (names.length !== scan.vars.length)
    out.push(err('duplicate_variable', component, 'A variable appears more than once; each variable may be used once.'));
  const positional = scan.vars.some((v) => v.positional);
  const named = scan.vars.some((v) => !v.positional);
  if (positional && !named && !names.every((n, i) => Number(n) === i + 1)) {
    out.push(
      err(
        'non_sequential_variables',
        component,
        `Positional variables must be {{1}}, {{2}}, ... in order without gaps; found ${names.map((n) => `{{${n}}}`).join(', ')}.`,
      ),
    );
  }
  return { vars: scan.vars, names, positional, named };
}

/** Body-only rules: not at the start or end, not adjacent, enough fixed text per variable. */
export function lintBodyPlacement(text: string, facts: TextFacts, out: LintFinding[]): void {
  const vars = facts.vars;
  if (vars.length === 0) return;
  if (vars[0]!.start === text.length - text.trimStart().length)
    out.push(err('variable_at_start', 'BODY', 'The body starts with a variable; start with fixed text.'));
  if (vars[vars.length - 1]!.end === text.trimEnd().length)
    out.push(err('variable_at_end', 'BODY', 'The body ends with a variable; end with fixed text (a full stop is enough).'));
  for (let i = 1; i < vars.length; i++) {
    if (text.slice(vars[i - 1]!.end, vars[i]!.start).trim() === '') {
      out.push(
        err(
          'adjacent_variables',
          'BODY',
          `${vars[i - 1]!.raw} and ${vars[i]!.raw} are next to each other; put words or punctuation between them.`,
        ),
      );
      break;
    }
  }
  let fixed = text;
  for (const v of vars) fixed = fixed.replace(v.raw, ' ');
  const words = fixed.match(/[\p{L}\p{N}]+/gu)?.length ?? 0;
  const needed = MIN_WORDS_PER_VARIABLE * facts.names.length;
  if (words < needed)
    out.push(
      err(
        'too_many_variables',
        'BODY',
        `Too many variables for the length of the text: ${facts.names.length} variable(s) need at least ${needed} words of fixed text, found ${words}.`,
      ),
    );
}

/** Every variable needs a sample: `body_text: [[...]]`, `header_text: [...]`, or `*_named_params`. */
export function lintExamples(example: unknown, facts: TextFacts, where: 'HEADER' | 'BODY', out: LintFinding[]): void {
  if (facts.names.length === 0) return;
  const keys =
    where === 'BODY'
      ? { positional: 'body_text', named: 'body_text_named_params' }
      : { positional: 'header_text', named: 'header_text_named_params' };
  const missing = (what: string): void =>
    void out.push(
      err('missing_example', where, `Missing example values: ${what}. Meta rejects templates without a sample for every variable.`),
    );
  if (!isRecord(example)) return missing(`no example for ${facts.names.length} variable(s)`);
  if (facts.named) {
    const given = new Map<string, unknown>();
    const list = example[keys.named];
    if (Array.isArray(list)) for (const e of list) if (isRecord(e) && typeof e.param_name === 'string') given.set(e.param_name, e.example);
    const lacking = facts.names.filter((n) => typeof given.get(n) !== 'string' || given.get(n) === '');
    if (lacking.length > 0) missing(lacking.map((n) => `{{${n}}}`).join(', '));
    return;
  }
  const raw = example[keys.positional];
  const values: unknown = where === 'BODY' ? (Array.isArray(raw) ? raw[0] : undefined) : raw;
  if (
    !Array.isArray(values) ||
    values.length < facts.names.length ||
    values.slice(0, facts.names.length).some((v) => typeof v !== 'string' || v === '')
  ) {
    missing(
      `${keys.positional} needs ${facts.names.length} non-empty value(s)${where === 'BODY' ? ' (a nested array: [["a", "b"]])' : ''}`,
    );
  }
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Length in characters as people count them (code points), like Meta's limits. */
export function chars(s: string): number {
  return [...s].length;
}
