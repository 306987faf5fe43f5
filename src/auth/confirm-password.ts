import type { Kysely } from 'kysely';
import type { Clock } from '../core/clock.ts';
import type { Database } from '../storage/database-types.ts';
import { LoginThrottle, loginKeys, type ThrottleGate } from './login-throttle.ts';
import { verifyPassword } from './password-hash.ts';
import type { UserRow } from './user-store.ts';

/** A re-authentication's outcome: confirmed, a wrong (or missing) password, or refused unchecked while the account is locked. */
export type PasswordCheck =
  | { ok: true }
  | { ok: false; reason: 'password_incorrect' }
  | { ok: false; reason: 'throttled'; gate: Extract<ThrottleGate, { ok: false }> };

/**
 * Re-authentication of a signed-in user (minting a token, changing the password): the password
 * is checked under the same throttle as sign-in, so a stolen session cannot be used to guess it
 * faster. Routes answer `throttled` with 429 too_many_attempts (throttle-answer.ts).
 */
export async function confirmPassword(
  ctx: { db: Kysely<Database>; clock: Clock },
  user: UserRow,
  password: string | undefined,
  ip: string,
): Promise<PasswordCheck> {
  if (password === undefined) return { ok: false, reason: 'password_incorrect' };
  const throttle = new LoginThrottle(ctx.db);
  const keys = loginKeys(user.email, ip);
  const gate = await throttle.begin(keys, ctx.clock.now());
  if (!gate.ok) return { ok: false, reason: 'throttled', gate };
  if (!(await verifyPassword(password, user.password_hash))) {
    await throttle.failed(keys, ctx.clock.now());
    return { ok: false, reason: 'password_incorrect' };
  }
  await throttle.succeeded(keys, ctx.clock.now());
  return { ok: true };
}
