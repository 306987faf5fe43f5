import assert from 'node:assert/strict';
import { test } from 'node:test';
import { JOB_CATALOG, JOBS } from './job-catalog.ts';
import { defineJob, handle, parsePayload, taskHandlers } from './job-definition.ts';
import { PermanentFailure } from './job-errors.ts';

test('the job catalog: unique names, each with its fields, queue and attempts', () => {
  const names = JOB_CATALOG.map((j) => j.name);
  assert.equal(new Set(names).size, names.length);
  for (const j of JOB_CATALOG) {
    assert.ok(j.maxAttempts >= 1, j.name);
    assert.ok(['none', 'conversation', 'given'].includes(j.queue), j.name);
  }
  assert.equal(JOBS.messageSend.key?.({ messageId: 'm1' }, undefined), 'send:m1');
  assert.equal(JOBS.messageSend.key?.({ messageId: 'm1' }, 5), 'send:m1:5');
  assert.equal(JOBS.flowWebhook.key?.({ id: 'w', url: 'u', body: 'b', secret: 's', firstAttemptAt: 1 }, undefined), 'flow-webhook:w:1');
});

test('a payload without its declared fields fails the job at once (retrying cannot fix it)', async () => {
  const job = defineJob({
    name: 't.job',
    fields: { id: 'string', n: 'number' },
    optional: { extra: 'string' },
    queue: 'none',
    maxAttempts: 3,
  });
  assert.deepEqual(parsePayload(job, { id: 'a', n: 1 }), { id: 'a', n: 1 });
  assert.equal(parsePayload(job, { id: 'a', n: '1' }), undefined);
  assert.equal(parsePayload(job, { id: 'a', n: 1, extra: 2 }), undefined);
  assert.equal(parsePayload(job, null), undefined);
  const seen: unknown[] = [];
  const bound = handle(job, async (p) => void seen.push(p));
  await bound.run({ id: 'x', n: 2 }, { id: '1', attempts: 1 });
  assert.deepEqual(seen, [{ id: 'x', n: 2 }]);
  await assert.rejects(bound.run({ id: 'x' }, { id: '2', attempts: 1 }), PermanentFailure);
});

test('the handler table: every catalog job bound exactly once, nothing else', () => {
  const a = defineJob({ name: 'a', fields: {}, queue: 'none', maxAttempts: 1 });
  const b = defineJob({ name: 'b', fields: {}, queue: 'none', maxAttempts: 1 });
  const stray = defineJob({ name: 'c', fields: {}, queue: 'none', maxAttempts: 1 });
  const run = async () => undefined;
  assert.deepEqual(Object.keys(taskHandlers([a, b], [handle(a, run), handle(b, run)])).sort(), ['a', 'b']);
  assert.throws(() => taskHandlers([a, b], [handle(a, run)]), /without a handler: b/);
  assert.throws(() => taskHandlers([a], [handle(a, run), handle(a, run)]), /two handlers/);
  assert.throws(() => taskHandlers([a], [handle(a, run), handle(stray, run)]), /not in the job catalog/);
});
