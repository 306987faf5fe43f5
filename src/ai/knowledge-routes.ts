import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { HttpError } from '../core/http-error.ts';
import type { Deps } from '../deps.ts';
import { fieldError, NoContent, Nullable, routeSchema, Timestamp } from '../http/route-schema.ts';
import { ImportError, type ImportFile, importFiles } from './import-knowledge.ts';
import { knowledgeIndexFor } from './knowledge-index.ts';
import { type ArticleRow, articleTags, deleteArticle, findArticle, insertArticle, listArticles, updateArticle } from './knowledge-store.ts';

const tags = ['knowledge'];
const read = { config: { access: 'conversations:read' as const } };

const Title = Type.String({
  minLength: 1,
  maxLength: 200,
  description: '1 to 200 characters',
  ...fieldError('invalid_title', 422, '"title" is 1 to 200 characters.'),
});
const Body = Type.String({
  minLength: 1,
  maxLength: 200_000,
  description: 'Markdown, up to 200,000 characters',
  ...fieldError('invalid_body_text', 422, '"body" is 1 to 200,000 characters of Markdown.'),
});
const Tags = Type.Array(Type.String({ minLength: 1, maxLength: 50 }), {
  maxItems: 20,
  description: 'up to 20 tags of 1 to 50 characters',
  ...fieldError('invalid_tags', 422, '"tags" is a list of up to 20 tags of 1 to 50 characters.'),
});
const Language = Nullable(
  Type.String({ pattern: '^[a-z]{2}(-[A-Za-z]{2})?$', description: 'e.g. es, en, pt-BR' }),
  fieldError('invalid_language', 422, '"language" looks like es, en or pt-BR, or is null.'),
);

const Article = Type.Object({
  id: Type.String(),
  title: Type.String(),
  body: Type.String({ description: 'Markdown' }),
  tags: Type.Array(Type.String()),
  language: Nullable(Type.String()),
  source: Nullable(Type.String({ description: 'the imported file, when imported' })),
  created_at: Timestamp(),
  updated_at: Timestamp(),
});
const articleExample = {
  id: 'kb_0mb1x2y3z0001a1b2c3d4e5f6a7b8',
  title: 'Horario de atención',
  body: 'Atendemos de lunes a viernes de 9:00 a 18:00 y sábados de 9:00 a 13:00.',
  tags: ['horario'],
  language: 'es',
  source: null,
  created_at: '2026-05-01T10:00:00.000Z',
  updated_at: '2026-05-01T10:00:00.000Z',
};
const Params = Type.Object({ id: Type.String({ description: 'article id' }) });

