import type { AskBlock, FlowProblem } from './flow-types.ts';
import { parseJsonPath } from './json-path.ts';
import { patternProblem } from './validate-answer-rules.ts';

/** Publish-time checks of an ask block's answer rules (pattern, number, date) and `options_from`. */
export function checkAskRules(id: string, block: AskBlock, errors: FlowProblem[]): void {
  const base = `/blocks/${id}`;
  const add = (field: string, message: string) => errors.push({ block: id, field, path: `${base}/${field.replaceAll('.', '/')}`, message });
  const only = (kind: AskBlock['kind'], fields: Array<keyof AskBlock>) => {
    for (const f of fields) if (block[f] !== undefined && block.kind !== kind) add(String(f), `${String(f)} is only for kind: ${kind}`);
  };
  only('text', ['pattern', 'pattern_reprompt']);
  only('number', ['integer']);
  only('date', ['min_date', 'max_date', 'future', 'within_days', 'business_days']);
  only('choice', ['options_from']);
  if (block.pattern !== undefined) {
    const why = patternProblem(block.pattern);
    if (why) add('pattern', why);
  }
  if (
    block.min_date !== undefined &&
    block.max_date !== undefined &&
    block.min_date !== 'today' &&
    block.max_date !== 'today' &&
    block.min_date > block.max_date
  )
    add('min_date', 'min_date is after max_date');
  for (const f of ['min_date', 'max_date'] as const) {
    const v = block[f];
    if (v !== undefined && v !== 'today' && !realDate(v)) add(f, `${f} must be a real date (YYYY-MM-DD) or "today"`);
  }
  const from = block.options_from;
  if (from) {
    if (block.options !== undefined) add('options', 'give options or options_from, not both');
    if (!/^(session|result|contact)\.[A-Za-z0-9_.]+$/.test(from.var))
      add('options_from.var', 'options_from.var names a variable, like session.items');
    for (const f of ['id', 'title', 'description', 'exit'] as const) {
      const p = from[f];
      if (p !== undefined && parseJsonPath(p) === null)
        add(`options_from.${f}`, `options_from.${f} must be a JSON path into each item, like $.id`);
    }
  }
}

function realDate(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === s;
}
