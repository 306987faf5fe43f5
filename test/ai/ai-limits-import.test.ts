import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DEFAULT_AI_SETTINGS } from '../../src/ai/ai-settings.ts';
import { forEachDialect } from '../support/dialects.ts';
import { startWorld, type World } from '../support/test-world.ts';

/** A one-page PDF whose page draws `text` in Helvetica, with a correct cross-reference table. */
function pdfWith(text: string): Buffer {
  const stream = `BT /F1 12 Tf 72 720 Td (${text}) Tj ET`;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let out = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((o, i) => {
    offsets.push(out.length);
    out += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = out.length;
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

forEachDialect('AI assistant: PDF import, the per-minute request limit', (dialect) => {
  let w: World;
  before(async () => {
    w = await startWorld({ dialect, config: { demoBot: false, ai: { ...DEFAULT_AI_SETTINGS, requestsPerMinute: 1 } } });
  });
  after(async () => {
    await w?.stop();
  });

  test('a PDF becomes an article with its text, searchable at once', async () => {
    const r = await w.api('POST', '/api/v1/knowledge/import', {
      files: [
        {
          name: 'garantia-extendida.pdf',
          content_base64: pdfWith('La garantia extendida cubre tres anos de reparaciones.').toString('base64'),
        },
      ],
      language: 'es',
      tags: ['pdf'],
    });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.data[0].title, 'garantia extendida');
    assert.match(r.body.data[0].body, /cubre tres anos de reparaciones/);
    assert.equal(r.body.data[0].source, 'garantia-extendida.pdf');
    assert.equal((await w.api('GET', '/api/v1/knowledge?tag=pdf')).body.data.length, 1);
    const found = await w.api('GET', '/api/v1/knowledge/search?q=garantía extendida');
    assert.equal(found.body.data[0].title, 'garantia extendida');
  });

  test('AI_REQUESTS_PER_MINUTE: over it the assistant is unavailable (rate_limited), and the status says so', async () => {
    const first = await w.api('POST', '/api/v1/ai/ask', { question: '¿cuánto cubre la garantía extendida?' });
    assert.equal(first.body.outcome, 'answered');
    const second = await w.api('POST', '/api/v1/ai/ask', { question: '¿cuánto cubre la garantía extendida?' });
    assert.equal(second.body.outcome, 'unavailable');
    assert.equal(second.body.reason, 'rate_limited');
    assert.equal((await w.api('GET', '/api/v1/ai/status')).body.unavailable_reason, 'rate_limited');
    // A new process (another one on the same database alike) counts the calls already recorded.
    await w.restart();
    const third = await w.api('POST', '/api/v1/ai/ask', { question: '¿cuánto cubre la garantía extendida?' });
    assert.equal(third.body.outcome, 'unavailable');
    assert.equal(third.body.reason, 'rate_limited');
  });
});
