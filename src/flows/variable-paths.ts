import type { Condition } from './condition.ts';
import { isPlainObject, parseExpr, parseTemplate, type Expr } from './expression.ts';
import type { Block, FlowDocument, FlowProblem } from './flow-types.ts';

/**
 * Which session variables are set on the way to each block: a block that reads `{{session.x}}`
 * where no path from the start sets x is an error (it would always render empty); where only some
 * paths set it, a warning. Set means: declared in the flow's `variables` (also how a flow names
 * what the API's start or a jump from another flow passes in), or written by a block on the exit
 * taken (an ask's variable, a set's `session.*`, an HTTP block's response and status variables,
 * the error variables of http / template / ai_reply, an intent's variable). `session.id` is
 * always set. A `default` filter, or an `empty` / `not_empty` test, silences the warning: the
 * builder has handled the missing case.
 */
export function checkVariablePaths(flow: FlowDocument, errors: FlowProblem[], warnings: FlowProblem[]): void {
  const initial = new Set(['id', ...Object.keys(flow.variables ?? {})]);
  const must = new Map<string, Set<string>>();
  const may = new Map<string, Set<string>>();
  must.set(flow.start, new Set(initial));
  may.set(flow.start, new Set(initial));
  const work = [flow.start];
  for (let guard = 0; work.length && guard < 100_000; guard++) {
    const id = work.pop() ?? '';
    const block = flow.blocks[id];
    if (!block || !('exits' in block) || !block.exits) continue;
    for (const [exit, target] of Object.entries(block.exits)) {
      if (!flow.blocks[target]) continue;
      const writes = writesOn(block, exit);
      const outMust = new Set([...(must.get(id) ?? []), ...writes]);
      const outMay = new Set([...(may.get(id) ?? []), ...writes]);
      const tMust = must.get(target);
      const tMay = may.get(target);
      let changed = false;
      if (!tMust) {
        must.set(target, outMust);
        changed = true;
      } else
        for (const v of [...tMust])
          if (!outMust.has(v)) {
            tMust.delete(v);
            changed = true;
          }
      if (!tMay) may.set(target, outMay);
      else
        for (const v of outMay)
          if (!tMay.has(v)) {
            tMay.add(v);
            changed = true;
          }
      if (changed || !tMay) work.push(target);
    }
  }
  if (flow.variables && Object.hasOwn(flow.variables, 'id'))
    errors.push({
      block: null,
      field: 'variables.id',
      path: '/variables/id',
      message: "session.id is the session's own id: choose another variable name",
    });
  for (const [id, block] of Object.entries(flow.blocks)) {
    const exits = ['next', 'success', 'error', 'timeout', ...('exits' in block && block.exits ? Object.keys(block.exits) : [])];
    if (exits.some((e) => writesOn(block, e).includes('id')))
      errors.push({
        block: id,
        field: null,
        path: `/blocks/${id}`,
        message: `block "${id}" writes session.id, the session's own id: choose another variable name`,
      });
    const sure = must.get(id);
    const maybe = may.get(id);
    if (!sure || !maybe) continue; // unreachable: warned about elsewhere
    for (const ref of readsOf(block)) {
      const name = ref.name;
      const extra = ref.setBefore;
      if (maybe.has(name) || extra.has(name)) {
        if (!sure.has(name) && !extra.has(name) && !ref.guarded) {
          warnings.push({
            block: id,
            field: ref.field,
            path: ref.path(id),
            message: `{{session.${name}}} is set on only some paths to block "${id}" (add a default filter, or set it on every path)`,
          });
        }
      } else {
        errors.push({
          block: id,
          field: ref.field,
          path: ref.path(id),
          message: `block "${id}" reads {{session.${name}}}, which no path to it sets (declare it in variables, or set it before)`,
        });
      }
    }
  }
}

/** Session variables a block writes when it leaves by `exit`. */
export function writesOn(block: Block, exit: string): string[] {
  switch (block.type) {
    case 'ask':
      // A choice also stores its option's title, a date the answer as written (step-session.ts).
      return exit === 'gave_up'
        ? []
        : [
            block.variable,
            ...(block.kind === 'choice' ? [`${block.variable}_title`] : block.kind === 'date' ? [`${block.variable}_text`] : []),
          ];
    case 'set':
      return Object.keys(block.values)
        .filter((k) => k.startsWith('session.'))
        .map((k) => k.split('.').pop() ?? '');
    case 'http': {
      const status = block.status_variable ? [block.status_variable] : [];
      if (exit === 'success') return [...status, ...Object.keys(block.response ?? {})];
      return exit === 'error' ? [...status, 'http_error'] : status;
    }
    case 'template':
      return exit === 'error' ? ['template_error'] : [];
    case 'intent':
      return [block.variable ?? 'intent', 'intent_confidence'];
    case 'ai_reply':
      return exit === 'answered' || exit === 'next' ? [block.variable ?? 'ai_answer', 'ai_confidence', 'ai_error'] : ['ai_error'];
    default:
      return [];
  }
}

interface Read {
  name: string;
  field: string;
  path: (block: string) => string;
  guarded: boolean;
  /** Set earlier in the same block (a set block's earlier keys). */
  setBefore: Set<string>;
}

/** Every {{session.x}} a block reads, and every condition on session.x. */
function readsOf(block: Block): Read[] {
  const out: Read[] = [];
  const add = (expr: Expr, pathSegs: string[], guarded: boolean, setBefore: Set<string>) => {
    if (expr.path[0] !== 'session' || expr.path.length < 2) return;
    out.push({
      name: expr.path[1] ?? '',
      field: pathSegs.join('.'),
      path: (id) => `/blocks/${id}/${pathSegs.join('/')}`,
      guarded: guarded || expr.filters.some((f) => f.name === 'default'),
      setBefore,
    });
  };
  const walk = (value: unknown, segs: string[], setBefore: Set<string>): void => {
    if (typeof value === 'string') {
      const parsed = parseTemplate(value);
      if (parsed.ok) for (const p of parsed.pieces) if ('expr' in p) add(p.expr, segs, false, setBefore);
    } else if (Array.isArray(value)) value.forEach((v, i) => walk(v, [...segs, String(i)], setBefore));
    else if (isPlainObject(value)) for (const [k, v] of Object.entries(value)) walk(v, [...segs, k], setBefore);
  };
  const cond = (c: Condition, segs: string[]): void => {
    if ('all' in c) c.all.forEach((x, i) => cond(x, [...segs, 'all', String(i)]));
    else if ('any' in c) c.any.forEach((x, i) => cond(x, [...segs, 'any', String(i)]));
    else if ('not' in c) cond(c.not, [...segs, 'not']);
    else {
      const parsed = parseExpr(c.var);
      if (parsed.ok) add(parsed.expr, [...segs, 'var'], c.op === 'empty' || c.op === 'not_empty', new Set());
      if (c.value !== undefined) walk(c.value, [...segs, 'value'], new Set());
    }
  };
  const none = new Set<string>();
  for (const [key, value] of Object.entries(block)) {
    if (key === 'type' || key === 'exits') continue;
    if (key === 'if' && block.type === 'condition') cond(block.if, ['if']);
    else if (key === 'values' && block.type === 'set') {
      const before = new Set<string>();
      for (const [k, v] of Object.entries(block.values)) {
        walk(v, ['values', k], new Set(before));
        if (k.startsWith('session.')) before.add(k.split('.').pop() ?? '');
      }
    } else walk(value, [key], none);
  }
  return out;
}
