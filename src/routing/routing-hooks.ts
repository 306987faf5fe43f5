import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Deps } from '../deps.ts';
import { rebalance } from './rebalance.ts';

/**
 * An `onSend` hook for the user routes: after any successful change to users (availability,
 * capacity, deletion) routing rebalances before the answer leaves, so the caller sees the result.
 * A routing failure is logged; it never fails the user change that caused it.
 */
export function rebalanceAfterUserChange(deps: Deps) {
  return async (req: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<unknown> => {
    if (req.method === 'GET' || reply.statusCode >= 400) return payload;
    try {
      await rebalance(deps);
    } catch (err) {
      req.log.error({ err }, 'routing rebalance after a user change failed');
    }
    return payload;
  };
}

/**
 * A slow safety net in processing processes: changes routing is not told about (a conversation
 * closed, a team's members changed, a user edited by another process) still free capacity and
 * move the queue within this interval.
 */
export class RoutingTicker {
  private timer: NodeJS.Timeout | undefined;
  private current: Promise<void> | undefined;

  constructor(
    private readonly deps: Deps,
    private readonly intervalMs = 10_000,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.tick(), this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.current;
  }

  private tick(): void {
    this.current ??= rebalance(this.deps)
      .catch((err: unknown) => this.deps.logger.warn({ err }, 'routing rebalance failed'))
      .finally(() => {
        this.current = undefined;
      });
  }
}
