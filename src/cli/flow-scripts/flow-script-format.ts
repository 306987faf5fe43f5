import { Ajv, type ErrorObject } from 'ajv';
import { LineCounter, parseDocument, type Node } from 'yaml';
import { isPlainObject } from '../../flows/expression.ts';

/**
 * Scripted conversations ("flows tested like code"): the file format, its JSON Schema and a
 * parser that turns a YAML file into runnable scripts, or into problems that name the line.
 * docs/flows.md "Testing flows" describes the format for users.
 */

export type CustomerInput =
  | { text: string }
  | { button: string }
  | { list: string }
  | { location: { latitude: number; longitude: number; name?: string; address?: string } };

/** What the bot's next message must be; every field given must hold. */
export interface Expectation {
  text?: string;
  matches?: string;
  buttons?: string[];
  list?: string[];
  template?: string;
  type?: string;
}

export interface CallExpectation {
  method?: string;
  url: string;
  /** A subset of the request's JSON body. */
  json?: Record<string, unknown>;
  /** Exactly this many matching calls so far (default: at least one). */
  count?: number;
}

export type StepAction =
  | { kind: 'customer'; input: CustomerInput }
  | { kind: 'expect'; expect: Expectation }
  | { kind: 'expect_no_reply' }
  | { kind: 'advance'; ms: number; raw: string }
  | { kind: 'http_called'; call: CallExpectation };

export type ScriptStep = StepAction & { index: number; line: number | null };

/** A stubbed answer for the flow's HTTP calls: the first rule that matches (and has uses left) answers. */
export interface StubRule {
  method?: string;
  url: string;
  status: number;
  json?: unknown;
  body?: string;
  headers?: Record<string, string>;
  delayMs: number;
  times?: number;
}

export interface ResultExpectation {
  status: 'succeeded' | 'failed';
  reason?: string | null;
  variables?: Record<string, unknown>;
  result?: Record<string, unknown>;
  line: number | null;
}

export interface FlowScript {
  file: string;
  name: string;
  line: number | null;
  /** The flow file, as written (relative to the script's folder). */
  flow: string;
  /** More flows to publish first (e.g. the targets of jump blocks). */
  extraFlows: string[];
  contact: { phone: string; name?: string };
  /** Overrides of the flow's initial variables; `{{stub.url}}` is replaced by the stub server's URL. */
  variables: Record<string, unknown>;
  http: StubRule[];
  steps: ScriptStep[];
  result?: ResultExpectation;
  /** How long one expectation waits for the bot (real time). */
  timeoutMs: number;
}

export interface ScriptProblem {
  line: number | null;
  path: string;
  message: string;
}

export type ParsedScripts = { ok: true; scripts: FlowScript[] } | { ok: false; problems: ScriptProblem[] };

const DURATION = '^\\s*\\d+(\\.\\d+)?\\s*(ms|s|m|h|d)\\s*$';
const duration = {
  anyOf: [
    { type: 'string', pattern: DURATION },
    { type: 'number', minimum: 0 },
  ],
};
const strings = { type: 'array', items: { type: 'string' }, minItems: 1 };

const customerSchema = {
  anyOf: [
    { type: 'string' },
    { type: 'object', additionalProperties: false, required: ['text'], properties: { text: { type: 'string' } } },
    { type: 'object', additionalProperties: false, required: ['button'], properties: { button: { type: 'string', minLength: 1 } } },
    { type: 'object', additionalProperties: false, required: ['list'], properties: { list: { type: 'string', minLength: 1 } } },
    {
      type: 'object',
      additionalProperties: false,
      required: ['location'],
      properties: {
        location: {
          type: 'object',
          additionalProperties: false,
          required: ['latitude', 'longitude'],
          properties: {
            latitude: { type: 'number' },
            longitude: { type: 'number' },
            name: { type: 'string' },
            address: { type: 'string' },
          },
        },
      },
    },
  ],
};

const stepSchema = {
  type: 'object',
  minProperties: 1,
  maxProperties: 1,
  additionalProperties: false,
  properties: {
    customer: customerSchema,
    expect: {
      type: 'object',
      minProperties: 1,
      additionalProperties: false,
      properties: {
        text: { type: 'string' },
        matches: { type: 'string' },
        buttons: strings,
        list: strings,
        template: { type: 'string' },
        type: { type: 'string' },
      },
    },
    expect_no_reply: { const: true },
    advance: duration,
    http_called: {
      type: 'object',
      additionalProperties: false,
      required: ['url'],
      properties: { method: { type: 'string' }, url: { type: 'string' }, json: { type: 'object' }, count: { type: 'integer', minimum: 0 } },
    },
  },
};

const stubSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['url'],
  properties: {
    method: { type: 'string', pattern: '^[A-Za-z]+$' },
    url: { type: 'string', minLength: 1 },
    status: { type: 'integer', minimum: 100, maximum: 599 },
    json: {},
    body: { type: 'string' },
    headers: { type: 'object', additionalProperties: { type: 'string' } },
    delay: duration,
    times: { type: 'integer', minimum: 1 },
  },
};

const resultSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['status'],
  properties: {
    status: { enum: ['succeeded', 'failed'] },
    reason: { type: ['string', 'null'] },
    variables: { type: 'object' },
    result: { type: 'object' },
  },
};

const contactSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['phone'],
  properties: { phone: { type: 'string', pattern: '^\\+?[0-9 ()-]{6,20}$' }, name: { type: 'string' } },
};

/** Fields a file may set once for all its scripts, and each script may override. */
const shared = {
  flow: { type: 'string', minLength: 1 },
  extra_flows: { type: 'array', items: { type: 'string', minLength: 1 } },
  contact: contactSchema,
  variables: { type: 'object' },
  http: { type: 'array', items: stubSchema },
  timeout: duration,
};

const scriptBody = { name: { type: 'string' }, steps: { type: 'array', items: stepSchema, minItems: 1 }, result: resultSchema };

/** The published schema of a script file (either one script, or `scripts:` sharing the top-level fields). */
export const flowScriptSchema = {
  $id: 'https://switchboard.dev/schemas/flow-script.schema.json',
  type: 'object',
  additionalProperties: false,
  properties: {
    ...shared,
    ...scriptBody,
    scripts: {
      type: 'array',
      minItems: 1,
      items: { type: 'object', additionalProperties: false, required: ['steps'], properties: { ...shared, ...scriptBody } },
    },
  },
  oneOf: [
    { required: ['steps', 'flow'], not: { required: ['scripts'] } },
    { required: ['scripts'], not: { required: ['steps'] } },
  ],
} as const;

let validate: ReturnType<Ajv['compile']> | undefined;

/** Parses and checks a script file; every problem names its line when it has one. */
export function parseScriptFile(file: string, source: string): ParsedScripts {
  const lines = new LineCounter();
  const doc = parseDocument(source, { lineCounter: lines, prettyErrors: false });
  if (doc.errors.length) {
    return {
      ok: false,
      problems: doc.errors.map((e) => ({
        line: e.linePos?.[0]?.line ?? null,
        path: '',
        message: `not valid YAML: ${e.message.split('\n')[0]}`,
      })),
    };
  }
  const data: unknown = doc.toJS({ maxAliasCount: 50 });
  const lineOf = (path: Array<string | number>): number | null => {
    const node = path.length ? doc.getIn(path, true) : doc.contents;
    const range = isNode(node) ? node.range : undefined;
    return range ? lines.linePos(range[0]).line : null;
  };
  validate ??= new Ajv({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true, verbose: true }).compile(
    flowScriptSchema,
  );
  if (!validate(data)) return { ok: false, problems: explain(validate.errors ?? [], lineOf) };
  if (!isPlainObject(data)) return { ok: false, problems: [{ line: null, path: '', message: 'a script file must hold an object' }] };

  const problems: ScriptProblem[] = [];
  const entries: Array<{ raw: Record<string, unknown>; path: Array<string | number> }> = Array.isArray(data.scripts)
    ? data.scripts.filter(isPlainObject).map((raw, i) => ({ raw, path: ['scripts', i] }))
    : [{ raw: data, path: [] }];
  const scripts: FlowScript[] = [];
  for (const [n, { raw, path }] of entries.entries()) {
    const pick = (key: string): unknown => (raw[key] !== undefined ? raw[key] : data[key]);
    const flow = pick('flow');
    if (typeof flow !== 'string') {
      problems.push({
        line: lineOf(path),
        path: `/${path.join('/')}`,
        message: 'the script names no flow (set "flow" here or at the top of the file)',
      });
      continue;
    }
    const contact = pick('contact');
    const rawSteps = Array.isArray(raw.steps) ? raw.steps : [];
    const steps = rawSteps.map((s, i) => ({ ...toStep(isPlainObject(s) ? s : {}), index: i + 1, line: lineOf([...path, 'steps', i]) }));
    for (const s of steps) {
      if (s.kind === 'expect' && s.expect.matches !== undefined && !compiles(s.expect.matches))
        problems.push({
          line: s.line,
          path: `/${[...path, 'steps', s.index - 1].join('/')}/expect/matches`,
          message: `step ${s.index}: "${s.expect.matches}" is not a valid regular expression`,
        });
    }
    const result = isPlainObject(raw.result) ? raw.result : undefined;
    scripts.push({
      file,
      name: typeof raw.name === 'string' ? raw.name : entries.length > 1 ? `script ${n + 1}` : 'script',
      line: lineOf(path),
      flow,
      extraFlows: stringList(pick('extra_flows')),
      contact:
        isPlainObject(contact) && typeof contact.phone === 'string'
          ? { phone: contact.phone, ...(typeof contact.name === 'string' ? { name: contact.name } : {}) }
          : { phone: '15550100001', name: 'Test Customer' },
      variables: objectOr(pick('variables')),
      http: listOf(pick('http')).filter(isPlainObject).map(toStub),
      steps,
      result: result
        ? {
            status: result.status === 'failed' ? 'failed' : 'succeeded',
            ...(result.reason !== undefined ? { reason: typeof result.reason === 'string' ? result.reason : null } : {}),
            ...(isPlainObject(result.variables) ? { variables: result.variables } : {}),
            ...(isPlainObject(result.result) ? { result: result.result } : {}),
            line: lineOf([...path, 'result']),
          }
        : undefined,
      timeoutMs: durationMs(pick('timeout')) ?? 8_000,
    });
  }
  return problems.length ? { ok: false, problems } : { ok: true, scripts };
}

