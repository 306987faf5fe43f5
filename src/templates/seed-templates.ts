import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Deps } from '../deps.ts';
import { createDraft, submitTemplate } from './manage-templates.ts';
import { parseTemplateFields } from './template-input.ts';
import { syncTemplatesFromGraph } from './sync-templates.ts';
import { templateChannel } from './template-channels.ts';
import { findTemplateByName, updateTemplate } from './template-store.ts';

export const EXAMPLE_TEMPLATES_DIR = resolve(import.meta.dirname, '../../examples/templates');

/** The example set: every *.json template document in a folder. */
export function readTemplateFiles(dir = EXAMPLE_TEMPLATES_DIR): Array<{ file: string; doc: unknown }> {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => ({ file: f, doc: JSON.parse(readFileSync(join(dir, f), 'utf8')) as unknown }));
}

/**
 * Imports the example templates as drafts on a channel (skipping names it already has) and, when
 * asked, submits them. The demo submits them to the built-in simulator at start, so they are
 * APPROVED and sendable a moment later.
 */
export async function seedTemplates(
  deps: Deps,
  opts: { submit: boolean; channelId?: string; dir?: string },
): Promise<Array<{ name: string; id: string; status: string }>> {
  const channelId = opts.channelId ?? deps.channels.all()[0]?.id;
  if (!channelId) return [];
  const out: Array<{ name: string; id: string; status: string }> = [];
  // The built-in simulator forgets its templates on restart: a sync marks ours DELETED, and they are submitted again.
  if (opts.submit) {
    const found = templateChannel(deps, channelId);
    if (!found.ok) throw new Error(`cannot seed templates: ${found.message}`);
    await syncTemplatesFromGraph(deps, found.tc);
  }
  for (const { file, doc } of readTemplateFiles(opts.dir)) {
    const parsed = parseTemplateFields(doc);
    if (!parsed.ok) throw new Error(`${file}: ${parsed.message}`);
    const { fields } = parsed;
    let row = await findTemplateByName(deps.storage.db, channelId, fields.name, fields.language);
    if (!row) {
      const created = await createDraft(deps, channelId, fields);
      if (!created.ok) throw new Error(`${file}: ${created.message}`);
      row = created.row;
    } else if (opts.submit && row.status === 'DELETED') {
      await updateTemplate(deps.storage.db, row.id, { status: 'DRAFT', meta_id: null, updated_at: deps.clock.now() });
      row = { ...row, status: 'DRAFT', meta_id: null };
    }
    if (opts.submit && row.status === 'DRAFT') {
      const submitted = await submitTemplate(deps, row);
      if (!submitted.ok) throw new Error(`${file}: ${submitted.message}`);
      row = submitted.row;
    }
    out.push({ name: row.name, id: row.id, status: row.status });
  }
  return out;
}
