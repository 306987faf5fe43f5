import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mayResetDatabase, resetPostgres } from './reset-postgres.ts';

test('the tests wipe only a database whose name says it is for tests', () => {
  for (const name of ['test', 'switchboard_test', 'test_ci', 'sb-tests', 'Test']) {
    assert.equal(mayResetDatabase(`postgres://u@h:5432/${name}`, {}).ok, true, name);
  }
  for (const name of ['switchboard', 'prod', 'contest', 'testimonials', 'latest']) {
    const r = mayResetDatabase(`postgres://u@h:5432/${name}`, {});
    assert.equal(r.ok, false, name);
    if (!r.ok) assert.match(r.reason, /TEST_DATABASE_ALLOW_RESET/);
  }
  assert.equal(mayResetDatabase('postgres://u@h:5432/switchboard', { TEST_DATABASE_ALLOW_RESET: '1' }).ok, true);
});

test('resetPostgres refuses a production-looking database before connecting', async () => {
  // Port 9 is closed: a refusal must come from the name check, not from a failed connection.
  await assert.rejects(resetPostgres('postgres://u@127.0.0.1:9/switchboard'), /does not say it is for tests/);
});