/** "2h", "30m", "90s", "250ms", "1.5d" or a number of milliseconds. */
export function durationMs(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v !== 'string') return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/.exec(v);
  if (!m) return undefined;
  const unit = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 'ms' | 's' | 'm' | 'h' | 'd'];
  return Math.round(Number(m[1]) * unit);
}

function toStep(s: Record<string, unknown>): StepAction {
  if (s.customer !== undefined) {
    const c = s.customer;
    if (typeof c === 'string') return { kind: 'customer', input: { text: c } };
    if (isPlainObject(c) && typeof c.text === 'string') return { kind: 'customer', input: { text: c.text } };
    if (isPlainObject(c) && typeof c.button === 'string') return { kind: 'customer', input: { button: c.button } };
    if (isPlainObject(c) && typeof c.list === 'string') return { kind: 'customer', input: { list: c.list } };
    if (isPlainObject(c) && isPlainObject(c.location)) {
      const l = c.location;
      return {
        kind: 'customer',
        input: {
          location: {
            latitude: Number(l.latitude),
            longitude: Number(l.longitude),
            ...(typeof l.name === 'string' ? { name: l.name } : {}),
            ...(typeof l.address === 'string' ? { address: l.address } : {}),
          },
        },
      };
    }
  }
  if (isPlainObject(s.expect)) {
    const e = s.expect;
    const expect: Expectation = {};
    if (typeof e.text === 'string') expect.text = e.text;
    if (typeof e.matches === 'string') expect.matches = e.matches;
    if (Array.isArray(e.buttons)) expect.buttons = e.buttons.map(String);
    if (Array.isArray(e.list)) expect.list = e.list.map(String);
    if (typeof e.template === 'string') expect.template = e.template;
    if (typeof e.type === 'string') expect.type = e.type;
    return { kind: 'expect', expect };
  }
  if (s.advance !== undefined) return { kind: 'advance', ms: durationMs(s.advance) ?? 0, raw: String(s.advance) };
  if (isPlainObject(s.http_called)) {
    const h = s.http_called;
    return {
      kind: 'http_called',
      call: {
        url: String(h.url),
        ...(typeof h.method === 'string' ? { method: h.method.toUpperCase() } : {}),
        ...(isPlainObject(h.json) ? { json: h.json } : {}),
        ...(typeof h.count === 'number' ? { count: h.count } : {}),
      },
    };
  }
  return { kind: 'expect_no_reply' };
}

