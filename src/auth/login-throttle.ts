import { isIPv6 } from 'node:net';
import type { Kysely } from 'kysely';
import type { Database } from '../storage/database-types.ts';
import { sha256Hex } from './secret-token.ts';
import {
  deleteThrottleRows,
  findThrottleRows,
  insertThrottleRow,
  purgeThrottleRows,
  updateThrottleRow,
  type ThrottleRow,
} from './login-throttle-store.ts';
import { normalizeEmail } from './user-store.ts';

/** A limit on failed sign-ins for one kind of key: so many free, then a lock that doubles, up to a cap. */
export interface ThrottleLimit {
  freeFailures: number;
  firstLockMs: number;
  maxLockMs: number;
}

export type ThrottleRule = 'account_address' | 'account' | 'address';

/**
 * The numbers (README, "Agents, teams and API tokens"):
 * - one account from one address: after 5 failures, locked 1 s, then 2, 4, 8 ... up to 15 min;
 * - one account from every address together: after 10 failures, 1 s doubling up to 1 min, so a
 *   guesser elsewhere can keep a real user waiting one minute at most;
 * - one address whatever the account: after 30 failures, 1 s doubling up to 15 min (spraying).
 * A correct password resets the account's counts; failures are forgotten after a quiet day.
 */
export const LOGIN_LIMITS: Readonly<Record<ThrottleRule, ThrottleLimit>> = {
  account_address: { freeFailures: 5, firstLockMs: 1000, maxLockMs: 15 * 60_000 },
  account: { freeFailures: 10, firstLockMs: 1000, maxLockMs: 60_000 },
  address: { freeFailures: 30, firstLockMs: 1000, maxLockMs: 15 * 60_000 },
};

export const FORGET_FAILURES_AFTER_MS = 24 * 3600_000;

/** Pure: how long a key stays locked after its `failures`-th failure (0: not locked). */
export function lockMsAfter(limit: ThrottleLimit, failures: number): number {
  if (failures < limit.freeFailures) return 0;
  const doublings = failures - limit.freeFailures;
  // 2^30 ms is 12 days: past any cap, and it keeps the power finite.
  return Math.min(limit.firstLockMs * 2 ** Math.min(doublings, 30), limit.maxLockMs);
}

export type ThrottleGate = { ok: true } | { ok: false; rule: ThrottleRule; retryAfterMs: number };

interface Key {
  rule: ThrottleRule;
  id: string;
}

/** The three keys of one sign-in attempt. Hashed: the table holds no email and no address. */
export function loginKeys(email: string, ip: string): Record<ThrottleRule, Key> {
  const account = normalizeEmail(email);
  const address = addressKey(ip);
  return {
    account_address: { rule: 'account_address', id: sha256Hex(`account_address:${account}\n${address}`) },
    account: { rule: 'account', id: sha256Hex(`account:${account}`) },
    address: { rule: 'address', id: sha256Hex(`address:${address}`) },
  };
}

/** IPv4 as is (also when IPv4-mapped); IPv6 by its /64, the block one subscriber usually holds. */
export function addressKey(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped?.[1]) return mapped[1];
  if (!isIPv6(ip)) return ip;
  const [head = '', tail = ''] = ip.toLowerCase().split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === '' ? [] : tail.split(':');
  const groups = ip.includes('::') ? [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right] : left;
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

/**
 * Throttles password sign-in with growing delays, shared by every process through the database.
 *
 * An attempt is counted against the account keys before the password is checked (`begin`), so a
 * burst of parallel guesses is counted guess by guess, and a correct password then clears them
 * (`succeeded`); the address key counts only wrong passwords (`failed`), so many people behind
 * one address signing in do not add up. While any key is locked the attempt is refused before
 * the password is looked at, and a refusal counts as nothing: retrying early never makes the
 * wait longer. Time comes from the caller (the injected clock).
 */
export class LoginThrottle {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly limits: Readonly<Record<ThrottleRule, ThrottleLimit>> = LOGIN_LIMITS,
  ) {}

  async begin(keys: Record<ThrottleRule, Key>, now: number): Promise<ThrottleGate> {
    const all = [keys.account_address, keys.account, keys.address];
    const rows = await findThrottleRows(
      this.db,
      all.map((k) => k.id),
    );
    const locked = this.lockedGate(all, rows, now);
    if (!locked.ok) return locked;
    for (const key of [keys.account_address, keys.account]) {
      const counted = await this.count(key, now, true);
      if (!counted.ok) return counted;
    }
    return { ok: true };
  }

  async failed(keys: Record<ThrottleRule, Key>, now: number): Promise<void> {
    await this.count(keys.address, now, false);
    await purgeThrottleRows(this.db, now - FORGET_FAILURES_AFTER_MS, now);
  }

  async succeeded(keys: Record<ThrottleRule, Key>, now: number): Promise<void> {
    await deleteThrottleRows(this.db, [keys.account_address.id, keys.account.id]);
    await purgeThrottleRows(this.db, now - FORGET_FAILURES_AFTER_MS, now);
  }

  private lockedGate(keys: Key[], rows: ThrottleRow[], now: number): ThrottleGate {
    let worst: ThrottleGate = { ok: true };
    for (const key of keys) {
      const row = rows.find((r) => r.key === key.id);
      if (!row || row.locked_until <= now) continue;
      const retryAfterMs = row.locked_until - now;
      if (worst.ok || retryAfterMs > worst.retryAfterMs) worst = { ok: false, rule: key.rule, retryAfterMs };
    }
    return worst;
  }

  /** One more failure for `key` (compare-and-set, retried under contention). */
  private async count(key: Key, now: number, refuseWhileLocked: boolean): Promise<ThrottleGate> {
    const limit = this.limits[key.rule];
    for (let tries = 0; tries < 8; tries++) {
      const [row] = await findThrottleRows(this.db, [key.id]);
      if (!row) {
        const lock = lockMsAfter(limit, 1);
        if (await insertThrottleRow(this.db, { key: key.id, failures: 1, locked_until: lock > 0 ? now + lock : 0, last_failure_at: now }))
          return { ok: true };
        continue;
      }
      // A lock set by a concurrent attempt since `begin` read the rows.
      if (refuseWhileLocked && row.locked_until > now) return { ok: false, rule: key.rule, retryAfterMs: row.locked_until - now };
      const failures = (now - row.last_failure_at > FORGET_FAILURES_AFTER_MS ? 0 : row.failures) + 1;
      const lock = lockMsAfter(limit, failures);
      const next = { failures, locked_until: Math.max(row.locked_until, lock > 0 ? now + lock : 0), last_failure_at: now };
      if (await updateThrottleRow(this.db, row, next)) return { ok: true };
    }
    // Eight writers in a row won the race: that is a flood, not a person.
    return { ok: false, rule: key.rule, retryAfterMs: limit.firstLockMs };
  }
}
