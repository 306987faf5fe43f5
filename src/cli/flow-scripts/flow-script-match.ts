import type { SimOutbound } from '../../simulator/index.ts';
import { isPlainObject } from '../../flows/expression.ts';
import type { Expectation } from './flow-script-format.ts';

/** A bot message reduced to what scripts can expect of it. */
export interface SeenMessage {
  type: string;
  text: string | null;
  buttons: Array<{ id: string; title: string }>;
  rows: Array<{ id: string; title: string }>;
  template: string | null;
}

export function seen(m: SimOutbound): SeenMessage {
  const body: unknown = m.body;
  const interactive = isPlainObject(body) && isPlainObject(body.interactive) ? body.interactive : undefined;
  const action = interactive && isPlainObject(interactive.action) ? interactive.action : undefined;
  const buttons = (action && Array.isArray(action.buttons) ? action.buttons : [])
    .map((b: unknown) => (isPlainObject(b) && isPlainObject(b.reply) ? b.reply : {}))
    .map((r: Record<string, unknown>) => ({ id: String(r.id ?? ''), title: String(r.title ?? '') }));
  const rows = (action && Array.isArray(action.sections) ? action.sections : [])
    .flatMap((s: unknown) => (isPlainObject(s) && Array.isArray(s.rows) ? s.rows : []))
    .map((r: unknown) => (isPlainObject(r) ? { id: String(r.id ?? ''), title: String(r.title ?? '') } : { id: '', title: '' }));
  const kind = m.type === 'interactive' && interactive && typeof interactive.type === 'string' ? interactive.type : m.type;
  const templateName =
    isPlainObject(body) && isPlainObject(body.template) && typeof body.template.name === 'string' ? body.template.name : null;
  return { type: kind, text: m.text ?? null, buttons, rows, template: m.type === 'template' ? (m.template?.name ?? templateName) : null };
}

/** Why a message does not meet an expectation, or null when it does. */
export function mismatch(expect: Expectation, m: SeenMessage): string | null {
  const problems: string[] = [];
  if (expect.type !== undefined && expect.type !== m.type) problems.push(`type ${JSON.stringify(expect.type)}`);
  if (expect.text !== undefined && expect.text !== m.text) problems.push(`text ${JSON.stringify(expect.text)}`);
  if (expect.matches !== undefined && !safeTest(expect.matches, m.text ?? '')) problems.push(`text matching /${expect.matches}/`);
  if (expect.buttons !== undefined && !sameChoices(expect.buttons, m.buttons)) problems.push(`buttons [${expect.buttons.join(', ')}]`);
  if (expect.list !== undefined && !sameChoices(expect.list, m.rows)) problems.push(`list rows [${expect.list.join(', ')}]`);
  if (expect.template !== undefined && expect.template !== m.template) problems.push(`template ${JSON.stringify(expect.template)}`);
  return problems.length ? `expected ${problems.join(' and ')}, but the bot sent ${describe(m)}` : null;
}

/** One line that says what a bot message was. */
export function describe(m: SeenMessage): string {
  const parts = [m.template ? `template ${JSON.stringify(m.template)}` : m.type === 'text' ? 'text' : `${m.type} message`];
  if (m.text !== null) parts.push(JSON.stringify(m.text.length > 200 ? `${m.text.slice(0, 200)}…` : m.text));
  if (m.buttons.length) parts.push(`with buttons [${m.buttons.map((b) => b.id).join(', ')}]`);
  if (m.rows.length) parts.push(`with list rows [${m.rows.map((r) => r.id).join(', ')}]`);
  return parts.join(' ');
}

/** Each expected entry names a choice by id or by title, in order. */
function sameChoices(expected: string[], actual: Array<{ id: string; title: string }>): boolean {
  return expected.length === actual.length && expected.every((e, i) => actual[i]?.id === e || actual[i]?.title === e);
}

function safeTest(pattern: string, text: string): boolean {
  try {
    return new RegExp(pattern, 'u').test(text);
  } catch {
    return false;
  }
}