/** The knowledge base the assistant answers from (docs/ai.md#knowledge-base): admins edit it, agents read and search it. */
export async function knowledgeRoutes(fastify: FastifyInstance, opts: { deps: Deps }): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { deps } = opts;
  const db = deps.storage.db;
  const index = knowledgeIndexFor(db);

  app.get(
    '/api/v1/knowledge',
    routeSchema(
      {
        summary: 'List knowledge-base articles, newest first',
        tags,
        querystring: Type.Object({
          limit: Type.Optional(
            Type.String({
              pattern: '^([1-9][0-9]?|100)$',
              description: '1 to 100, default 50',
              ...fieldError('invalid_limit', 400, 'limit must be a whole number from 1 to 100.'),
            }),
          ),
          after: Type.Optional(Type.String({ maxLength: 100, description: 'the last id of the previous page' })),
          language: Type.Optional(Type.String({ maxLength: 10 })),
          tag: Type.Optional(Type.String({ maxLength: 50 })),
        }),
        response: {
          200: Type.Object(
            { data: Type.Array(Article), next_after: Nullable(Type.String({ description: 'pass as `after` for the next page' })) },
            { examples: [{ data: [articleExample], next_after: null }] },
          ),
        },
      },
      read,
    ),
    async (req) => {
      const limit = Number(req.query.limit ?? 50);
      const rows = await listArticles(db, {
        limit,
        ...(req.query.after ? { after: req.query.after } : {}),
        ...(req.query.language ? { language: req.query.language } : {}),
        ...(req.query.tag ? { tag: req.query.tag } : {}),
      });
      return { data: rows.map(articleView), next_after: rows.length === limit ? (rows.at(-1)?.id ?? null) : null };
    },
  );

  app.get(
    '/api/v1/knowledge/search',
    routeSchema(
      {
        summary: 'Search the knowledge base as the assistant does (passages, best first)',
        description:
          "BM25 ranking over article passages; case and accents do not matter, English and Spanish function words are ignored. `coverage` is the share of the question's meaningful words the passage holds: the offline assistant's confidence.",
        tags,
        querystring: Type.Object({
          q: Type.String({
            minLength: 1,
            maxLength: 500,
            description: '1 to 500 characters',
            ...fieldError('invalid_q', 400, '"q" must be 1 to 500 characters.'),
          }),
          limit: Type.Optional(
            Type.String({
              pattern: '^([1-9]|1[0-9]|20)$',
              description: '1 to 20, default 5',
              ...fieldError('invalid_limit', 400, 'limit must be a whole number from 1 to 20.'),
            }),
          ),
          language: Type.Optional(Type.String({ maxLength: 10, description: 'only articles in this language (and those with none)' })),
        }),
        response: {
          200: Type.Object(
            {
              data: Type.Array(
                Type.Object({
                  article_id: Type.String(),
                  title: Type.String(),
                  heading: Type.String({ description: 'the section the passage is under' }),
                  text: Type.String(),
                  language: Nullable(Type.String()),
                  tags: Type.Array(Type.String()),
                  score: Type.Number({ description: 'BM25 score, comparable within one search' }),
                  coverage: Type.Number({ description: '0..1' }),
                }),
              ),
            },
            {
              examples: [
                {
                  data: [
                    {
                      article_id: articleExample.id,
                      title: articleExample.title,
                      heading: articleExample.title,
                      text: articleExample.body,
                      language: 'es',
                      tags: ['horario'],
                      score: 7.31,
                      coverage: 1,
                    },
                  ],
                },
              ],
            },
          ),
        },
      },
      read,
    ),
    async (req) => {
      const hits = await index.search(req.query.q, { limit: Number(req.query.limit ?? 5), language: req.query.language ?? null });
      return {
        data: hits.map((h) => ({
          article_id: h.articleId,
          title: h.title,
          heading: h.heading,
          text: h.text,
          language: h.language,
          tags: h.tags,
          score: Math.round(h.score * 1000) / 1000,
          coverage: h.coverage,
        })),
      };
    },
  );

  app.get(
    '/api/v1/knowledge/:id',
    routeSchema(
      {
        summary: 'One knowledge-base article',
        tags,
        params: Params,
        response: { 200: Type.Object(Article.properties, { examples: [articleExample] }) },
      },
      read,
    ),
    async (req) => articleView(await mustFind(req.params.id)),
  );

  app.post(
    '/api/v1/knowledge',
    routeSchema({
      summary: 'Add an article (admin); it is searchable at once',
      tags,
      body: Type.Object(
        { title: Title, body: Body, tags: Type.Optional(Tags), language: Type.Optional(Language) },
        {
          additionalProperties: false,
          examples: [{ title: articleExample.title, body: articleExample.body, tags: ['horario'], language: 'es' }],
        },
      ),
      response: { 201: Type.Object(Article.properties, { examples: [articleExample] }) },
    }),
    async (req, reply) => {
      const row = await insertArticle(
        db,
        { title: req.body.title.trim(), body: req.body.body, tags: req.body.tags ?? [], language: req.body.language ?? null },
        deps.clock.now(),
      );
      index.invalidate();
      return reply.status(201).send(articleView(row));
    },
  );

  app.patch(
    '/api/v1/knowledge/:id',
    routeSchema({
      summary: 'Edit an article (admin): the fields given change',
      tags,
      params: Params,
      body: Type.Object(
        { title: Type.Optional(Title), body: Type.Optional(Body), tags: Type.Optional(Tags), language: Type.Optional(Language) },
        { additionalProperties: false, examples: [{ body: 'Atendemos de lunes a sábado de 9:00 a 18:00.' }] },
      ),
      response: { 200: Type.Object(Article.properties, { examples: [articleExample] }) },
    }),
    async (req) => {
      const row = await updateArticle(
        db,
        req.params.id,
        { ...req.body, ...(req.body.title !== undefined ? { title: req.body.title.trim() } : {}) },
        deps.clock.now(),
      );
      if (!row) throw notFound(req.params.id);
      index.invalidate();
      return articleView(row);
    },
  );

  app.delete(
    '/api/v1/knowledge/:id',
    routeSchema({ summary: 'Delete an article (admin)', tags, params: Params, response: { 204: NoContent } }),
    async (req, reply) => {
      if (!(await deleteArticle(db, req.params.id))) throw notFound(req.params.id);
      index.invalidate();
      return reply.status(204).send();
    },
  );

  app.post(
    '/api/v1/knowledge/import',
    routeSchema(
      {
        summary: 'Import Markdown, text or PDF files as articles (admin)',
        description:
          'Each file becomes one article: its first `# heading` is the title (else the file name). A PDF is sent as base64 and its text extracted. All or nothing: one unreadable file imports none.',
        tags,
        body: Type.Object(
          {
            files: Type.Array(
              Type.Object(
                {
                  name: Type.String({
                    minLength: 1,
                    maxLength: 200,
                    pattern: '\\.(md|markdown|txt|pdf)$',
                    description: 'file name ending .md, .markdown, .txt or .pdf',
                  }),
                  text: Type.Optional(Type.String({ maxLength: 200_000, description: 'the content of a .md/.txt file' })),
                  content_base64: Type.Optional(Type.String({ maxLength: 1_000_000, description: 'the bytes of a .pdf file' })),
                },
                { additionalProperties: false },
              ),
              {
                minItems: 1,
                maxItems: 100,
                ...fieldError('invalid_files', 422, '"files" is a list of 1 to 100 files named *.md, *.markdown, *.txt or *.pdf.'),
              },
            ),
            tags: Type.Optional(Tags),
            language: Type.Optional(Language),
          },
          {
            additionalProperties: false,
            examples: [
              { files: [{ name: 'envios.md', text: '# Envíos\n\nEnviamos a todo el país en 3 a 5 días hábiles.' }], language: 'es' },
            ],
          },
        ),
        response: { 201: Type.Object({ data: Type.Array(Article) }, { examples: [{ data: [articleExample] }] }) },
      },
      { bodyLimit: 2 * 1024 * 1024 },
    ),
    async (req, reply) => {
      const files: ImportFile[] = req.body.files.map((f) => {
        const pdf = f.name.toLowerCase().endsWith('.pdf');
        if (pdf ? f.content_base64 === undefined : f.text === undefined)
          throw new HttpError(422, 'invalid_files', `${f.name}: send ${pdf ? 'content_base64' : 'text'}.`, { file: f.name });
        return pdf
          ? { name: f.name, pdf: new Uint8Array(Buffer.from(f.content_base64 ?? '', 'base64')) }
          : { name: f.name, text: f.text ?? '' };
      });
      try {
        const rows = await db
          .transaction()
          .execute((trx) =>
            importFiles(trx, files, { language: req.body.language ?? null, tags: req.body.tags ?? [], now: deps.clock.now() }),
          );
        index.invalidate();
        return reply.status(201).send({ data: rows.map(articleView) });
      } catch (err) {
        if (err instanceof ImportError) throw new HttpError(422, 'unreadable_file', err.message, { file: err.file });
        throw err;
      }
    },
  );

  async function mustFind(id: string): Promise<ArticleRow> {
    const row = await findArticle(db, id);
    if (!row) throw notFound(id);
    return row;
  }
}

function notFound(id: string): HttpError {
  return new HttpError(404, 'article_not_found', `No knowledge-base article ${id}.`);
}

function articleView(a: ArticleRow) {
  return {
    id: a.id,
    title: a.title,
    body: a.body,
    tags: articleTags(a),
    language: a.language,
    source: a.source,
    created_at: new Date(Number(a.created_at)).toISOString(),
    updated_at: new Date(Number(a.updated_at)).toISOString(),
  };
}
