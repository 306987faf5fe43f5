import type { Simulator } from '../src/simulator/index.ts';
import { runCustomerTraffic, type TrafficResult } from './customer-traffic.ts';
import type { Settings } from './settings.ts';
import { withCpuPicture, type CpuPicture } from './cpu-window.ts';
import type { TargetHandle } from './target-client.ts';

/**
 * Figure (c): webhook -> reply time at a steady 300 messages/s. Customers send through the
 * simulator; the time runs from the send starting (the simulator then signs and POSTs the webhook)
 * to Switchboard's echo reply being accepted by the simulator's Graph API.
 */
export type EndToEndResult = TrafficResult & { cpu: CpuPicture };

export function runEndToEnd(sim: Simulator, target: TargetHandle, s: Settings['endToEnd']): Promise<EndToEndResult> {
  return withCpuPicture(target, () =>
    runCustomerTraffic({
      sim,
      ratePerSecond: s.ratePerSecond,
      durationSeconds: s.durationSeconds,
      areaCode: '415',
      label: 'e2e',
      graceMs: s.graceMs,
      deadlineMs: 1_000,
    }),
  );
}
