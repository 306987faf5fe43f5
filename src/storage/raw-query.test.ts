import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rawQuery } from './raw-query.ts';

test('rawQuery numbers PostgreSQL placeholders in order and leaves SQLite as written', () => {
  const q = rawQuery('update t set a = ?, b = ? where id = ? and c <> ?');
  assert.equal(q.sqlite, 'update t set a = ?, b = ? where id = ? and c <> ?');
  assert.equal(q.postgres, 'update t set a = $1, b = $2 where id = $3 and c <> $4');
});
