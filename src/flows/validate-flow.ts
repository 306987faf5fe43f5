import type { ErrorObject } from 'ajv';
import { parse as parseYaml } from 'yaml';
import { isOptionExitName, MORE_ID } from './choice-options.ts';
import { safeRegex, type Condition } from './condition.ts';
import { isPlainObject, parseExpr, parseTemplate } from './expression.ts';
import { schemaErrors } from './flow-schema.ts';
import { BLOCK_EXITS, type Block, type FlowDocument, type FlowProblem } from './flow-types.ts';
import { isValidTimezone, minutesOf } from './flow-time.ts';
import { checkVariablePaths } from './variable-paths.ts';
import { escapeProblems } from './escape-words.ts';
import { checkAskRules } from './validate-ask-rules.ts';

export type FlowValidation =
  | { ok: true; flow: FlowDocument; warnings: FlowProblem[] }
  | { ok: false; errors: FlowProblem[]; warnings: FlowProblem[] };

/** Variable roots a template may read. */
const ROOTS = new Set(['session', 'contact', 'result', 'message', 'flow', 'now']);

/** A document from an API body or a file: an object, or JSON / YAML text. */
export function parseFlowSource(source: unknown): { ok: true; doc: unknown } | { ok: false; error: FlowProblem } {
  if (typeof source !== 'string') return { ok: true, doc: source };
  try {
    const trimmed = source.trimStart();
    return { ok: true, doc: trimmed.startsWith('{') ? JSON.parse(source) : parseYaml(source, { maxAliasCount: 50 }) };
  } catch (err) {
    const message = err instanceof Error ? (err.message.split('\n')[0] ?? 'unreadable') : 'unreadable';
    return { ok: false, error: { block: null, field: null, path: '', message: `not valid JSON or YAML: ${message}` } };
  }
}

/** Schema first (shape), then meaning: exits, reachability, WhatsApp limits, expressions. */
export function validateFlow(doc: unknown): FlowValidation {
  const schema = schemaErrors(doc);
  if (schema.length) return { ok: false, errors: dedupe(schema.filter((e) => e.keyword !== 'if').map(fromAjv)), warnings: [] };
  // The schema has checked the shape FlowDocument describes.
  const flow = doc as FlowDocument;
  const errors: FlowProblem[] = [];
  const warnings: FlowProblem[] = [];
  const ids = new Set(Object.keys(flow.blocks));
  if (!ids.has(flow.start)) errors.push(problem(null, 'start', '/start', `start block "${flow.start}" does not exist`));
  for (const [i, t] of (flow.triggers ?? []).entries()) {
    const path = `/triggers/${i}`;
    if (t.type === 'template_button') {
      if (!t.template)
        errors.push(problem(null, `triggers[${i}].template`, `${path}/template`, 'a template_button trigger needs the template name'));
      if ('value' in t)
        errors.push(
          problem(null, `triggers[${i}].value`, `${path}/value`, 'a template_button trigger has template and payload, not value'),
        );
      continue;
    }
    if ('template' in t || 'payload' in t)
      errors.push(problem(null, `triggers[${i}]`, path, `template and payload are only for template_button triggers`));
    if (t.type !== 'default' && !('value' in t && t.value))
      errors.push(problem(null, `triggers[${i}].value`, `${path}/value`, `a ${t.type} trigger needs a value`));
    if (t.type === 'regex' && safeRegex(t.value) === null)
      errors.push(problem(null, `triggers[${i}].value`, `${path}/value`, 'not a valid regular expression'));
  }
  checkSettings(flow, errors);
  for (const e of escapeProblems(flow.escapes)) errors.push(problem(null, e.field, e.path, e.message));
  for (const [id, block] of Object.entries(flow.blocks)) checkBlock(id, block, ids, errors);
  for (const id of unreachable(flow))
    warnings.push(problem(id, null, `/blocks/${id}`, `block "${id}" cannot be reached from "${flow.start}"`));
  checkTemplates(flow, errors);
  checkVariablePaths(flow, errors, warnings);
  return errors.length ? { ok: false, errors, warnings } : { ok: true, flow, warnings };
}

