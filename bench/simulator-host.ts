import { startSimulator, type Simulator } from '../src/simulator/index.ts';
import { hiResClock } from './clock.ts';
import { SECRETS, settings } from './settings.ts';

/**
 * The Cloud API simulator in the benchmark's own process: it plays Meta for the end-to-end phases
 * (customers' webhooks in, Switchboard's replies out, status callbacks back). Configured so it is
 * not the bottleneck: no per-customer pair limit, a high number throughput, logs large enough to
 * hold every reply of a run. Status callbacks keep their defaults (sent, delivered, read): each
 * reply costs Switchboard three more webhooks, as it would with real customers.
 */
export function startBenchSimulator(): Promise<Simulator> {
  return startSimulator({
    ...SECRETS,
    host: '127.0.0.1',
    clock: hiResClock,
    throughputPerSecond: settings.simulator.throughputPerSecond,
    pairRateLimit: settings.simulator.pairRateLimit,
    maxLogEntries: settings.simulator.maxLogEntries,
    templateReviewDelayMs: 0,
  });
}
