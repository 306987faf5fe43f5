import type { Executor } from '../jobs/job-queue.ts';
import { medianBlockMs, resultsByReason, sessionsByBlock, startedByVersion, visitsByBlock } from './flow-analytics-store.ts';
import { getVersionDoc, listVersions } from './flow-store.ts';

export interface BlockAnalytics {
  block: string;
  type: string | null;
  /** Times the block was left (each try of a question counts). */
  visits: number;
  /** Sessions that left the block at least once. */
  sessions: number;
  /** Answers that failed validation (re-prompts and the last try before gave_up). */
  invalid_answers: number;
  /** Sessions whose last block is this one and that did not finish (still live, or expired there). */
  drop_off: number;
  /** Of those, sessions still live here now (waiting for an answer, a timer or an HTTP call). */
  live: number;
  /** Sessions that ended at this block, by status. */
  ended: { succeeded: number; failed: number };
  /** Median time a session spent in the block (its visits summed), ms; null without visits. */
  median_ms: number | null;
}

export interface VersionAnalytics {
  version: number;
  sessions_started: number;
  finished: { succeeded: number; failed: number; failed_by_reason: Record<string, number> };
  /** Sessions not finished: live now, or expired. */
  unfinished: number;
  blocks: BlockAnalytics[];
}

const LIVE = new Set(['active', 'waiting']);
const MAX_MEDIANS = 500; // blocks per version we compute a median for (one small query each)

/**
 * Per flow version: sessions started, finished succeeded / failed (by reason), drop-off at each
 * block, median time per block. Blocks come in the document's order, then any the log knows
 * that the document no longer has.
 */
export async function flowAnalytics(db: Executor, flowId: string, version?: number): Promise<VersionAnalytics[]> {
  const versions = (await listVersions(db, flowId)).map((v) => v.version).filter((v) => version === undefined || v === version);
  const [started, results, standing, visits] = await Promise.all([
    startedByVersion(db, flowId, version),
    resultsByReason(db, flowId, version),
    sessionsByBlock(db, flowId, version),
    visitsByBlock(db, flowId, version),
  ]);
  const out: VersionAnalytics[] = [];
  for (const v of versions.sort((a, b) => b - a)) {
    const doc = await getVersionDoc(db, flowId, v);
    const finished = { succeeded: 0, failed: 0, failed_by_reason: {} as Record<string, number> };
    for (const r of results.filter((x) => x.version === v)) {
      if (r.status === 'succeeded') finished.succeeded += r.n;
      else {
        finished.failed += r.n;
        const reason = r.reason ?? 'unknown';
        finished.failed_by_reason[reason] = (finished.failed_by_reason[reason] ?? 0) + r.n;
      }
    }
    const names = [
      ...new Set([
        ...Object.keys(doc?.blocks ?? {}),
        ...visits.filter((x) => x.version === v).map((x) => x.block),
        ...standing.filter((x) => x.version === v).map((x) => x.block),
      ]),
    ];
    const blocks: BlockAnalytics[] = [];
    for (const [i, name] of names.entries()) {
      const seen = visits.find((x) => x.version === v && x.block === name);
      const here = standing.filter((x) => x.version === v && x.block === name);
      const count = (pred: (status: string) => boolean) => here.filter((x) => pred(x.status)).reduce((n, x) => n + x.n, 0);
      blocks.push({
        block: name,
        type: doc?.blocks[name]?.type ?? seen?.blockType ?? null,
        visits: seen?.visits ?? 0,
        sessions: seen?.sessions ?? 0,
        invalid_answers: seen?.invalid ?? 0,
        drop_off: count((s) => LIVE.has(s) || s === 'expired'),
        live: count((s) => LIVE.has(s)),
        ended: { succeeded: count((s) => s === 'succeeded'), failed: count((s) => s === 'failed') },
        median_ms: seen && i < MAX_MEDIANS ? await medianBlockMs(db, flowId, v, name, seen.sessions) : null,
      });
    }
    out.push({
      version: v,
      sessions_started: started.get(v) ?? 0,
      finished,
      unfinished: blocks.reduce((n, b) => n + b.drop_off, 0),
      blocks,
    });
  }
  return out;
}