function checkBlock(id: string, block: Block, ids: Set<string>, errors: FlowProblem[]): void {
  const base = `/blocks/${id}`;
  const exits = 'exits' in block && block.exits ? block.exits : {};
  const allowed = new Set<string>(BLOCK_EXITS[block.type]);
  if (block.type === 'ask' && block.kind === 'choice') for (const o of block.options ?? []) allowed.add(o.id);
  if (block.type === 'intent') for (const name of Object.keys(block.intents)) allowed.add(name);
  // A choice built from data: its option ids (or `exit` values) are known only when asked.
  const fromData = block.type === 'ask' && block.kind === 'choice' && block.options_from !== undefined;
  for (const [name, target] of Object.entries(exits)) {
    if (fromData && !allowed.has(name)) {
      if (!isOptionExitName(name))
        errors.push(
          problem(
            id,
            `exits.${name}`,
            `${base}/exits/${name}`,
            `"${name}" cannot name an option's exit (1 to 190 characters, not ${MORE_ID})`,
          ),
        );
      else if (!ids.has(target))
        errors.push(problem(id, `exits.${name}`, `${base}/exits/${name}`, `exit "${name}" points at "${target}", which is not a block`));
    } else if (!allowed.has(name))
      errors.push(
        problem(
          id,
          `exits.${name}`,
          `${base}/exits/${name}`,
          `a ${block.type} block has no exit "${name}" (it has: ${[...allowed].join(', ') || 'none'})`,
        ),
      );
    else if (!ids.has(target))
      errors.push(problem(id, `exits.${name}`, `${base}/exits/${name}`, `exit "${name}" points at "${target}", which is not a block`));
  }
  const need = (name: string) => {
    if (!exits[name]) errors.push(problem(id, `exits.${name}`, `${base}/exits/${name}`, `a ${block.type} block needs exits.${name}`));
  };
  switch (block.type) {
    case 'send':
    case 'set':
    case 'link':
    case 'wait':
      need('next');
      if (block.type === 'send' && 'list' in block.message) {
        const rows = block.message.list.sections.reduce((n, s) => n + s.rows.length, 0);
        if (rows > 10)
          errors.push(
            problem(id, 'message.list.sections', `${base}/message/list/sections`, `a list has at most 10 rows in all (has ${rows})`),
          );
      }
      if (block.type === 'wait') {
        const secs = waitSeconds(block);
        if (secs <= 0 || secs > 365 * 86400) errors.push(problem(id, 'seconds', base, 'a wait lasts from 1 second to 365 days'));
      }
      break;
    case 'ask':
      need('next');
      if (
        (block.kind === 'location' || block.kind === 'image' || block.kind === 'document') &&
        (block.min !== undefined ||
          block.max !== undefined ||
          block.min_length !== undefined ||
          block.max_length !== undefined ||
          block.format !== undefined)
      ) {
        errors.push(problem(id, 'kind', `${base}/kind`, `a ${block.kind} question takes no min, max, length or format`));
      }
      checkAskRules(id, block, errors);
      if (block.kind === 'choice') checkChoice(id, block, errors);
      else if (block.options) errors.push(problem(id, 'options', `${base}/options`, 'options are only for kind: choice'));
      if (block.min !== undefined && block.max !== undefined && block.min > block.max)
        errors.push(problem(id, 'min', `${base}/min`, 'min is greater than max'));
      break;
    case 'condition':
      need('then');
      need('else');
      checkCondition(id, block.if, `${base}/if`, 'if', errors);
      break;
    case 'http':
      need('success');
      checkUrl(id, block.url, 'url', errors);
      break;
    case 'template':
      need('next');
      if (!block.wait_for_button && (exits.cancel || block.payloads))
        errors.push(problem(id, 'wait_for_button', `${base}/wait_for_button`, 'exits.cancel and payloads need wait_for_button: true'));
      if (block.payloads?.continue !== undefined && block.payloads.continue === block.payloads.cancel)
        errors.push(problem(id, 'payloads', `${base}/payloads`, 'the continue and cancel payloads must differ'));
      break;
    case 'webhook':
      need('next');
      checkUrl(id, block.url, 'url', errors);
      break;
    case 'intent':
      need('low_confidence');
      if ('low_confidence' in block.intents)
        errors.push(
          problem(
            id,
            'intents.low_confidence',
            `${base}/intents/low_confidence`,
            '"low_confidence" is the exit below the threshold, not an intent name',
          ),
        );
      for (const name of Object.keys(block.intents))
        if (!exits[name]) errors.push(problem(id, `exits.${name}`, `${base}/exits/${name}`, `intent "${name}" needs an exit`));
      break;
    case 'ai_reply':
      need('unavailable'); // provider down, budget spent, or (without a handoff exit) a hand-off
      if (block.exits.answered && block.exits.next)
        errors.push(problem(id, 'exits.next', `${base}/exits/next`, '"next" is the old name of "answered": use one'));
      break;
    case 'handoff':
    case 'jump':
    case 'end':
      break;
  }
}

