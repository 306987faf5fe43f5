/**
 * Child-process entry for a benchmark target (the bare server or Switchboard). Each target gets
 * its own process and event loop, as in production, so the load generator in the parent does not
 * share a thread with the server it measures. Talks to the parent over the fork IPC channel.
 */
import { performance } from 'node:perf_hooks';
import { startBareServer } from './bare-server.ts';
import { startSwitchboardTarget, type SwitchboardTarget } from './switchboard-target.ts';
import { startReferenceServer } from './reference-server.ts';
import { startDurableReferenceServer } from './durable-reference-server.ts';
import { installSqlCounters, readSqlCounters, sqlCountersEnabled } from './sql-counters.ts';
import { installSqlStats, sqlStatsEnabled, takeSqlStats } from './sql-stats.ts';
import type { ProcessMemory, ProcessUsage, TargetReply, TargetRequest } from './target-protocol.ts';

if (sqlStatsEnabled()) installSqlStats();
if (sqlCountersEnabled()) installSqlCounters();

let stopTarget: (() => Promise<void>) | undefined;
let switchboard: SwitchboardTarget | undefined;
/** A reference target's sends (and the durable one's writes) still waiting for the Graph API's answer: its backlog. */
let referenceInFlight: (() => number) | undefined;

function reply(msg: TargetReply): void {
  process.send?.(msg);
}

function usage(): ProcessUsage {
  const cpu = process.cpuUsage();
  const elu = performance.eventLoopUtilization();
  return {
    cpuUserMs: cpu.user / 1000,
    cpuSystemMs: cpu.system / 1000,
    loopActiveMs: elu.active,
    loopIdleMs: elu.idle,
    voluntarySwitches: process.resourceUsage().voluntaryContextSwitches,
    rssBytes: process.memoryUsage.rss(),
    at: performance.now(),
  };
}

/** Heap and RSS after full collections (twice: finalizers free more on the second pass). */
async function memory(): Promise<ProcessMemory> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) {
    gc();
    await new Promise((r) => setImmediate(r));
    gc();
  }
  const m = process.memoryUsage();
  return { heapUsedBytes: m.heapUsed, rssBytes: m.rss, externalBytes: m.external, gcForced: gc !== undefined };
}

async function handle(req: TargetRequest): Promise<unknown> {
  switch (req.kind) {
    case 'start': {
      if (stopTarget) throw new Error('target already started');
      if (req.target.type === 'bare') {
        const bare = await startBareServer({ appSecret: req.target.appSecret });
        stopTarget = () => bare.close();
        return { url: bare.url, pid: process.pid };
      }
      if (req.target.type === 'reference' || req.target.type === 'durable-reference') {
        const ref =
          req.target.type === 'reference'
            ? await startReferenceServer(req.target.spec)
            : await startDurableReferenceServer(req.target.spec);
        referenceInFlight = ref.inFlight;
        stopTarget = () => ref.close();
        return { url: ref.url, pid: process.pid };
      }
      switchboard = await startSwitchboardTarget(req.target.spec);
      stopTarget = () => switchboard!.stop();
      return { url: switchboard.url, pid: process.pid };
    }
    case 'backlog':
      if (referenceInFlight) return { pendingEvents: 0, runnableJobs: referenceInFlight() };
      if (!switchboard) throw new Error('no Switchboard in this process');
      return switchboard.backlog();
    case 'diagnostics':
      if (!switchboard) throw new Error('no Switchboard in this process');
      return switchboard.diagnostics();
    case 'sqlStats':
      return sqlStatsEnabled() ? takeSqlStats() : null;
    case 'sqlCounters':
      return sqlCountersEnabled() ? readSqlCounters() : null;
    case 'usage':
      return usage();
    case 'memory':
      return memory();
    case 'stop': {
      const stop = stopTarget;
      stopTarget = undefined;
      await stop?.();
      // Exit after the reply is flushed; --cpu-prof writes its profile on this normal exit.
      setTimeout(() => process.exit(0), 50);
      return null;
    }
  }
}

process.on('message', (raw: unknown) => {
  const req = raw as TargetRequest;
  handle(req).then(
    (value) => reply({ id: req.id, ok: true, value: value ?? null }),
    (err: unknown) => reply({ id: req.id, ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) }),
  );
});
// The parent went away (crash, Ctrl-C): do not linger.
process.on('disconnect', () => process.exit(0));
