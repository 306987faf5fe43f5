import { performance } from 'node:perf_hooks';
import type { Clock } from '../src/core/clock.ts';

/**
 * Epoch milliseconds with sub-millisecond resolution. The simulator is given this clock, so its
 * outbound `acceptedAt` and our send times come from the same source and can be subtracted.
 */
export const hiResClock: Clock = { now: () => performance.timeOrigin + performance.now() };
