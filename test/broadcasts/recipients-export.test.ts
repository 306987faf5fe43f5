import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { forEachDialect } from '../support/dialects.ts';
import { ADMIN_TOKEN, startWorld, type World } from '../support/test-world.ts';
import { approvedTemplate, body } from '../templates/helpers.ts';

const ROWS = Number(process.env.BROADCAST_EXPORT_ROWS ?? 100_000);

forEachDialect('broadcast recipients: a 100,000-row CSV export is streamed', (dialect) => {
  let w: World;
  let id: string;
  before(async () => {
    w = await startWorld({ dialect });
    const tpl = await approvedTemplate(w, {
      name: 'export_check',
      language: 'es_MX',
      category: 'UTILITY',
      components: [body('Hola {{1}}, tu pedido sale hoy.', ['Ana'])],
    });
    const res = await fetch(`${w.app.url}/api/v1/audiences/import?name=export`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'text/csv' },
      body: 'phone,name\n+14155550100,Ana\n',
    });
    const audience = ((await res.json()) as { audience: { id: string } }).audience.id;
    const made = await w.api('POST', '/api/v1/broadcasts', {
      name: 'export',
      template: tpl.id,
      audience_id: audience,
      parameters: { body: [{ column: 'name' }] },
    });
    id = made.body.id;
    // The recipients a 100,000-customer broadcast holds once frozen; every 10th failed with 131026.
    const rows = Array.from({ length: ROWS }, (_, i) => ({
      broadcast_id: id,
      seq: i + 1,
      contact_id: `ct_export_${i}`,
      address: `+1415${String(i).padStart(7, '0')}`,
      components: '[]',
      rendered: 'Hola',
      state: i % 10 === 0 ? 'failed' : 'pending',
      error_code: i % 10 === 0 ? 'whatsapp_131026' : null,
      error_message: i % 10 === 0 ? 'Message undeliverable' : null,
      message_id: null,
      queued_at: null,
    }));
    const db = w.app.deps.storage.db;
    for (let i = 0; i < rows.length; i += 1000)
      await db
        .insertInto('broadcast_recipients')
        .values(rows.slice(i, i + 1000))
        .execute();
  });
  after(async () => {
    await w?.stop();
  });

  test(`all ${ROWS.toLocaleString('en')} rows arrive in order, as the body streams; a filtered export has only its rows`, async () => {
    const started = performance.now();
    const res = await fetch(`${w.app.url}/api/v1/broadcasts/${id}/recipients?format=csv`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/csv/);
    assert.match(res.headers.get('content-disposition') ?? '', new RegExp(`${id}-recipients\\.csv`));
    // Streamed: chunked, no content-length (the body was not built in memory first).
    assert.equal(res.headers.get('content-length'), null);
    assert.equal(res.headers.get('transfer-encoding'), 'chunked');
    let firstChunkMs = 0;
    let chunks = 0;
    let text = '';
    const decoder = new TextDecoder();
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      if (chunks++ === 0) firstChunkMs = performance.now() - started;
      text += decoder.decode(chunk, { stream: true });
    }
    const totalMs = performance.now() - started;
    const lines = text.trimEnd().split('\n');
    assert.equal(lines[0], 'seq,address,contact_id,status,error_code,error_message,message_id,queued_at,price_estimate');
    assert.equal(lines.length, ROWS + 1);
    assert.ok(chunks > 10, `${chunks} chunks: written as it was read`);
    assert.equal(lines[1], '1,+14150000000,ct_export_0,failed,whatsapp_131026,Message undeliverable,,,0');
    assert.equal(lines[2], '2,+14150000001,ct_export_1,pending,,,,,0');
    assert.equal(lines[ROWS]?.split(',')[0], String(ROWS));
    const failed = await fetch(`${w.app.url}/api/v1/broadcasts/${id}/recipients?error_code=131026`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, accept: 'text/csv' },
    });
    const failedLines = (await failed.text()).trimEnd().split('\n');
    assert.equal(failedLines.length, ROWS / 10 + 1);
    assert.ok(failedLines.slice(1).every((l) => l.includes(',failed,whatsapp_131026,')));
    console.log(
      `# ${dialect}: ${ROWS} rows, ${text.length} bytes, first chunk after ${Math.round(firstChunkMs)} ms, all after ${Math.round(totalMs)} ms, ${chunks} chunks`,
    );
  });
});
