import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Deps } from '../deps.ts';
import { isPlainObject } from '../flows/expression.ts';
import { forgetPublished } from '../flows/flow-store.ts';
import { publishFlow } from '../flows/publish-flow.ts';
import { parseFlowSource, validateFlow } from '../flows/validate-flow.ts';
import { startDemoBusinessApi, type DemoBusinessApi } from './demo-business-api.ts';

export const DEMO_FLOW_FILE = resolve(import.meta.dirname, '../../examples/flows/service-request.yaml');

export interface DemoFlows {
  api: DemoBusinessApi;
  flowId: string;
  version: number;
  /** What a customer types to start the demo flow (its first keyword or exact trigger). */
  trigger: string | null;
  close(): Promise<void>;
}

/**
 * The demo's seed scenario: starts the business-API mock and publishes
 * examples/flows/service-request.yaml with its `api_url` variable pointing at the mock. The flow
 * reads its API's base URL from that variable, so nothing else in the file changes. Only for
 * demo mode (the built-in simulator): the caller also lets HTTP blocks reach loopback.
 */
export async function startDemoFlows(deps: Deps, opts: { preferredPort?: number; file?: string } = {}): Promise<DemoFlows> {
  const api = await startDemoBusinessApi({ preferredPort: opts.preferredPort });
  try {
    const parsed = parseFlowSource(readFileSync(opts.file ?? DEMO_FLOW_FILE, 'utf8'));
    const doc =
      parsed.ok && isPlainObject(parsed.doc)
        ? { ...parsed.doc, variables: { ...(isPlainObject(parsed.doc.variables) ? parsed.doc.variables : {}), api_url: api.url } }
        : null;
    const checked = validateFlow(doc);
    if (!checked.ok) throw new Error(`the demo flow is invalid: ${checked.errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`);
    const flow = checked.flow;
    const r = await deps.storage.db
      .transaction()
      .execute((trx) => publishFlow(trx, flow, { by: 'demo', source: 'demo', now: deps.clock.now() }));
    forgetPublished(deps.storage.db); // after commit: a message in between may have cached the old set
    const t = (flow.triggers ?? []).find((x) => x.type === 'keyword' || x.type === 'exact');
    return { api, flowId: flow.id, version: r.version, trigger: t && 'value' in t ? t.value : null, close: () => api.close() };
  } catch (err) {
    await api.close();
    throw err;
  }
}