/** A URL that starts with a template (a base URL variable) is checked when it runs. */
function checkUrl(id: string, url: string, field: string, errors: FlowProblem[]): void {
  if (url.trimStart().startsWith('{{')) return;
  try {
    const u = new URL(url.replace(/\{\{[^}]*\}\}/g, 'x'));
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('protocol');
  } catch {
    errors.push(problem(id, field, `/blocks/${id}/${field}`, `${field} must be an absolute http(s) URL (templates allowed)`));
  }
}

/** Business hours that open before they close, a real time zone, a re-engagement before expiry. */
function checkSettings(flow: FlowDocument, errors: FlowProblem[]): void {
  const s = flow.settings;
  if (!s) return;
  const bh = s.business_hours;
  if (bh?.timezone !== undefined && !isValidTimezone(bh.timezone))
    errors.push(
      problem(
        null,
        'settings.business_hours.timezone',
        '/settings/business_hours/timezone',
        `"${bh.timezone}" is not an IANA time zone (e.g. Europe/Madrid)`,
      ),
    );
  if (bh && minutesOf(bh.start ?? '08:00') >= minutesOf(bh.end ?? '19:00'))
    errors.push(problem(null, 'settings.business_hours', '/settings/business_hours', 'business hours must open before they close'));
  const r = s.reengagement;
  if (r?.enabled && (r.delay_minutes ?? 120) >= (s.session_timeout_minutes ?? 1440)) {
    errors.push(
      problem(
        null,
        'settings.reengagement.delay_minutes',
        '/settings/reengagement/delay_minutes',
        're-engagement must come before the session expires (session_timeout_minutes)',
      ),
    );
  }
  if (r?.yes !== undefined && r.no !== undefined && r.yes === r.no)
    errors.push(problem(null, 'settings.reengagement.no', '/settings/reengagement/no', 'the yes and no buttons need different titles'));
}

function checkChoice(id: string, block: Extract<Block, { type: 'ask' }>, errors: FlowProblem[]): void {
  const base = `/blocks/${id}`;
  const options = block.options ?? [];
  if (block.options_from) return; // built from data when asked: paged to WhatsApp's limits then
  if (options.length === 0) {
    errors.push(problem(id, 'options', `${base}/options`, 'a choice needs options'));
    return;
  }
  const style = block.style ?? (options.length <= 3 ? 'buttons' : 'list');
  if (style === 'buttons') {
    if (options.length > 3)
      errors.push(problem(id, 'options', `${base}/options`, `WhatsApp shows at most 3 buttons (has ${options.length}); use style: list`));
    options.forEach((o, i) => {
      if (o.title.length > 20)
        errors.push(
          problem(
            id,
            `options[${i}].title`,
            `${base}/options/${i}/title`,
            `a button title has at most 20 characters (has ${o.title.length})`,
          ),
        );
    });
  } else if (options.length > 10)
    errors.push(problem(id, 'options', `${base}/options`, `a list has at most 10 rows (has ${options.length})`));
  if (block.prompt.length > 1024)
    errors.push(problem(id, 'prompt', `${base}/prompt`, 'an interactive message body has at most 1024 characters'));
  const seen = new Set<string>();
  options.forEach((o, i) => {
    if (seen.has(o.id)) errors.push(problem(id, `options[${i}].id`, `${base}/options/${i}/id`, `option id "${o.id}" is used twice`));
    seen.add(o.id);
  });
}

function checkCondition(id: string, c: Condition, path: string, field: string, errors: FlowProblem[]): void {
  if ('all' in c) c.all.forEach((x, i) => checkCondition(id, x, `${path}/all/${i}`, `${field}.all[${i}]`, errors));
  else if ('any' in c) c.any.forEach((x, i) => checkCondition(id, x, `${path}/any/${i}`, `${field}.any[${i}]`, errors));
  else if ('not' in c) checkCondition(id, c.not, `${path}/not`, `${field}.not`, errors);
  else {
    const parsed = parseExpr(c.var);
    if (!parsed.ok || parsed.expr.filters.length)
      errors.push(problem(id, `${field}.var`, `${path}/var`, `"${c.var}" is not a variable path`));
    else if (!ROOTS.has(parsed.expr.path[0] ?? ''))
      errors.push(
        problem(id, `${field}.var`, `${path}/var`, `unknown scope "${parsed.expr.path[0]}" (session, contact, result, message, flow)`),
      );
    if (c.op === 'matches' && (typeof c.value !== 'string' || safeRegex(c.value) === null)) {
      errors.push(problem(id, `${field}.value`, `${path}/value`, 'matches needs a valid regular expression'));
    }
    if (c.op !== 'empty' && c.op !== 'not_empty' && c.value === undefined)
      errors.push(problem(id, `${field}.value`, `${path}/value`, `${c.op} needs a value`));
  }
}

