import type { Deps } from '../deps.ts';
import type { TaskHandler } from '../jobs/job-queue.ts';
import { FlowTicker, flowJobHandlers } from './flow-jobs.ts';
import { loadFlowsDir } from './load-flows-dir.ts';

/** The flow engine's part of the composition root: folder loading, job handlers, the wait sweeper. */
export async function startFlowEngine(deps: Deps, opts: { processes: boolean }): Promise<{ handlers: Record<string, TaskHandler>; start(): void; stop(): void }> {
  if (deps.config.flows?.dir) await loadFlowsDir(deps, deps.config.flows.dir);
  const ticker = new FlowTicker(deps);
  return {
    handlers: flowJobHandlers(deps),
    start: () => {
      if (opts.processes) ticker.start();
    },
    stop: () => ticker.stop(),
  };
}
