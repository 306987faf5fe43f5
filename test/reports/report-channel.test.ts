import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTelegramSimulator, type TelegramSimulator } from '../../src/simulator/telegram/index.ts';
import { configuredBusinessHours } from '../../src/reports/business-time.ts';
import { forEachDialect } from '../support/dialects.ts';
import { foldAll } from './fold-all.ts';
import { startWorld, type World } from '../support/test-world.ts';

// Issue 20: reports take `channel=whatsapp|telegram` wherever they take channel_id. Customers write
// on both channels through the real simulators; the rollups are read back per kind.
forEachDialect('reports: the channel filter', (dialect) => {
  let tg: TelegramSimulator;
  let w: World;

  before(async () => {
    tg = await startTelegramSimulator({ retryDelaysMs: [50] });
    w = await startWorld({
      dialect,
      config: {
        demoBot: false,
        telegram: {
          bots: [{ botToken: tg.botToken, webhookSecret: 'report_secret_1', apiUrl: tg.url, mode: 'webhook', throughputPerSecond: 30 }],
          simulator: { enabled: false, port: 0 },
        },
      },
    });
  });
  after(async () => {
    await w?.stop();
    await tg?.close();
  });

  const total = (rows: Array<Record<string, number>>, col: string) => rows.reduce((n, r) => n + Number(r[col] ?? 0), 0);

  test('messages and conversations per channel kind; every channel_id report accepts it; a wrong kind is a 400', async () => {
    const wa = w.sim.customer('15550202001', 'Ria');
    await wa.sendText('one');
    await wa.sendText('two');
    const a = tg.user({ first_name: 'Tom' });
    const b = tg.user({ first_name: 'Uma' });
    a.send('three');
    b.send('four');
    b.send('five');
    await w.sim.drainWebhooks();
    assert.ok(await tg.drain(10_000));
    await w.settle();
    await foldAll(w.app.deps.storage, configuredBusinessHours(w.app.deps.config));

    const messages = async (q: string) => {
      const r = await w.api('GET', `/api/v1/reports/messages?interval=none${q}`);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return total(r.body.rows, 'messages_in');
    };
    assert.equal(await messages(''), 5);
    assert.equal(await messages('&channel=whatsapp'), 2);
    assert.equal(await messages('&channel=telegram'), 3);
    const tgId = `tg_${tg.botToken.split(':')[0]}`;
    assert.equal(await messages(`&channel=telegram&channel_id=${tgId}`), 3);
    assert.equal(await messages(`&channel=whatsapp&channel_id=${tgId}`), 0, 'a bot is not a WhatsApp number');

    const conv = async (q: string) => {
      const r = await w.api('GET', `/api/v1/reports/conversations?interval=none${q}`);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return total(r.body.rows, 'opened');
    };
    assert.equal(await conv('&channel=whatsapp'), 1);
    assert.equal(await conv('&channel=telegram'), 2);
    const byChannel = await w.api('GET', '/api/v1/reports/conversations?interval=none&group_by=channel&channel=telegram');
    assert.deepEqual(
      byChannel.body.rows.map((r: { channel_id: string }) => r.channel_id),
      [tgId],
    );

    for (const path of ['response-times', 'templates', 'costs', 'bot']) {
      const r = await w.api('GET', `/api/v1/reports/${path}?channel=telegram`);
      assert.equal(r.status, 200, `${path}: ${JSON.stringify(r.body)}`);
    }
    const bad = await w.api('GET', '/api/v1/reports/messages?channel=sms');
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.code, 'invalid_channel');
  });
});
