import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_OPT_OUT_KEYWORDS, isOptOutKeyword } from './opt-out-keywords.ts';

test('exact keywords opt out, whatever the case and surrounding spaces', () => {
  for (const t of ['STOP', 'stop', '  Stop \n', 'baja', 'Unsubscribe']) assert.equal(isOptOutKeyword(t, DEFAULT_OPT_OUT_KEYWORDS), true, t);
});

test('a keyword inside a sentence, an empty text or no text does not', () => {
  for (const t of ['please stop', 'STOP!', 'stopped', '', '   ', null])
    assert.equal(isOptOutKeyword(t, DEFAULT_OPT_OUT_KEYWORDS), false, String(t));
});

test('configured keywords replace the defaults', () => {
  assert.equal(isOptOutKeyword('ALTO', ['alto', 'cancelar']), true);
  assert.equal(isOptOutKeyword('STOP', ['alto']), false);
});
