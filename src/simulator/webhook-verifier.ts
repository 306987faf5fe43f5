import { randomInt } from 'node:crypto';
import { request, type Dispatcher } from 'undici';
import type { VerifyResult } from './types.ts';

/**
 * Meta's subscription handshake (reference §1.1): GET the callback with hub.mode=subscribe, a
 * random hub.challenge and the verify token; only HTTP 200 with the challenge as the whole body
 * counts as success. Meta mandates no failure status (samples answer 403, the SDK 401: UNCONFIRMED),
 * so any other answer is a failure.
 */
export async function verifyCallback(url: string, verifyToken: string, dispatcher: Dispatcher, timeoutMs: number): Promise<VerifyResult> {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return { ok: false, error: `invalid webhook URL: ${url}` };
  }
  const challenge = String(randomInt(1_000_000_000, 2_000_000_000));
  target.searchParams.set('hub.mode', 'subscribe');
  target.searchParams.set('hub.challenge', challenge);
  target.searchParams.set('hub.verify_token', verifyToken);
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), timeoutMs);
  try {
    const res = await request(target, {
      method: 'GET',
      dispatcher,
      signal: ac.signal,
      headers: { 'user-agent': 'facebookplatform/1.0 (+http://developers.facebook.com)' },
    });
    const body = await res.body.text();
    return { ok: res.statusCode === 200 && body === challenge, status: res.statusCode, body };
  } catch (e) {
    return { ok: false, error: ac.signal.aborted ? `timeout after ${timeoutMs} ms` : errorText(e) };
  } finally {
    clearTimeout(timer);
  }
}

export function errorText(e: unknown): string {
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    const cause = e.cause instanceof Error ? `: ${e.cause.message}` : '';
    return (typeof code === 'string' ? `${code} ` : '') + e.message + cause;
  }
  return String(e);
}
