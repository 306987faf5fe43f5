import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyGraphError, classifyTransportError } from './graph-errors.ts';

function graphError(code: number, title: string, details?: string): unknown {
  return {
    error: {
      message: `(#${code}) ${title}`,
      type: 'OAuthException',
      code,
      ...(details !== undefined ? { error_data: { messaging_product: 'whatsapp', details } } : {}),
      fbtrace_id: 'Az8or2yhqkZfEZ-_4Qn_Bam',
    },
  };
}

test('retryable vs permanent Graph error codes', () => {
  const retryable = [1, 2, 4, 80007, 130429, 131000, 131016, 131056, 131057, 132069, 133016];
  const permanent = [
    0, 3, 10, 100, 190, 200, 368, 130403, 130472, 131005, 131008, 131009, 131021, 131026, 131030, 131031, 131047, 131048, 131049, 131050,
    131051, 131053, 132000, 132001, 132012, 132015, 132016, 133010, 135000,
  ];
  for (const code of retryable) {
    const r = classifyGraphError(400, graphError(code, 'x'));
    assert.equal(r.retryable, true, String(code));
    assert.equal(r.code, `whatsapp_${code}`);
    assert.equal(r.httpStatus, 400);
  }
  for (const code of permanent) {
    const r = classifyGraphError(400, graphError(code, 'x'));
    assert.equal(r.retryable, false, String(code));
    assert.equal(r.code, `whatsapp_${code}`);
  }
});

test("message is Meta's message plus details; rate limits carry a retry hint", () => {
  assert.deepEqual(classifyGraphError(400, graphError(130429, 'Rate limit hit', 'Cloud API message throughput has been reached.')), {
    ok: false,
    retryable: true,
    code: 'whatsapp_130429',
    message: '(#130429) Rate limit hit: Cloud API message throughput has been reached.',
    httpStatus: 400,
    retryAfterMs: 1000,
  });
  const pair = classifyGraphError(400, graphError(131056, '(Business Account, Consumer Account) pair rate limit hit'));
  assert.equal(pair.retryAfterMs, 6000);
  assert.equal(pair.message, '(#131056) (Business Account, Consumer Account) pair rate limit hit');
  assert.equal(classifyGraphError(400, graphError(131047, 'Re-engagement message')).retryAfterMs, undefined);
});

test('5xx is retryable whatever the code; bodies that are not Graph errors use the status', () => {
  assert.equal(classifyGraphError(500, graphError(100, 'Invalid parameter')).retryable, true);
  assert.deepEqual(classifyGraphError(502, '<html>Bad Gateway</html>'), {
    ok: false,
    retryable: true,
    code: 'http_502',
    message: 'HTTP 502: <html>Bad Gateway</html>',
    httpStatus: 502,
  });
  assert.deepEqual(classifyGraphError(503, ''), { ok: false, retryable: true, code: 'http_503', message: 'HTTP 503', httpStatus: 503 });
  assert.equal(classifyGraphError(429, { nope: true }).retryable, true);
  assert.equal(classifyGraphError(408, null).retryable, true);
  assert.deepEqual(classifyGraphError(404, { error: { message: 'no code' } }), {
    ok: false,
    retryable: false,
    code: 'http_404',
    message: 'HTTP 404',
    httpStatus: 404,
  });
  assert.equal(classifyGraphError(401, 'x'.repeat(1000)).message.length, 'HTTP 401: '.length + 200);
});

test('transport errors: timeouts vs other network failures, always retryable', () => {
  const timeout = Object.assign(new Error('Headers Timeout Error'), { name: 'HeadersTimeoutError', code: 'UND_ERR_HEADERS_TIMEOUT' });
  assert.deepEqual(classifyTransportError(timeout), {
    ok: false,
    retryable: true,
    code: 'timeout',
    message: 'UND_ERR_HEADERS_TIMEOUT: Headers Timeout Error',
  });
  // A connect timeout means nothing was sent: safe to retry, unlike a request left without an answer.
  assert.equal(
    classifyTransportError(Object.assign(new Error('x'), { name: 'ConnectTimeoutError', code: 'UND_ERR_CONNECT_TIMEOUT' })).code,
    'network_error',
  );
  assert.equal(classifyTransportError(Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' })).code, 'connection_lost');
  assert.equal(classifyTransportError(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })).code, 'connection_lost');
  assert.equal(classifyTransportError(new DOMException('The operation timed out.', 'TimeoutError')).code, 'timeout');
  const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
  assert.deepEqual(classifyTransportError(refused), {
    ok: false,
    retryable: true,
    code: 'network_error',
    message: 'ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:1',
  });
  assert.equal(classifyTransportError('weird').code, 'network_error');
});