/** Every string in a block may hold {{...}}: each must parse and read a known scope. */
function checkTemplates(flow: FlowDocument, errors: FlowProblem[]): void {
  const walk = (block: string, value: unknown, path: string[]): void => {
    if (typeof value === 'string') {
      const field = path.join('.');
      if (path[0] === 'if' || path[0] === 'exits' || path[0] === 'type') return; // conditions are checked apart; exits are ids
      const parsed = parseTemplate(value);
      if (!parsed.ok)
        errors.push(problem(block, field, `/blocks/${block}/${path.join('/')}`, `${parsed.message} (at character ${parsed.at})`));
      else
        for (const p of parsed.pieces)
          if ('expr' in p && !ROOTS.has(p.expr.path[0] ?? '')) {
            errors.push(
              problem(
                block,
                field,
                `/blocks/${block}/${path.join('/')}`,
                `unknown scope "${p.expr.path[0]}" in {{${p.expr.path.join('.')}}} (session, contact, result, message, flow, now)`,
              ),
            );
          } else if ('expr' in p && p.expr.path[0] === 'now' && p.expr.path.length > 1) {
            errors.push(
              problem(
                block,
                field,
                `/blocks/${block}/${path.join('/')}`,
                `{{now}} is a time and has no fields (use filters: {{now | format_date: "HH:mm", "Europe/Madrid"}})`,
              ),
            );
          }
    } else if (Array.isArray(value)) value.forEach((v, i) => walk(block, v, [...path, String(i)]));
    else if (isPlainObject(value)) for (const [k, v] of Object.entries(value)) walk(block, v, [...path, k]);
  };
  for (const [id, block] of Object.entries(flow.blocks)) walk(id, block, []);
}

function unreachable(flow: FlowDocument): string[] {
  const seen = new Set<string>();
  const stack = [flow.start];
  while (stack.length) {
    const id = stack.pop() ?? '';
    const block = flow.blocks[id];
    if (!block || seen.has(id)) continue;
    seen.add(id);
    if ('exits' in block && block.exits) stack.push(...Object.values(block.exits));
  }
  return Object.keys(flow.blocks).filter((id) => !seen.has(id));
}

export function waitSeconds(b: { seconds?: number; minutes?: number; hours?: number; days?: number }): number {
  return (b.seconds ?? 0) + (b.minutes ?? 0) * 60 + (b.hours ?? 0) * 3600 + (b.days ?? 0) * 86400;
}

function problem(block: string | null, field: string | null, path: string, message: string): FlowProblem {
  return { block, field, path, message };
}

/** Ajv's `/blocks/greet/message/buttons/buttons/0/title` -> block greet, field message.buttons.buttons[0].title. */
function fromAjv(e: ErrorObject): FlowProblem {
  const segs = e.instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  const params: Record<string, unknown> = isPlainObject(e.params) ? e.params : {};
  const extra =
    e.keyword === 'additionalProperties'
      ? String(params.additionalProperty)
      : e.keyword === 'required'
        ? String(params.missingProperty)
        : null;
  const inBlock = segs[0] === 'blocks' && segs.length >= 2;
  const block = inBlock ? (segs[1] ?? null) : null;
  const rest = inBlock ? segs.slice(2) : segs;
  if (extra) rest.push(extra);
  const field = rest.length ? rest.reduce((acc, s) => (/^\d+$/.test(s) ? `${acc}[${s}]` : acc ? `${acc}.${s}` : s), '') : null;
  let message = e.message ?? 'invalid';
  if (e.keyword === 'additionalProperties') message = `unknown field "${extra}"`;
  else if (e.keyword === 'enum' && Array.isArray(params.allowedValues)) message = `must be one of: ${params.allowedValues.join(', ')}`;
  else if (e.keyword === 'maxItems' || e.keyword === 'maxLength') message = `${message} (WhatsApp's or Switchboard's limit)`;
  return { block, field, path: extra ? `${e.instancePath}/${extra}` : e.instancePath, message };
}

function dedupe(list: FlowProblem[]): FlowProblem[] {
  const seen = new Set<string>();
  return list.filter((p) => {
    const k = `${p.path}|${p.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
