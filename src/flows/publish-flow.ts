import type { Executor } from '../jobs/job-queue.ts';
import { checksumOf, getVersionDoc, insertVersion, latestVersion, saveDraft } from './flow-store.ts';
import type { FlowDocument } from './flow-types.ts';

/**
 * Publishes a document as the flow's next version, unless it equals the latest one (then that
 * version stays, so loading the same file twice creates nothing). Running sessions keep theirs.
 */
export async function publishFlow(
  db: Executor,
  doc: FlowDocument,
  opts: { by: string; source: string; now: number },
): Promise<{ version: number; created: boolean }> {
  await saveDraft(db, doc, opts.source, opts.now);
  const last = await latestVersion(db, doc.id);
  if (last && last.checksum === checksumOf(doc)) {
    await db.updateTable('flows').set({ published_version: last.version }).where('id', '=', doc.id).execute();
    return { version: last.version, created: false };
  }
  return { version: await insertVersion(db, { flowId: doc.id, doc, by: opts.by, now: opts.now }), created: true };
}

/** Rollback publishes an older version's document again, as a new version (history stays linear). */
export async function rollbackFlow(
  db: Executor,
  flowId: string,
  version: number,
  opts: { by: string; now: number },
): Promise<{ version: number } | null> {
  const doc = await getVersionDoc(db, flowId, version);
  if (!doc) return null;
  const v = await insertVersion(db, { flowId, doc, by: opts.by, rollbackOf: version, now: opts.now });
  return { version: v };
}
