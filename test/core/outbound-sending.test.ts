import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forEachDialect } from '../support/dialects.ts';
import { startWorld } from '../support/test-world.ts';
import { waitFor } from '../support/wait-for.ts';

forEachDialect('outbound sending', (dialect) => {
  test('the per-number throughput limit is never exceeded in any one-second window', async () => {
    const w = await startWorld({ dialect, config: { demoBot: false }, number: { throughputPerSecond: 5 } });
    try {
      const n = 14;
      for (let i = 0; i < n; i++) await w.sim.customer(`1555444${String(i).padStart(4, '0')}`).sendText('open window');
      await w.settle();
      const list = await w.api('GET', '/api/v1/conversations?limit=50');
      assert.equal(list.body.data.length, n);
      await Promise.all(list.body.data.map((c: any) => w.api('POST', `/api/v1/conversations/${c.id}/messages`, { text: 'limited' })));
      await waitFor(() => w.sim.outbound().filter((m) => m.text === 'limited').length === n, 10_000, 'all sends accepted');
      const times = w.sim
        .outbound()
        .filter((m) => m.text === 'limited')
        .map((m) => m.acceptedAt)
        .sort((a, b) => a - b);
      for (let i = 5; i < times.length; i++) assert.ok(times[i]! - times[i - 5]! >= 1000, `6 sends within ${times[i]! - times[i - 5]!} ms`);
    } finally {
      await w.stop();
    }
  });

  test('retryable errors (130429) are retried with backoff until accepted', async () => {
    const w = await startWorld({ dialect, config: { demoBot: false }, sim: { throughputPerSecond: 2 } });
    try {
      const n = 6;
      for (let i = 0; i < n; i++) await w.sim.customer(`1555445${String(i).padStart(4, '0')}`).sendText('hi');
      await w.settle();
      const list = await w.api('GET', '/api/v1/conversations?limit=50');
      await Promise.all(list.body.data.map((c: any) => w.api('POST', `/api/v1/conversations/${c.id}/messages`, { text: 'retry me' })));
      await waitFor(() => w.sim.outbound().filter((m) => m.text === 'retry me').length === n, 20_000, 'all sends eventually accepted');
      const rows = () => w.app.deps.storage.db.selectFrom('messages').selectAll().where('text', '=', 'retry me').execute();
      await waitFor(async () => (await rows()).every((r) => r.external_id), 5000, 'every send recorded its wamid');
      assert.ok(
        (await rows()).some((r) => r.attempts > 1),
        'some sends needed a retry',
      );
    } finally {
      await w.stop();
    }
  });

  test('a permanent error fails fast with the code stored and visible in the API', async () => {
    const w = await startWorld({ dialect, number: { accessToken: 'expired-token' } });
    try {
      // The number's token is wrong: Meta answers 190 and retrying cannot help.
      await w.sim.customer('15554460001').sendText('hello');
      await w.settle();
      const list = await w.api('GET', '/api/v1/conversations');
      const detail = await w.api('GET', `/api/v1/conversations/${list.body.data[0].id}`);
      const out = detail.body.messages.find((m: any) => m.direction === 'out');
      assert.equal(out.status, 'failed');
      assert.equal(out.error.code, 'whatsapp_190');
      const row = await w.app.deps.storage.db.selectFrom('messages').select('attempts').where('id', '=', out.id).executeTakeFirstOrThrow();
      assert.equal(row.attempts, 1, 'no retries for a permanent error');
    } finally {
      await w.stop();
    }
  });
});
