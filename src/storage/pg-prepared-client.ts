import pg from 'pg';
import { preparedStatementName } from './raw-query.ts';

/**
 * A pg client that runs the prebuilt hot-path statements (raw-query.ts) as named prepared
 * statements, so PostgreSQL parses and plans each once per connection instead of on every message
 * (issue #16: the server's CPU per message is mostly many small statements). Any other query,
 * Kysely's built ones included, passes through untouched.
 */
export class PreparedRawClient extends pg.Client {}

const plainQuery = pg.Client.prototype.query as (...args: unknown[]) => unknown;
// Kysely calls query(text, values) and awaits the promise: only that form is named.
(PreparedRawClient.prototype as unknown as { query: (...args: unknown[]) => unknown }).query = function (
  this: pg.Client,
  ...args: unknown[]
) {
  const [text, values] = args;
  if (args.length === 2 && typeof text === 'string' && Array.isArray(values)) {
    const name = preparedStatementName(text);
    if (name) return plainQuery.call(this, { name, text, values });
  }
  return plainQuery.apply(this, args);
};
