import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Clock } from '../core/clock.ts';
import { HttpError } from '../core/http-error.ts';
import type { Database } from '../storage/database-types.ts';
import { LoginThrottle, loginKeys, type ThrottleGate } from './login-throttle.ts';
import { verifyPassword } from './password-hash.ts';
import type { UserRow } from './user-store.ts';

/**
 * 429 `too_many_attempts` with Retry-After and `details.retry_after_s`, and one warning log line
 * per refusal (`event: "login_throttled"`): that line is how refusals are counted.
 */
export function refuseThrottled(req: FastifyRequest, reply: FastifyReply, gate: Extract<ThrottleGate, { ok: false }>): never {
  const retryAfterS = Math.max(1, Math.ceil(gate.retryAfterMs / 1000));
  req.log.warn({ event: 'login_throttled', rule: gate.rule, retry_after_s: retryAfterS, ip: req.ip, route: req.routeOptions.url }, 'password refused unchecked: too many failed attempts');
  reply.header('retry-after', String(retryAfterS));
  throw new HttpError(429, 'too_many_attempts', `Too many wrong passwords; try again in ${retryAfterS} s.`, { retry_after_s: retryAfterS });
}

/**
 * Re-authentication of a signed-in user (minting a token, changing the password): the password
 * is checked under the same throttle as sign-in, so a stolen session cannot be used to guess it
 * faster. False when it is wrong or missing; throws 429 while the account is locked.
 */
export async function confirmPassword(
  ctx: { db: Kysely<Database>; clock: Clock },
  req: FastifyRequest,
  reply: FastifyReply,
  user: UserRow,
  password: unknown,
): Promise<boolean> {
  if (typeof password !== 'string') return false;
  const throttle = new LoginThrottle(ctx.db);
  const keys = loginKeys(user.email, req.ip);
  const gate = await throttle.begin(keys, ctx.clock.now());
  if (!gate.ok) refuseThrottled(req, reply, gate);
  if (!(await verifyPassword(password, user.password_hash))) {
    await throttle.failed(keys, ctx.clock.now());
    return false;
  }
  await throttle.succeeded(keys, ctx.clock.now());
  return true;
}
