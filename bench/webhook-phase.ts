import { performance } from 'node:perf_hooks';
import { startTargetProcess, usageBetween } from './target-client.ts';
import type { ProcessUsage, TargetSpec } from './target-protocol.ts';
import { round } from './stats.ts';
import type { SwitchboardDiagnostics } from './switchboard-target.ts';
import type { SignedBody } from './webhook-bodies.ts';
import { runWebhookLoad, type WebhookLoadResult } from './webhook-load.ts';

export interface WebhookTargetResult extends WebhookLoadResult {
  target: string;
  /** CPU the target process used during the measured window, in cores (1.0 = one core busy). */
  targetCpuCores: number;
  /** Share of the window the target's event loop was busy (1.0 = saturated). */
  targetLoopBusy: number;
  /** CPU of the benchmark process itself (autocannon, and the simulator for Switchboard). */
  driverCpuCores: number;
  /** Switchboard only: what processing did meanwhile (its backlog when the load stopped). */
  processing?: { pendingEvents: number; runnableJobs: number; repliesDuringMeasuredWindow: number; diagnostics: SwitchboardDiagnostics };
}

/**
 * Starts one target in its own process, runs the signed-webhook load against it, records the CPU
 * picture of the measured window, and stops it. `countReplies` (Switchboard) reads how many replies
 * the simulator has accepted so far.
 */
export async function measureWebhookTarget(opts: {
  label: string;
  spec: TargetSpec;
  next: () => SignedBody;
  connections: number;
  warmupSeconds: number;
  durationSeconds: number;
  countReplies?: () => number;
}): Promise<WebhookTargetResult> {
  const target = await startTargetProcess(opts.spec, opts.label);
  try {
    let before: ProcessUsage | undefined;
    let driverBefore = process.cpuUsage();
    let t0 = performance.now();
    let replies0 = 0;
    const load = await runWebhookLoad({
      url: target.url,
      next: opts.next,
      connections: opts.connections,
      warmupSeconds: opts.warmupSeconds,
      durationSeconds: opts.durationSeconds,
      beforeMeasure: async () => {
        before = await target.usage();
        driverBefore = process.cpuUsage();
        t0 = performance.now();
        replies0 = opts.countReplies?.() ?? 0;
      },
    });
    const after = await target.usage();
    const driver = process.cpuUsage(driverBefore);
    const wall = performance.now() - t0;
    const replies1 = opts.countReplies?.() ?? 0;
    const u = before ? usageBetween(before, after) : { cpuCores: NaN, loopBusy: NaN };
    const result: WebhookTargetResult = {
      target: opts.label,
      ...load,
      targetCpuCores: round(u.cpuCores),
      targetLoopBusy: round(u.loopBusy),
      driverCpuCores: round((driver.user + driver.system) / 1000 / wall),
    };
    if (opts.spec.type === 'switchboard' && opts.spec.spec.role !== 'web') {
      const backlog = await target.backlog();
      const diagnostics = await target.diagnostics();
      result.processing = { ...backlog, repliesDuringMeasuredWindow: replies1 - replies0, diagnostics };
    }
    return result;
  } finally {
    await target.stop();
  }
}
