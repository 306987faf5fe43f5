import type { Simulator } from '../src/simulator/index.ts';
import { runCustomerTraffic, type TrafficResult } from './customer-traffic.ts';
import type { Settings } from './settings.ts';
import { withCpuPicture, type CpuPicture } from './cpu-window.ts';
import type { TargetHandle } from './target-client.ts';

export interface SustainedStep extends TrafficResult {
  cpu: CpuPicture;
  /** False when the previous step's work had not drained (bounded wait) before this one began. */
  startedIdle: boolean;
  passed: boolean;
  why?: string;
}

export interface SustainedResult {
  /** The highest step at which every message got its reply within the deadline; 0 if none did. */
  lastPassingRate: number;
  firstFailingRate: number | null;
  deadlineMs: number;
  steps: SustainedStep[];
}

/**
 * Figure (d): steps the offered rate up (fresh customers each step) and stops at the first step
 * where any reply is missing or arrives more than `deadlineMs` after its send.
 */
export async function runSustainedRate(
  sim: Simulator,
  target: TargetHandle,
  s: Settings['sustained'],
  hooks: { beforeStep?: (rate: number) => Promise<boolean>; onStep?: (step: SustainedStep) => void } = {},
): Promise<SustainedResult> {
  const steps: SustainedStep[] = [];
  let lastPassingRate = 0;
  let firstFailingRate: number | null = null;
  for (let k = 0; k < s.stepsPerSecond.length; k++) {
    const rate = s.stepsPerSecond[k] as number;
    const startedIdle = (await hooks.beforeStep?.(rate)) ?? true;
    const r = await withCpuPicture(target, () =>
      runCustomerTraffic({
        sim,
        ratePerSecond: rate,
        durationSeconds: s.stepSeconds,
        areaCode: String(510 + k * 10),
        label: `step${rate}`,
        // Waiting past the deadline only tells us how late; a reply after it fails the step anyway.
        graceMs: s.deadlineMs + 500,
        deadlineMs: s.deadlineMs,
      }),
    );
    const why: string[] = [];
    if (r.sent < r.scheduled) why.push(`driver sent ${r.sent}/${r.scheduled}`);
    if (r.sendErrors > 0) why.push(`${r.sendErrors} send errors`);
    if (r.missing > 0) why.push(`${r.missing} replies missing after ${s.deadlineMs + 500} ms`);
    if (r.late > 0) why.push(`${r.late} replies later than ${s.deadlineMs} ms`);
    if (r.reply.p99 > s.deadlineMs) why.push(`p99 ${r.reply.p99} ms`);
    const step: SustainedStep = why.length
      ? { ...r, startedIdle, passed: false, why: why.join('; ') }
      : { ...r, startedIdle, passed: true };
    steps.push(step);
    hooks.onStep?.(step);
    if (!step.passed) {
      firstFailingRate = rate;
      break;
    }
    lastPassingRate = rate;
  }
  return { lastPassingRate, firstFailingRate, deadlineMs: s.deadlineMs, steps };
}
