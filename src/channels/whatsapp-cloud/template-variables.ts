/**
 * Variable syntax of template text, shared by our template linter and parameter checks and by the
 * simulator's review rules, send-time checks and rendering. `{{1}}` is positional, `{{first_name}}` named (lowercase
 * letters and underscores only, per Meta); anything else between double braces is malformed.
 */
export interface TemplateVariable {
  raw: string;
  name: string;
  positional: boolean;
  start: number;
  end: number;
}

export interface VariableScan {
  vars: TemplateVariable[];
  /** Brace groups that look like variables but are not (`{{first name}}`, `{{#1}}`). */
  invalidNames: string[];
  /** Stray or unbalanced double braces (`{{1}`, `{1}}`, `{{{1}}}`). */
  malformed: boolean;
}

const candidate = /\{\{([^{}]*)\}\}/g;
const positional = /^[0-9]+$/;
const named = /^[a-z_]+$/;

export function scanVariables(text: string): VariableScan {
  const vars: TemplateVariable[] = [];
  const invalidNames: string[] = [];
  let rest = '';
  let last = 0;
  for (const m of text.matchAll(candidate)) {
    const inner = m[1] ?? '';
    const start = m.index ?? 0;
    rest += text.slice(last, start);
    last = start + m[0].length;
    if (positional.test(inner) || named.test(inner)) {
      vars.push({ raw: m[0], name: inner, positional: positional.test(inner), start, end: last });
    } else {
      invalidNames.push(m[0]);
    }
  }
  rest += text.slice(last);
  // Triple braces leave a stray brace right next to a match; check around each variable too.
  const strayAround = vars.some((v) => text[v.start - 1] === '{' || text[v.end] === '}');
  const malformed = rest.includes('{{') || rest.includes('}}') || strayAround;
  return { vars, invalidNames, malformed };
}

/** Distinct variable names in order of first appearance. */
export function distinctNames(vars: TemplateVariable[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const v of vars) {
    if (!seen.has(v.name)) {
      seen.add(v.name);
      out.push(v.name);
    }
  }
  return out;
}

/** Distinct variable names of a text, in order of first appearance. */
export function variableNames(text: string | undefined): string[] {
  return text ? distinctNames(scanVariables(text).vars) : [];
}

/** Expected parameter names of a text: positional ones sorted by number, named ones as they appear. */
export function expectedParams(text: string | undefined): string[] {
  if (!text) return [];
  const names = distinctNames(scanVariables(text).vars);
  return names.every((n) => positional.test(n)) ? names.sort((a, b) => Number(a) - Number(b)) : names;
}

/** Replace each variable by its value (missing values stay as the raw variable). */
export function substitute(text: string, values: ReadonlyMap<string, string>): string {
  return text.replace(candidate, (raw, inner: string) => values.get(inner) ?? raw);
}