function toStub(r: Record<string, unknown>): StubRule {
  return {
    ...(typeof r.method === 'string' ? { method: r.method.toUpperCase() } : {}),
    url: String(r.url),
    status: typeof r.status === 'number' ? r.status : 200,
    ...(r.json !== undefined ? { json: r.json } : {}),
    ...(typeof r.body === 'string' ? { body: r.body } : {}),
    ...(isPlainObject(r.headers) ? { headers: Object.fromEntries(Object.entries(r.headers).map(([k, v]) => [k, String(v)])) } : {}),
    delayMs: durationMs(r.delay) ?? 0,
    ...(typeof r.times === 'number' ? { times: r.times } : {}),
  };
}

function compiles(pattern: string): boolean {
  try {
    new RegExp(pattern, 'u');
    return true;
  } catch {
    return false;
  }
}

function objectOr(v: unknown): Record<string, unknown> {
  return isPlainObject(v) ? { ...v } : {};
}

function listOf(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

function stringList(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

function isNode(n: unknown): n is Node {
  return typeof n === 'object' && n !== null && 'range' in n;
}

/** Ajv's errors, reduced to the ones a person can act on, each with its line. */
function explain(errors: ErrorObject[], lineOf: (path: Array<string | number>) => number | null): ScriptProblem[] {
  // anyOf / oneOf branches each report; keep the most specific (deepest) per location.
  const useful = errors.filter((e) => e.keyword !== 'anyOf' && e.keyword !== 'oneOf' && e.keyword !== 'not');
  // A value that fails every branch (a duration string or a number) reports each: the type
  // mismatch of the other branch is noise next to a more specific problem at the same place.
  const specific = new Set(useful.filter((e) => e.keyword !== 'type').map((e) => e.instancePath));
  const pruned = useful.filter((e) => e.keyword !== 'type' || !specific.has(e.instancePath));
  const list = pruned.length ? pruned : errors;
  const seen = new Set<string>();
  const out: ScriptProblem[] = [];
  for (const e of list) {
    const segments = e.instancePath
      .split('/')
      .slice(1)
      .map((s) => (/^\d+$/.test(s) ? Number(s) : s.replace(/~1/g, '/').replace(/~0/g, '~')));
    const where = stepLabel(segments);
    const message = `${where}${describe(e)}`;
    if (seen.has(message)) continue;
    seen.add(message);
    out.push({ line: lineOf(segments), path: e.instancePath || '/', message });
  }
  return out;
}

function stepLabel(segments: Array<string | number>): string {
  const i = segments.indexOf('steps');
  const n = segments[i + 1];
  const prefix = segments[0] === 'scripts' && typeof segments[1] === 'number' ? `scripts[${segments[1]}] ` : '';
  if (i >= 0 && typeof n === 'number') return `${prefix}step ${n + 1}: `;
  return segments.length ? `${prefix}${segments.filter((s) => typeof s === 'string').join('.')}: ` : '';
}

function describe(e: ErrorObject): string {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties':
      return `unknown field "${String(p.additionalProperty)}"`;
    case 'required':
      return `missing "${String(p.missingProperty)}"`;
    case 'maxProperties':
    case 'minProperties':
      return 'a step has exactly one of customer, expect, expect_no_reply, advance, http_called';
    case 'pattern':
      return `"${String(e.data)}" does not look right (${e.schemaPath.includes('advance') || e.schemaPath.includes('delay') || e.schemaPath.includes('timeout') ? 'a duration like 250ms, 30s, 2h, 1d' : `must match ${String(p.pattern)}`})`;
    case 'enum':
      return `must be one of ${(p.allowedValues as unknown[]).join(', ')}`;
    default:
      return e.message ?? e.keyword;
  }
}

/** True when `actual` holds every key of `expected` with deeply equal values (objects recursively). */
export function containsSubset(actual: unknown, expected: unknown): boolean {
  if (isPlainObject(expected)) {
    if (!isPlainObject(actual)) return false;
    return Object.entries(expected).every(([k, v]) => containsSubset(actual[k], v));
  }
  if (Array.isArray(expected))
    return Array.isArray(actual) && actual.length === expected.length && expected.every((v, i) => containsSubset(actual[i], v));
  // YAML numbers vs JSON strings of numbers are not the same: compare strictly, but let "5" == 5.
  return (
    actual === expected ||
    (typeof actual !== 'object' && typeof expected !== 'object' && actual !== undefined && String(actual) === String(expected))
  );
}
