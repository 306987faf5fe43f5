/**
 * Escape words: keywords that interrupt whatever a live session is waiting for (a question, a
 * template's button) and hand off, restart, end or jump to another flow. A flow declares them in
 * `escapes:`; a number may declare more in the config file (`numbers[].escapeKeywords`), and the
 * flow's own rules win for a keyword both name. A keyword matches the whole message, in any case,
 * with or without accents, ignoring spaces and punctuation around it ("¡Agente!" is "agente").
 */

import type { EscapeAction, EscapeRule } from '../config.ts';
import { parseTemplate } from './expression.ts';

export type { EscapeAction, EscapeRule } from '../config.ts';

/** Lower case, accents removed (NFD), punctuation and spaces at the ends dropped, inner spaces collapsed. */
export function foldKeyword(s: string): string {
  return s
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/^[\s\p{P}\p{S}]+|[\s\p{P}\p{S}]+$/gu, '')
    .replace(/\s+/g, ' ');
}

/** The first rule (the flow's before the number's) whose keyword is the whole message. */
export function matchEscape(text: string | null, ...lists: Array<readonly EscapeRule[] | undefined>): EscapeRule | null {
  if (text === null || text.length > 200) return null;
  const said = foldKeyword(text);
  if (said === '') return null;
  for (const list of lists) for (const rule of list ?? []) if (rule.keywords.some((k) => foldKeyword(k) === said)) return rule;
  return null;
}

/** Reads `escapeKeywords` from a config file's number entry; problems are pushed as sentences. */
export function parseEscapeRules(raw: unknown, where: string, problems: string[]): EscapeRule[] | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!Array.isArray(raw)) {
    problems.push(`${where} must be a list of {keywords, action}`);
    return undefined;
  }
  const rules: EscapeRule[] = [];
  raw.forEach((r: unknown, i) => {
    const at = `${where}[${i}]`;
    if (typeof r !== 'object' || r === null) return void problems.push(`${at} must be an object`);
    const rec: Record<string, unknown> = { ...r };
    const kws = rec.keywords;
    if (!Array.isArray(kws) || kws.length === 0 || !kws.every((k) => typeof k === 'string' && foldKeyword(k) !== ''))
      return void problems.push(`${at}.keywords must be a non-empty list of words`);
    const action = escapeAction(rec.action);
    if (!action) return void problems.push(`${at}.action must be handoff, restart, end or {jump: <flow id>}`);
    rules.push({
      keywords: kws.map(String),
      action,
      ...(typeof rec.message === 'string' ? { message: rec.message } : {}),
      ...(typeof rec.team === 'string' ? { team: rec.team } : {}),
    });
  });
  return rules;
}

function escapeAction(a: unknown): EscapeAction | null {
  if (a === 'handoff' || a === 'restart' || a === 'end') return a;
  if (typeof a === 'object' && a !== null && 'jump' in a && typeof a.jump === 'string' && /^[a-z0-9][a-z0-9_-]{0,63}$/.test(a.jump))
    return { jump: a.jump };
  return null;
}

/** A flow's escape rules: messages must parse, and a keyword may belong to one rule only. */
export function escapeProblems(rules: readonly EscapeRule[] | undefined): Array<{ field: string; path: string; message: string }> {
  const out: Array<{ field: string; path: string; message: string }> = [];
  const seen = new Map<string, number>();
  (rules ?? []).forEach((r, i) => {
    if (r.message !== undefined) {
      const parsed = parseTemplate(r.message);
      if (!parsed.ok)
        out.push({
          field: `escapes[${i}].message`,
          path: `/escapes/${i}/message`,
          message: `${parsed.message} (at character ${parsed.at})`,
        });
    }
    r.keywords.forEach((k, j) => {
      const f = foldKeyword(k);
      const before = seen.get(f);
      if (f === '')
        out.push({
          field: `escapes[${i}].keywords[${j}]`,
          path: `/escapes/${i}/keywords/${j}`,
          message: 'a keyword needs a letter or digit',
        });
      else if (before !== undefined)
        out.push({
          field: `escapes[${i}].keywords[${j}]`,
          path: `/escapes/${i}/keywords/${j}`,
          message: `"${k}" is already a keyword of escapes[${before}]`,
        });
      else seen.set(f, i);
    });
  });
  return out;
}
