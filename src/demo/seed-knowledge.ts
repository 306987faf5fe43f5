import { resolve } from 'node:path';
import { readKnowledgeFolder, importFiles } from '../ai/import-knowledge.ts';
import { knowledgeIndexFor } from '../ai/knowledge-index.ts';
import { knowledgeRevision } from '../ai/knowledge-store.ts';
import { aiSettingsOf } from '../ai/ai-settings.ts';
import { providerFor } from '../ai/choose-provider.ts';
import type { Deps } from '../deps.ts';

export const DEMO_KNOWLEDGE_DIR = resolve(import.meta.dirname, '../../examples/knowledge');

/**
 * The demo business's knowledge base (examples/knowledge), imported when the knowledge base is
 * empty, so the offline assistant has something to answer from. Returns how many articles were added.
 */
export async function seedDemoKnowledge(deps: Deps): Promise<number> {
  const db = deps.storage.db;
  if (!(await knowledgeRevision(db)).startsWith('0:')) return 0;
  const files = await readKnowledgeFolder(DEMO_KNOWLEDGE_DIR);
  const rows = await db.transaction().execute((trx) => importFiles(trx, files, { language: null, tags: ['demo'], now: deps.clock.now() }));
  knowledgeIndexFor(db).invalidate();
  return rows.length;
}

/** For the start banner: seeds the demo knowledge base and shows the offline assistant answering one question. */
export async function demoAssistantLines(deps: Deps): Promise<string[]> {
  const added = await seedDemoKnowledge(deps);
  const provider = providerFor(deps);
  const mode = aiSettingsOf(deps).defaultMode;
  const lines = [
    `  AI assistant: ${provider.name} (${provider.model}), mode ${mode}${added ? `; ${added} demo articles from examples/knowledge` : ''} (docs/ai.md)`,
  ];
  // Only the offline default is asked at start: a configured model is never called unasked.
  if (provider.name === 'offline') {
    const q = '¿Cuánto cuesta la visita?';
    const r = await provider.complete({ messages: [{ role: 'user', content: q }] });
    lines.push(`                "${q}" -> "${r.text.slice(0, 70)}${r.text.length > 70 ? '…' : ''}" (confidence ${r.confidence})`);
  }
  if (mode === 'off')
    lines.push('                AI_MODE=auto npm start lets it answer on the phone page; AI_MODE=draft suggests replies to agents');
  return lines;
}
