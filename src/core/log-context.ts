import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';

/** What every log line written while handling one request or running one job carries. */
export interface LogContext {
  request_id?: string;
  job_id?: string;
  job?: string;
}

/**
 * The request or job the current code runs for. Use cases log through the one process logger
 * (deps.logger); pino's `mixin` (logMixin) adds this context to each line, so a request's or a
 * job's lines can be found by its id without passing a child logger down every call.
 */
const context = new AsyncLocalStorage<LogContext>();

export function runWithLogContext<T>(ctx: LogContext, fn: () => T): T {
  return context.run(ctx, fn);
}

/** pino's `mixin` option: the current request id or job id, merged into every line. */
export function logMixin(): LogContext {
  return context.getStore() ?? {};
}

// A random prefix per process and a counter: unique across processes and restarts, and cheap.
const processPrefix = randomBytes(4).toString('hex');
let sequence = 0;

/** A new request id such as `5f2c9a1b-3f`. */
export function newRequestId(): string {
  sequence = (sequence + 1) % Number.MAX_SAFE_INTEGER;
  return `${processPrefix}-${sequence.toString(36)}`;
}

/** A request id a proxy in front may pass in X-Request-Id: kept when short and plain (it goes into logs). */
export function acceptableRequestId(value: unknown): value is string {
  return typeof value === 'string' && /^[A-Za-z0-9._:-]{1,64}$/.test(value);
}
