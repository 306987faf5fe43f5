import pg from 'pg';

/**
 * Whether a database may be wiped by the tests: its name must say it is for tests (a `test` word
 * in it, e.g. `test`, `switchboard_test`, `test_ci`), unless TEST_DATABASE_ALLOW_RESET=1 says so
 * explicitly.
 */
export function mayResetDatabase(url: string, env: NodeJS.ProcessEnv = process.env): { ok: true } | { ok: false; reason: string } {
  if (env.TEST_DATABASE_ALLOW_RESET === '1') return { ok: true };
  let name: string;
  try {
    name = decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
  } catch {
    return { ok: false, reason: 'TEST_DATABASE_URL is not a valid URL' };
  }
  if (/(^|[^a-z0-9])tests?([^a-z0-9]|$)/i.test(name)) return { ok: true };
  return {
    ok: false,
    reason: `refusing to wipe database "${name}": its name does not say it is for tests (use e.g. "switchboard_test", or set TEST_DATABASE_ALLOW_RESET=1)`,
  };
}

/** Empties the test database: our tables and graphile-worker's schema. */
export async function resetPostgres(url: string): Promise<void> {
  const allowed = mayResetDatabase(url);
  if (!allowed.ok) throw new Error(allowed.reason);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('drop schema if exists graphile_worker cascade');
    await client.query('drop schema if exists public cascade');
    await client.query('create schema public');
  } finally {
    await client.end();
  }
}
