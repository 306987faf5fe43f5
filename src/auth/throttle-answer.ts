import type { FastifyReply, FastifyRequest } from 'fastify';
import { HttpError } from '../core/http-error.ts';
import type { ThrottleGate } from './login-throttle.ts';

/**
 * HTTP edge (used by routes only): a password refused unchecked by the login throttle is 429
 * `too_many_attempts` with Retry-After and `details.retry_after_s`, and one warning log line per
 * refusal (`event: "login_throttled"`): that line is how refusals are counted.
 */
export function refuseThrottled(req: FastifyRequest, reply: FastifyReply, gate: Extract<ThrottleGate, { ok: false }>): never {
  const retryAfterS = Math.max(1, Math.ceil(gate.retryAfterMs / 1000));
  req.log.warn(
    { event: 'login_throttled', rule: gate.rule, retry_after_s: retryAfterS, ip: req.ip, route: req.routeOptions.url },
    'password refused unchecked: too many failed attempts',
  );
  reply.header('retry-after', String(retryAfterS));
  throw new HttpError(429, 'too_many_attempts', `Too many wrong passwords; try again in ${retryAfterS} s.`, { retry_after_s: retryAfterS });
}
