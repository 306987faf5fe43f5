import type { DurableReferenceSpec } from './durable-reference-server.ts';
import type { ReferenceServerSpec } from './reference-server.ts';
import type { SwitchboardTargetSpec } from './switchboard-target.ts';

/** What the parent asks a target process to start. */
export type TargetSpec =
  | { type: 'bare'; appSecret: string }
  | { type: 'reference'; spec: ReferenceServerSpec }
  | { type: 'durable-reference'; spec: DurableReferenceSpec }
  | { type: 'switchboard'; spec: SwitchboardTargetSpec };

export type TargetRequest =
  | { id: number; kind: 'start'; target: TargetSpec }
  | { id: number; kind: 'backlog' }
  | { id: number; kind: 'usage' }
  | { id: number; kind: 'diagnostics' }
  | { id: number; kind: 'sqlStats' }
  | { id: number; kind: 'sqlCounters' }
  | { id: number; kind: 'memory' }
  | { id: number; kind: 'stop' };

export type TargetReply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: string };

/** CPU and event-loop figures of a target process, cumulative since it started. */
export interface ProcessUsage {
  cpuUserMs: number;
  cpuSystemMs: number;
  /** Event-loop time spent busy vs idle (ms), from performance.eventLoopUtilization(). */
  loopActiveMs: number;
  loopIdleMs: number;
  /** Times the process gave up the CPU to wait (getrusage's voluntary context switches, all threads): its wake-ups. */
  voluntarySwitches: number;
  rssBytes: number;
  at: number;
}

/** Memory of a target process after a forced full GC (when the process runs with --expose-gc). */
export interface ProcessMemory {
  heapUsedBytes: number;
  rssBytes: number;
  externalBytes: number;
  /** False when the process has no global gc(): the figures then include garbage. */
  gcForced: boolean;
}
