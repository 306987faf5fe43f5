import MiniSearch from 'minisearch';
import type { Executor } from '../storage/executor.ts';
import { chunkArticle } from './chunk-article.ts';
import { allArticles, type ArticleRow, articleTags, knowledgeRevision } from './knowledge-store.ts';
import { contentTerms, stemmedTerms } from './search-terms.ts';

/** A passage of an article and how well it matched a question. */
export interface PassageHit {
  articleId: string;
  title: string;
  heading: string;
  text: string;
  language: string | null;
  tags: string[];
  /** MiniSearch's BM25+ score (unbounded; compare within one search only). */
  score: number;
  /** Share of the question's meaningful words the passage contains, 0..1. */
  coverage: number;
}

interface PassageDoc {
  id: string;
  articleId: string;
  title: string;
  heading: string;
  text: string;
  language: string | null;
  tags: string[];
}

/**
 * The knowledge base's full-text index: MiniSearch (BM25+ ranking) over article passages, with
 * case and accents folded, English/Spanish function words dropped and each word indexed with its
 * Spanish and English stems (search-terms.ts); titles
 * and headings weigh more than body text, and a word matches by prefix and with one typo.
 */
export function buildIndex(articles: readonly ArticleRow[]): MiniSearch<PassageDoc> {
  const index = new MiniSearch<PassageDoc>({
    fields: ['title', 'heading', 'text', 'tagText'],
    storeFields: ['articleId', 'title', 'heading', 'text', 'language', 'tags'],
    extractField: (doc, field) => (field === 'tagText' ? doc.tags.join(' ') : (doc as unknown as Record<string, string>)[field]),
    processTerm: (term) => stemmedTerms(term),
    searchOptions: {
      boost: { title: 2, heading: 1.5, tagText: 1.5 },
      prefix: (term) => term.length >= 4,
      fuzzy: (term) => (term.length >= 5 ? 1 : false),
      combineWith: 'OR',
      processTerm: (term) => stemmedTerms(term),
    },
  });
  const docs: PassageDoc[] = [];
  for (const a of articles) {
    const tags = articleTags(a);
    chunkArticle(a.title, a.body).forEach((p, i) => {
      docs.push({ id: `${a.id}#${i}`, articleId: a.id, title: a.title, heading: p.heading, text: p.text, language: a.language, tags });
    });
  }
  index.addAll(docs);
  return index;
}

export function searchIndex(
  index: MiniSearch<PassageDoc>,
  question: string,
  opts: { limit: number; language?: string | null },
): PassageHit[] {
  const asked = contentTerms(question);
  if (asked.length === 0) return [];
  const results = index.search(question, opts.language ? { filter: (r) => r.language === opts.language || r.language === null } : {});
  return results.slice(0, opts.limit).map((r) => ({
    articleId: r.articleId as string,
    title: r.title as string,
    heading: r.heading as string,
    text: r.text as string,
    language: (r.language as string | null) ?? null,
    tags: (r.tags as string[]) ?? [],
    score: r.score,
    coverage: coverage(asked, r.queryTerms),
  }));
}

/** Share of the question's words with a stem the passage matched (a word counts once, whichever of its stems matched). */
function coverage(asked: string[], matched: string[]): number {
  const hit = new Set(matched);
  return asked.filter((w) => stemmedTerms(w)?.some((s) => hit.has(s))).length / asked.length;
}

/**
 * The index of one database, rebuilt when the knowledge base changed (in this process or any
 * other one on the same database: the revision is read from the table before each search).
 */
export class KnowledgeIndex {
  private index: MiniSearch<PassageDoc> | null = null;
  private revision = '';
  private building: Promise<MiniSearch<PassageDoc>> | null = null;

  constructor(private readonly db: Executor) {}

  async search(question: string, opts: { limit?: number; language?: string | null } = {}): Promise<PassageHit[]> {
    return searchIndex(await this.current(), question, { limit: opts.limit ?? 5, language: opts.language ?? null });
  }

  /** Drops the cached index (after a write here; other processes see the revision change). */
  invalidate(): void {
    this.revision = '';
  }

  private async current(): Promise<MiniSearch<PassageDoc>> {
    const revision = await knowledgeRevision(this.db);
    if (this.index && revision === this.revision) return this.index;
    if (!this.building) {
      this.building = allArticles(this.db)
        .then((rows) => {
          this.index = buildIndex(rows);
          this.revision = revision;
          return this.index;
        })
        .finally(() => {
          this.building = null;
        });
    }
    return this.building;
  }
}

const indexes = new WeakMap<object, KnowledgeIndex>();

/** One index per database handle, shared by the routes, the assistant and the flow block. */
export function knowledgeIndexFor(db: Executor): KnowledgeIndex {
  let index = indexes.get(db);
  if (!index) {
    index = new KnowledgeIndex(db);
    indexes.set(db, index);
  }
  return index;
}
