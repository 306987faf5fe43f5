import type { FastifyReply, FastifyRequest } from 'fastify';
import { PeriodicTask } from '../core/periodic-task.ts';
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
  private readonly task: PeriodicTask;

  constructor(deps: Deps, intervalMs = 10_000) {
    this.task = new PeriodicTask(
      () => rebalance(deps),
      intervalMs,
      (err) => deps.logger.warn({ err }, 'routing rebalance failed'),
    );
  }

  start(): void {
    this.task.start();
  }

  stop(): Promise<void> {
    return this.task.stop();
  }
}
