/**
 * Variable syntax of template text: `{{1}}` positional, `{{first_name}}` named (lowercase
 * letters and underscores, per Meta). Anything else between double braces is invalid, and stray
 * or unbalanced braces are malformed.
 */
export interface TextVariable {
  raw: string;
  name: string;
  positional: boolean;
  start: number;
  end: number;
}

export interface TextScan {
  vars: TextVariable[];
  invalid: string[];
  malformed: boolean;
}

const CANDIDATE = /\{\{([^{}]*)\}\}/g;
const POSITIONAL = /^[0-9]+$/;
const NAMED = /^[a-z_]+$/;

export function scanText(text: string): TextScan {
  const vars: TextVariable[] = [];
  const invalid: string[] = [];
  let outside = '';
  let last = 0;
  for (const m of text.matchAll(CANDIDATE)) {
    const inner = m[1] ?? '';
    const start = m.index ?? 0;
    outside += text.slice(last, start);
    last = start + m[0].length;
    if (POSITIONAL.test(inner) || NAMED.test(inner)) vars.push({ raw: m[0], name: inner, positional: POSITIONAL.test(inner), start, end: last });
    else invalid.push(m[0]);
  }
  outside += text.slice(last);
  // `{{{1}}}` matches `{{1}}` with a brace left on either side.
  const stray = vars.some((v) => text[v.start - 1] === '{' || text[v.end] === '}');
  return { vars, invalid, malformed: outside.includes('{{') || outside.includes('}}') || stray };
}

/** Distinct names in order of first appearance. */
export function variableNames(text: string | undefined): string[] {
  if (!text) return [];
  return [...new Set(scanText(text).vars.map((v) => v.name))];
}

/** Replaces each variable by its value; a variable without a value stays as written. */
export function fillText(text: string, values: ReadonlyMap<string, string>): string {
  return text.replace(CANDIDATE, (raw, inner: string) => values.get(inner) ?? raw);
}
