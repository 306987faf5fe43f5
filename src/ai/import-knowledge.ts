import { readdir, readFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { extractText, getDocumentProxy } from 'unpdf';
import type { Executor } from '../storage/executor.ts';
import { type ArticleRow, insertArticle } from './knowledge-store.ts';

export interface ImportFile {
  name: string;
  /** Markdown or plain text. */
  text?: string;
  /** A PDF's bytes. */
  pdf?: Uint8Array;
}

export class ImportError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Markdown, text or PDF files become articles: the title is the first `# heading` (or the file
 * name), the body the rest. A PDF's text comes from unpdf (PDF.js, the parser Firefox uses).
 */
export async function importFiles(
  db: Executor,
  files: readonly ImportFile[],
  opts: { language: string | null; tags: string[]; now: number },
): Promise<ArticleRow[]> {
  const out: ArticleRow[] = [];
  for (const f of files) {
    let text = f.text ?? '';
    if (f.pdf) {
      try {
        const pdf = await getDocumentProxy(f.pdf);
        text = (await extractText(pdf, { mergePages: true })).text;
      } catch (err) {
        throw new ImportError(f.name, `${f.name} is not a readable PDF (${err instanceof Error ? err.message : 'error'})`);
      }
    }
    const { title, body } = titleAndBody(f.name, text);
    if (!body.trim()) throw new ImportError(f.name, `${f.name} has no text`);
    out.push(await insertArticle(db, { title, body, tags: opts.tags, language: opts.language, source: f.name }, opts.now));
  }
  return out;
}

/** Every .md, .markdown, .txt and .pdf file of a folder (not its subfolders), by name. */
export async function readKnowledgeFolder(dir: string): Promise<ImportFile[]> {
  const names = (await readdir(dir)).filter((n) => KINDS.has(extname(n).toLowerCase())).sort();
  return Promise.all(
    names.map(async (name) => {
      const bytes = await readFile(join(dir, name));
      return extname(name).toLowerCase() === '.pdf' ? { name, pdf: new Uint8Array(bytes) } : { name, text: bytes.toString('utf8') };
    }),
  );
}

const KINDS = new Set(['.md', '.markdown', '.txt', '.pdf']);

function titleAndBody(name: string, text: string): { title: string; body: string } {
  const clean = text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  const m = /^\s*#\s+(.+)\n?/.exec(clean);
  if (m?.[1]) return { title: m[1].trim().slice(0, 200), body: clean.slice(m[0].length).trim() };
  return { title: basename(name, extname(name)).replace(/[-_]+/g, ' ').slice(0, 200), body: clean.trim() };
}
