import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { SimCustomer } from '../../simulator/index.ts';
import { isPlainObject } from '../../flows/expression.ts';
import {
  containsSubset,
  parseScriptFile,
  type CallExpectation,
  type FlowScript,
  type ResultExpectation,
  type ScriptStep,
} from './flow-script-format.ts';
import { describe, mismatch, seen } from './flow-script-match.ts';
import { startStubServer, urlMatches, withStubUrl, type StubServer } from './flow-script-stub.ts';
import { startScriptWorld, type ScriptWorld } from './flow-script-world.ts';
import type { FlowDocument } from '../../flows/flow-types.ts';
import { publishFlow } from '../../flows/publish-flow.ts';
import { parseFlowSource, validateFlow } from '../../flows/validate-flow.ts';

/** How one script went: ok, or the first mismatch with the step and line it happened at. */
export interface ScriptOutcome {
  file: string;
  name: string;
  ok: boolean;
  durationMs: number;
  failure?: { step: number | null; line: number | null; message: string };
}

/** A failed expectation: stops the script and becomes its outcome. */
class Mismatch extends Error {
  constructor(
    message: string,
    readonly step: number | null,
    readonly line: number | null,
  ) {
    super(message);
  }
}

/** Runs every script in a file, one fresh world each; a file that does not parse is one failure. */
export async function runScriptFile(file: string): Promise<ScriptOutcome[]> {
  let source: string;
  try {
    source = readFileSync(file, 'utf8');
  } catch (err) {
    return [
      {
        file,
        name: 'file',
        ok: false,
        durationMs: 0,
        failure: { step: null, line: null, message: `cannot read the script: ${err instanceof Error ? err.message : String(err)}` },
      },
    ];
  }
  const parsed = parseScriptFile(file, source);
  if (!parsed.ok) {
    const first = parsed.problems[0];
    const more =
      parsed.problems.length > 1
        ? ` (and ${parsed.problems.length - 1} more problem(s): ${parsed.problems
            .slice(1, 4)
            .map((p) => `line ${p.line ?? '?'}: ${p.message}`)
            .join('; ')})`
        : '';
    return [
      {
        file,
        name: 'file',
        ok: false,
        durationMs: 0,
        failure: { step: null, line: first?.line ?? null, message: `invalid script: ${first?.message ?? 'unknown problem'}${more}` },
      },
    ];
  }
  const outcomes: ScriptOutcome[] = [];
  for (const script of parsed.scripts) outcomes.push(await runFlowScript(script));
  return outcomes;
}

/** Runs one script against a fresh in-process Switchboard, the simulator and a stub business API. */
export async function runFlowScript(script: FlowScript): Promise<ScriptOutcome> {
  const t0 = performance.now();
  const done = (failure?: ScriptOutcome['failure']): ScriptOutcome => ({
    file: script.file,
    name: script.name,
    ok: !failure,
    durationMs: Math.round(performance.now() - t0),
    ...(failure ? { failure } : {}),
  });
  let stub: StubServer | undefined;
  let world: ScriptWorld | undefined;
  try {
    stub = await startStubServer(script.http);
    const base = dirname(script.file);
    const main = loadFlow(resolve(base, script.flow), stub.url, script.variables);
    const extras = script.extraFlows.map((f) => loadFlow(resolve(base, f), stub?.url ?? '', {}));
    world = await startScriptWorld({ seedTemplates: [main, ...extras].some((d) => JSON.stringify(d).includes('"template"')) });
    const w = world;
    for (const doc of [...extras, main]) {
      await w.app.deps.storage.db
        .transaction()
        .execute((trx) => publishFlow(trx, doc, { by: 'flows:test', source: 'flows:test', now: w.clock.now() }));
    }
    const customer = w.sim.customer(script.contact.phone, script.contact.name);
    for (const step of script.steps) await runStep(w, stub, customer, step, script.timeoutMs);
    if (script.result) await checkResult(w, main.id, script.result, script.timeoutMs, stub);
    return done();
  } catch (err) {
    if (err instanceof Mismatch) return done({ step: err.step, line: err.line, message: err.message });
    return done({ step: null, line: null, message: err instanceof Error ? err.message : String(err) });
  } finally {
    await world?.stop().catch(() => undefined);
    await stub?.close().catch(() => undefined);
  }
}

/** Reads, adapts (stub URL, variables) and validates a flow file; throws a readable error when it is invalid. */
function loadFlow(path: string, stubUrl: string, variables: Record<string, unknown>): FlowDocument {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new Mismatch(`flow file ${path} cannot be read`, null, null);
  }
  const parsed = parseFlowSource(text);
  if (!parsed.ok) throw new Mismatch(`flow ${path}: ${parsed.error.message}`, null, null);
  // `{{stub.url}}` is the script's, not the flow's: replaced before the flow is validated.
  const raw = withStubUrl(parsed.doc, stubUrl);
  const overrides = withStubUrl(variables, stubUrl);
  const doc = isPlainObject(raw)
    ? { ...raw, variables: { ...(isPlainObject(raw.variables) ? raw.variables : {}), ...(isPlainObject(overrides) ? overrides : {}) } }
    : raw;
  const checked = validateFlow(doc);
  if (!checked.ok)
    throw new Mismatch(
      `flow ${path} is invalid: ${checked.errors
        .slice(0, 3)
        .map((e) => `${e.path}: ${e.message}`)
        .join('; ')}`,
      null,
      null,
    );
  return checked.flow;
}

