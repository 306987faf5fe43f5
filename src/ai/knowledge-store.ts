import type { Selectable } from 'kysely';
import { newId } from '../core/ids.ts';
import type { Database } from '../storage/database-types.ts';
import type { Executor } from '../storage/executor.ts';

export type ArticleRow = Selectable<Database['knowledge_articles']>;

export interface ArticleInput {
  title: string;
  body: string;
  tags: string[];
  language: string | null;
  source?: string | null;
}

export async function insertArticle(db: Executor, input: ArticleInput, now: number): Promise<ArticleRow> {
  const row: ArticleRow = {
    id: newId('kb', now),
    title: input.title,
    body: input.body,
    tags: JSON.stringify(input.tags),
    language: input.language,
    source: input.source ?? null,
    created_at: now,
    updated_at: now,
  };
  await db.insertInto('knowledge_articles').values(row).execute();
  return row;
}

export async function updateArticle(db: Executor, id: string, patch: Partial<ArticleInput>, now: number): Promise<ArticleRow | undefined> {
  const old = await findArticle(db, id);
  if (!old) return undefined;
  const values = {
    ...(patch.title !== undefined ? { title: patch.title } : {}),
    ...(patch.body !== undefined ? { body: patch.body } : {}),
    ...(patch.tags !== undefined ? { tags: JSON.stringify(patch.tags) } : {}),
    ...(patch.language !== undefined ? { language: patch.language } : {}),
    // Strictly later, so the index revision (count, newest update) changes even within one millisecond.
    updated_at: Math.max(now, Number(old.updated_at) + 1),
  };
  await db.updateTable('knowledge_articles').set(values).where('id', '=', id).execute();
  return { ...old, ...values };
}

export async function deleteArticle(db: Executor, id: string): Promise<boolean> {
  const r = await db.deleteFrom('knowledge_articles').where('id', '=', id).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

export async function findArticle(db: Executor, id: string): Promise<ArticleRow | undefined> {
  return db.selectFrom('knowledge_articles').selectAll().where('id', '=', id).executeTakeFirst();
}

/** A page of articles, newest first; `after` is the last id of the previous page. */
export async function listArticles(
  db: Executor,
  opts: { limit: number; after?: string; language?: string; tag?: string },
): Promise<ArticleRow[]> {
  let q = db.selectFrom('knowledge_articles').selectAll().orderBy('id', 'desc').limit(opts.limit);
  if (opts.after) q = q.where('id', '<', opts.after);
  if (opts.language) q = q.where('language', '=', opts.language);
  // Tags are a JSON array of strings: the quoted tag is a substring of it exactly when present.
  if (opts.tag) q = q.where('tags', 'like', `%${JSON.stringify(opts.tag).replace(/[%_\\]/g, '\\$&')}%`);
  return q.execute();
}

export async function allArticles(db: Executor): Promise<ArticleRow[]> {
  return db.selectFrom('knowledge_articles').selectAll().orderBy('id').execute();
}

/** Changes whenever an article is added, edited or deleted (by any process): the index's cache key. */
export async function knowledgeRevision(db: Executor): Promise<string> {
  const r = await db
    .selectFrom('knowledge_articles')
    .select((eb) => [eb.fn.countAll().as('n'), eb.fn.max('updated_at').as('latest')])
    .executeTakeFirstOrThrow();
  return `${Number(r.n)}:${Number(r.latest ?? 0)}`;
}

export function articleTags(row: Pick<ArticleRow, 'tags'>): string[] {
  try {
    const t = JSON.parse(row.tags) as unknown;
    return Array.isArray(t) ? t.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}
