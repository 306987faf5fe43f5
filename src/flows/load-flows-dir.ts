import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Deps } from '../deps.ts';
import { publishFlow } from './publish-flow.ts';
import { parseFlowSource, validateFlow } from './validate-flow.ts';

/**
 * Loads every .yaml / .yml / .json flow in a folder at start and publishes those that changed.
 * An invalid file is logged with its problems and skipped; it never stops the start.
 */
export async function loadFlowsDir(
  deps: Deps,
  dir: string,
): Promise<Array<{ file: string; id?: string; version?: number; created?: boolean; errors?: unknown[] }>> {
  if (!existsSync(dir)) return [];
  const report: Array<{ file: string; id?: string; version?: number; created?: boolean; errors?: unknown[] }> = [];
  for (const file of readdirSync(dir)
    .filter((f) => /\.(ya?ml|json)$/i.test(f))
    .sort()) {
    const parsed = parseFlowSource(readFileSync(join(dir, file), 'utf8'));
    const checked = parsed.ok ? validateFlow(parsed.doc) : { ok: false as const, errors: [parsed.error], warnings: [] };
    if (!checked.ok) {
      deps.logger.error({ file, errors: checked.errors }, 'flow file is invalid; skipped');
      report.push({ file, errors: checked.errors });
      continue;
    }
    const r = await deps.storage.db
      .transaction()
      .execute((trx) => publishFlow(trx, checked.flow, { by: `file:${file}`, source: `file:${file}`, now: deps.clock.now() }));
    if (r.created) deps.logger.info({ file, flow: checked.flow.id, version: r.version }, 'flow published from file');
    report.push({ file, id: checked.flow.id, version: r.version, created: r.created });
  }
  return report;
}
