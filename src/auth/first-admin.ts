import { randomBytes } from 'node:crypto';
import type { Clock } from '../core/clock.ts';
import { newId } from '../core/ids.ts';
import type { Executor } from '../storage/executor.ts';
import { hashPassword } from './password-hash.ts';
import { isUniqueViolation } from './unique-violation.ts';

export const FIRST_ADMIN_EMAIL = 'admin@localhost';

/**
 * The web app's way in on a new install: when the database has never had a user, the first start
 * creates an administrator (admin@localhost) with a random password, stored hashed and returned
 * so the start banner prints it once. Any later start (or one that lost a race with another
 * process) creates nothing. Lost the password? Sign in with another admin, or change it with the
 * admin token: PATCH /api/v1/users/:id {"password"}.
 */
export async function ensureFirstAdmin(db: Executor, clock: Clock): Promise<{ email: string; password: string } | undefined> {
  const any = await db.selectFrom('users').select('id').limit(1).executeTakeFirst();
  if (any) return undefined;
  const password = randomBytes(12).toString('base64url');
  const now = clock.now();
  try {
    await db
      .insertInto('users')
      .values({
        id: newId('usr', now),
        email: FIRST_ADMIN_EMAIL,
        name: 'Admin',
        role: 'admin',
        password_hash: await hashPassword(password),
        visibility: 'all',
        capacity: null,
        availability: 'online',
        created_at: now,
        updated_at: now,
        deleted_at: null,
      })
      .execute();
  } catch (err) {
    if (isUniqueViolation(err)) return undefined;
    throw err;
  }
  return { email: FIRST_ADMIN_EMAIL, password };
}
