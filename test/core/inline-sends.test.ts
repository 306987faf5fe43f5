import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jobRuns } from '../../src/core/metrics.ts';
import { JOBS } from '../../src/jobs/job-catalog.ts';
import { enqueueJob } from '../../src/jobs/job-definition.ts';
import { takeSends } from '../../src/messaging/inline-sends.ts';
import { queueOutbound } from '../../src/messaging/queue-outbound.ts';
import { forEachDialect } from '../support/dialects.ts';
import { startWorld } from '../support/test-world.ts';
import { waitFor } from '../support/wait-for.ts';
import { conversationOf } from '../support/ai-world.ts';

/** `switchboard_jobs_total` for one task and outcome, as the process counts it now. */
async function jobCount(task: string, outcome = 'completed'): Promise<number> {
  const m = await jobRuns.get();
  return m.values.filter((v) => v.labels.task === task && v.labels.outcome === outcome).reduce((n, v) => n + v.value, 0);
}

forEachDialect("a customer message's replies are sent by its own job (issue #16)", (dialect) => {
  test('the bot reply adds no message.send job; an agent reply still has one', async () => {
    const w = await startWorld({ dialect });
    try {
      await w.settle();
      const sends0 = await jobCount('message.send');
      const customer = w.sim.customer('15557790001', 'Noa');
      await customer.sendText('just checking');
      await customer.waitForMessage((m) => m.text === 'You said: just checking');
      await w.settle();
      assert.equal(await jobCount('message.send'), sends0, 'no message.send job ran for the bot reply');

      const conv = await conversationOf(w, '15557790001');
      const sent = await w.api('POST', `/api/v1/conversations/${conv.id}/messages`, { text: 'from an agent' });
      assert.equal(sent.status, 202);
      await customer.waitForMessage((m) => m.text === 'from an agent');
      await w.settle();
      assert.ok((await jobCount('message.send')) > sends0, "an agent's reply is a message.send job");
    } finally {
      await w.stop();
    }
  });

  test('a rerun after a crash between the commit and the send sends the unsent replies once, in order', async () => {
    const w = await startWorld({ dialect });
    try {
      const customer = w.sim.customer('15557790002', 'Ilse');
      await customer.sendText('first');
      await customer.waitForMessage((m) => m.text === 'You said: first');
      await w.settle();
      const { db } = w.app.deps.storage;
      const inbound = await db
        .selectFrom('messages')
        .select(['id', 'conversation_id', 'channel_id'])
        .where('direction', '=', 'in')
        .where('text', '=', 'first')
        .executeTakeFirstOrThrow();

      // What a crash leaves when it comes after message.process committed two replies and before
      // it sent them: the replies queued with no job of their own, and the job itself to run again.
      const now = w.clock.now();
      await db.transaction().execute(async (trx) => {
        const taken = takeSends(trx);
        for (const text of ['left unsent 1', 'left unsent 2'])
          await queueOutbound(trx, w.app.deps.jobs, {
            conversationId: inbound.conversation_id,
            channelId: inbound.channel_id,
            content: { type: 'text', text },
            author: 'bot:demo',
            now,
          });
        assert.equal(taken.length, 2, 'both replies were left to the job that took its transaction');
      });
      await w.settle();
      assert.equal(customer.received().filter((m) => m.text?.startsWith('left unsent')).length, 0, 'no job of their own sent them');

      await enqueueJob(db, w.app.deps.jobs, JOBS.messageProcess, { messageId: inbound.id }, { conversationId: inbound.conversation_id });
      w.app.deps.jobs.wake();
      await waitFor(() => customer.received().filter((m) => m.text?.startsWith('left unsent')).length === 2, 10_000, 'the rerun sent both');
      await w.settle();
      const texts = customer
        .received()
        .map((m) => m.text)
        .filter((t) => t?.startsWith('left unsent'));
      assert.deepEqual(texts, ['left unsent 1', 'left unsent 2'], 'sent once each, in the order they were queued');
      const rows = await db
        .selectFrom('messages')
        .select(['status', 'external_id'])
        .where('conversation_id', '=', inbound.conversation_id)
        .where('direction', '=', 'out')
        .execute();
      assert.ok(
        rows.every((r) => r.external_id && ['accepted', 'sent', 'delivered', 'read'].includes(r.status)),
        JSON.stringify(rows),
      );

      // Running it yet again sends nothing more.
      await enqueueJob(db, w.app.deps.jobs, JOBS.messageProcess, { messageId: inbound.id }, { conversationId: inbound.conversation_id });
      w.app.deps.jobs.wake();
      await w.settle();
      assert.equal(customer.received().filter((m) => m.text?.startsWith('left unsent')).length, 2);
    } finally {
      await w.stop();
    }
  });

  test('a rerun that handles a later message and queues no reply still sends what the first run left unsent', async () => {
    // No bot: the later message gets no reply. A reorder window keeps it waiting until the clock moves.
    const w = await startWorld({ dialect, config: { demoBot: false, inboundReorderWindowMs: 60_000 } });
    try {
      const customer = w.sim.customer('15557790003', 'Tove');
      await customer.sendText('earlier');
      await w.settle();
      const { db } = w.app.deps.storage;
      const waiting = await db
        .selectFrom('messages')
        .select(['id', 'conversation_id', 'channel_id', 'status'])
        .where('direction', '=', 'in')
        .where('text', '=', 'earlier')
        .executeTakeFirstOrThrow();
      assert.equal(waiting.status, 'received', 'still in its reorder window');

      // A first run of its job committed a reply (for a message handled before it) and died before sending it.
      await db.transaction().execute(async (trx) => {
        takeSends(trx);
        await queueOutbound(trx, w.app.deps.jobs, {
          conversationId: waiting.conversation_id,
          channelId: waiting.channel_id,
          content: { type: 'text', text: 'left by the first run' },
          author: 'bot:demo',
          now: w.clock.now(),
        });
      });
      w.clock.advance(61_000);
      w.app.deps.jobs.wake();
      await waitFor(() => customer.received().some((m) => m.text === 'left by the first run'), 10_000, 'sent by the rerun');
      await w.settle();
      assert.equal(customer.received().filter((m) => m.text === 'left by the first run').length, 1);
      const handled = await db.selectFrom('messages').select('status').where('id', '=', waiting.id).executeTakeFirstOrThrow();
      assert.equal(handled.status, 'processed');
    } finally {
      await w.stop();
    }
  });
});
