import { createRequire } from 'node:module';
import pg from 'pg';

/**
 * graphile-worker's connection pool, made to survive PostgreSQL dropping its connections (a server
 * restart, a failover, pg_terminate_backend).
 *
 * graphile-worker marks a job done or failed without awaiting it (worker.js calls completeJob /
 * failJob and moves on), through `withRetries`, which retries only the error codes in its
 * RETRYABLE_ERROR_CODES. A connection that dies under that query ("Connection terminated
 * unexpectedly", which pg gives no code, or 57P01 admin_shutdown) is not among them: the
 * rejection goes unhandled and takes the whole process down (seen in
 * test/core/fault-scenarios.test.ts, 5 runs of 6 on 0.17.3; 0.18.0 has the same code). So:
 * errors that mean "this connection is gone" get a code, and those codes are retried with a
 * short backoff on a fresh connection. Every statement retried this way is a single idempotent
 * update keyed by our pool's lock (complete, fail, reset locks) or a job fetch whose lost
 * transaction rolled back with its connection.
 */

const CONNECTION_LOST = 'ECONNRESET';
const CONNECTION_LOST_MESSAGES = /Connection terminated|not queryable|Client was closed/i;

const retryable: Record<string, { minDelay: number; maxDelay: number }> = {
  [CONNECTION_LOST]: { minDelay: 100, maxDelay: 5_000 },
  ECONNREFUSED: { minDelay: 200, maxDelay: 5_000 },
  '57P01': { minDelay: 100, maxDelay: 5_000 }, // admin_shutdown
  '57P02': { minDelay: 200, maxDelay: 5_000 }, // crash_shutdown
  '08000': { minDelay: 200, maxDelay: 5_000 }, // connection_exception
  '08003': { minDelay: 200, maxDelay: 5_000 }, // connection_does_not_exist
  '08006': { minDelay: 200, maxDelay: 5_000 }, // connection_failure
};

let registered = false;

/** Adds the connection-loss codes to graphile-worker's retry table (once per process). */
function registerRetryableCodes(): void {
  if (registered) return;
  // Not part of graphile-worker's typed API: its lib module exports the table it consults.
  const lib = createRequire(import.meta.url)('graphile-worker/dist/lib.js') as { RETRYABLE_ERROR_CODES?: Record<string, unknown> };
  if (!lib.RETRYABLE_ERROR_CODES)
    throw new Error('graphile-worker no longer exports RETRYABLE_ERROR_CODES; review src/jobs/graphile-worker-pool.ts');
  for (const [code, delays] of Object.entries(retryable)) lib.RETRYABLE_ERROR_CODES[code] ??= delays;
  registered = true;
}

function tagConnectionLoss(err: unknown): unknown {
  if (err instanceof Error && !(err as { code?: unknown }).code && CONNECTION_LOST_MESSAGES.test(err.message)) {
    (err as { code?: string }).code = CONNECTION_LOST;
  }
  return err;
}

class ConnectionLossTaggingClient extends pg.Client {}
const plainQuery = pg.Client.prototype.query as (...args: unknown[]) => unknown;
// Only the promise form: graphile-worker never passes a callback.
(ConnectionLossTaggingClient.prototype as unknown as { query: (...args: unknown[]) => unknown }).query = function (
  this: pg.Client,
  ...args: unknown[]
) {
  const result = plainQuery.apply(this, args);
  return result instanceof Promise ? result.catch((err: unknown) => Promise.reject(tagConnectionLoss(err))) : result;
};

export function graphileWorkerPool(connectionString: string, max: number, logger?: { warn(obj: object, msg: string): void }): pg.Pool {
  registerRetryableCodes();
  const pool = new pg.Pool({ connectionString, max, Client: ConnectionLossTaggingClient });
  // pg removes a broken client by itself; without listeners its 'error' event would crash us.
  const report = (err: Error) => logger?.warn({ err: err.message }, 'job queue database connection lost');
  pool.on('error', report);
  pool.on('connect', (client) => client.on('error', report));
  // A pg.Pool's own connect() fails with the socket's code (ECONNREFUSED while the server is down).
  // pool.query() calls connect with a callback: that form passes through untouched.
  const connect = pool.connect.bind(pool) as (...args: unknown[]) => unknown;
  (pool as unknown as { connect: (...args: unknown[]) => unknown }).connect = (...args: unknown[]) => {
    const result = connect(...args);
    return result instanceof Promise ? result.catch((err: unknown) => Promise.reject(tagConnectionLoss(err))) : result;
  };
  return pool;
}
