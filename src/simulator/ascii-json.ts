import { createHmac } from 'node:crypto';

/**
 * Serialise to JSON with every non-ASCII UTF-16 unit written as \uXXXX (lowercase hex), which is
 * how Meta's webhook bodies arrive: receivers that hash the raw bytes verify, receivers that
 * re-serialise parsed JSON do not — exactly the bug class the simulator must expose.
 */
export function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** `sha256=<hex HMAC-SHA256(appSecret, exact body bytes)>` — the X-Hub-Signature-256 header value. */
export function signBody(appSecret: string, body: string): string {
  return `sha256=${createHmac('sha256', appSecret).update(body, 'utf8').digest('hex')}`;
}
