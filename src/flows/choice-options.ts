import { lookup } from './expression.ts';
import type { AskBlock } from './flow-types.ts';
import { readJsonPath } from './json-path.ts';

export interface ChoiceOption {
  id: string;
  title: string;
  description?: string;
  /** options_from with `exit`: the item's exit name (otherwise the id names it). */
  exit?: string;
}

/** The row that shows the next page of a long list (its id never clashes: ids from data are cut to 190). */
export const MORE_ID = '__more__';
export const MORE_TITLE = 'More…';
/** Session variable holding the page of a paged choice (not a valid flow variable name, so no clash). */
export const PAGE_VAR = '_choice_page';
/** WhatsApp's limits: 3 reply buttons, 10 list rows. A paged list shows 9 options and "More…". */
const MAX_BUTTONS = 3;
const MAX_ROWS = 10;
const PAGE_SIZE = MAX_ROWS - 1;
/** Options read from data beyond this are dropped (eleven pages of nine). */
const MAX_DATA_OPTIONS = 99;

/**
 * The options of a choice: its static `options`, or those built from `options_from` — a list in
 * a variable (`session.api.items`), each item mapped by JSON paths to id, title and description.
 * Items without an id or title, and repeated ids, are skipped.
 */
export function choiceOptions(block: AskBlock, scope: unknown): ChoiceOption[] {
  if (!block.options_from) return block.options ?? [];
  const from = block.options_from;
  const list = lookup(scope, from.var.split('.'));
  if (!Array.isArray(list)) return [];
  const out: ChoiceOption[] = [];
  const seen = new Set<string>();
  for (const item of list) {
    const id = text(readJsonPath(item, from.id)).slice(0, 190);
    const title = text(readJsonPath(item, from.title));
    if (!id || !title || seen.has(id) || id === MORE_ID) continue;
    seen.add(id);
    const description = from.description ? text(readJsonPath(item, from.description)) : '';
    const exit = from.exit ? text(readJsonPath(item, from.exit)) : '';
    out.push({ id, title, ...(description ? { description } : {}), ...(exit ? { exit } : {}) });
    if (out.length >= MAX_DATA_OPTIONS) break;
  }
  return out;
}

/** What a choice shows: buttons (3 at most, not paged) or a page of list rows with "More…" when more follow. */
export function choicePage(block: AskBlock, options: ChoiceOption[], page: number): { style: 'buttons' | 'list'; rows: ChoiceOption[] } {
  const style = block.style ?? (options.length <= MAX_BUTTONS ? 'buttons' : 'list');
  if (style === 'buttons' && options.length <= MAX_BUTTONS) return { style, rows: options };
  if (options.length <= MAX_ROWS) return { style: 'list', rows: options };
  const pages = Math.ceil(options.length / PAGE_SIZE);
  const p = ((page % pages) + pages) % pages; // after the last page, back to the first
  const rows = options.slice(p * PAGE_SIZE, (p + 1) * PAGE_SIZE);
  return { style: 'list', rows: [...rows, { id: MORE_ID, title: MORE_TITLE }] };
}

/** The page a session is on (kept in the session variables while the question waits). */
export function currentPage(session: Record<string, unknown>): number {
  const p = session[PAGE_VAR];
  return typeof p === 'number' && Number.isInteger(p) ? p : 0;
}

function text(v: unknown): string {
  if (typeof v === 'string') return v.trim();
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return '';
}

/**
 * The exit a chosen option takes: its own exit when the block has one by that name (the option id,
 * or for `options_from` with `exit` the item's exit value), otherwise `next`. `gave_up` is never
 * an option's exit.
 */
export function optionExit(block: AskBlock, chosenId: string, scope: unknown): string {
  const exits = block.exits ?? {};
  const name = block.options_from?.exit ? choiceOptions(block, scope).find((o) => o.id === chosenId)?.exit : chosenId;
  return name !== undefined && name !== 'gave_up' && exits[name] ? name : 'next';
}

/** Whether a name can be an option's exit in a choice built from data (checked at publish). */
export function isOptionExitName(name: string): boolean {
  return name.length > 0 && name.length <= 190 && name !== MORE_ID;
}
