import { performance } from 'node:perf_hooks';
import { round } from './stats.ts';
import { usageBetween, type TargetHandle } from './target-client.ts';

export interface CpuPicture {
  /** CPU the Switchboard process used, in cores (1.0 = one core busy) ... */
  targetCpuCores: number;
  /** ... and the share of the time its event loop was busy (1.0 = saturated: the limit is its own thread). */
  targetLoopBusy: number;
  /** CPU of the benchmark process (the simulator and the traffic driver). */
  driverCpuCores: number;
}

/** Runs `fn` and says how busy the target and this process were meanwhile. */
export async function withCpuPicture<T>(target: TargetHandle, fn: () => Promise<T>): Promise<T & { cpu: CpuPicture }> {
  const before = await target.usage();
  const driverBefore = process.cpuUsage();
  const t0 = performance.now();
  const result = await fn();
  const wall = performance.now() - t0;
  const driver = process.cpuUsage(driverBefore);
  const after = await target.usage();
  const u = usageBetween(before, after);
  return {
    ...result,
    cpu: {
      targetCpuCores: round(u.cpuCores),
      targetLoopBusy: round(u.loopBusy),
      driverCpuCores: round((driver.user + driver.system) / 1000 / wall),
    },
  };
}