async function runStep(w: ScriptWorld, stub: StubServer, customer: SimCustomer, step: ScriptStep, timeoutMs: number): Promise<void> {
  const fail = (message: string): never => {
    throw new Mismatch(`${step.kind}: ${message}`, step.index, step.line);
  };
  switch (step.kind) {
    case 'customer': {
      const input = step.input;
      if ('text' in input) await customer.sendText(input.text);
      else if ('location' in input) await customer.sendLocation(input.location);
      else {
        const id = 'button' in input ? input.button : input.list;
        const kind = 'button' in input ? 'buttons' : 'rows';
        const offered = [...customer.received()].reverse().find((m) => seen(m)[kind].some((c) => c.id === id));
        if (!offered)
          return fail(
            `no bot message offers ${'button' in input ? 'a button' : 'a list row'} "${id}" (last bot message: ${lastBotMessage(customer)})`,
          );
        if ('button' in input) await customer.replyButton(offered.wamid, id);
        else await customer.replyList(offered.wamid, id);
      }
      return;
    }
    case 'expect': {
      const m = await customer.waitForMessage(() => true, timeoutMs).catch(() => null);
      if (!m) return fail(`expected ${JSON.stringify(step.expect)}, but the bot sent nothing within ${timeoutMs} ms${stubHint(stub)}`);
      const why = mismatch(step.expect, seen(m));
      if (why) fail(why);
      return;
    }
    case 'expect_no_reply': {
      await w.settle();
      const m = await customer.waitForMessage(() => true, 150).catch(() => null);
      if (m) fail(`expected no reply, but the bot sent ${describe(seen(m))}`);
      return;
    }
    case 'advance':
      // Moves the clock Switchboard and the simulator share; due waits and timers fire on their own.
      w.sim.advanceTime(step.ms);
      return;
    case 'http_called': {
      const matching = () => stub.calls.filter((c) => callMatches(step.call, c.method, c.path, c.json, stub.url));
      const want = step.call.count ?? 1;
      const deadline = Date.now() + timeoutMs;
      while (matching().length < want && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      if (step.call.count !== undefined) await w.settle();
      const got = matching().length;
      const ok = step.call.count === undefined ? got >= 1 : got === step.call.count;
      if (!ok) {
        const made = stub.calls.map((c) => `${c.method} ${c.path}`).join(', ') || 'none';
        fail(
          `expected ${step.call.count ?? 'at least 1'} call(s) to ${step.call.method ?? 'any method'} ${step.call.url}${step.call.json ? ` with ${JSON.stringify(step.call.json)}` : ''}, got ${got} (calls made: ${made})`,
        );
      }
      return;
    }
  }
}

function callMatches(want: CallExpectation, method: string, path: string, json: unknown, stubUrl: string): boolean {
  return (
    (want.method === undefined || want.method === method) &&
    urlMatches(want.url, path, stubUrl) &&
    (want.json === undefined || containsSubset(json, want.json))
  );
}

async function checkResult(w: ScriptWorld, flowId: string, want: ResultExpectation, timeoutMs: number, stub: StubServer): Promise<void> {
  const fail = (message: string): never => {
    throw new Mismatch(`result: ${message}`, null, want.line);
  };
  await w.settle();
  const deadline = Date.now() + timeoutMs;
  let latest: Record<string, unknown> | undefined;
  for (;;) {
    const res = await w.api('GET', `/api/v1/flows/${encodeURIComponent(flowId)}/results?limit=1`);
    const data = isPlainObject(res.body) && Array.isArray(res.body.data) ? res.body.data : [];
    latest = data.find(isPlainObject);
    if (latest || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  if (!latest) {
    const sessions = await w.api('GET', `/api/v1/flows/${encodeURIComponent(flowId)}/sessions?limit=1`);
    const s = isPlainObject(sessions.body) && Array.isArray(sessions.body.data) ? sessions.body.data.find(isPlainObject) : undefined;
    return fail(
      `expected the session to end ${want.status}, but it has not ended${s ? ` (it is ${String(s.status)} at block "${String(s.current_block)}")` : ' (no session started: did a trigger match?)'}${stubHint(stub)}`,
    );
  }
  if (latest.status !== want.status || (want.reason !== undefined && latest.reason !== want.reason)) {
    fail(
      `expected ${want.status}${want.reason !== undefined ? ` (reason ${String(want.reason)})` : ''}, got ${String(latest.status)}${latest.reason ? ` (reason ${String(latest.reason)})` : ''}`,
    );
  }
  for (const [key, label] of [
    ['variables', 'variables'],
    ['result', 'result payload'],
  ] as const) {
    const expected = want[key];
    if (!expected) continue;
    const actual = latest[key];
    for (const [name, value] of Object.entries(expected)) {
      const got = isPlainObject(actual) ? actual[name] : undefined;
      if (!containsSubset(got, value))
        fail(`${label}.${name}: expected ${JSON.stringify(value)}, got ${got === undefined ? 'nothing' : JSON.stringify(got)}`);
    }
  }
}

function lastBotMessage(customer: SimCustomer): string {
  const last = customer.received().at(-1);
  return last ? describe(seen(last)) : 'none';
}

/** Calls nothing answered are the usual reason a flow took its error exit: say so. */
function stubHint(stub: StubServer): string {
  const unmatched = stub.calls.filter((c) => c.rule === null);
  return unmatched.length
    ? `; note: ${unmatched.length} HTTP call(s) had no stub (${unmatched
        .slice(0, 3)
        .map((c) => `${c.method} ${c.path}`)
        .join(', ')}) and got 404`
    : '';
}
