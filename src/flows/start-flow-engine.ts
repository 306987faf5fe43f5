import type { Deps } from '../deps.ts';
import type { BoundJob } from '../jobs/job-definition.ts';
import { FlowTicker, flowJobs } from './flow-jobs.ts';
import { loadFlowsDir } from './load-flows-dir.ts';

/** The flow engine's part of the composition root: folder loading, job handlers, the wait sweeper. */
export async function startFlowEngine(
  deps: Deps,
  opts: { processes: boolean },
): Promise<{ jobs: BoundJob[]; start(): void; stop(): void }> {
  if (deps.config.flows?.dir) await loadFlowsDir(deps, deps.config.flows.dir);
  const ticker = new FlowTicker(deps);
  return {
    jobs: flowJobs(deps),
    start: () => {
      if (opts.processes) ticker.start();
    },
    stop: () => ticker.stop(),
  };
}
