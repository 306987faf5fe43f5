import type { World } from '../support/test-world.ts';

/** A template created through the API and submitted to the world's simulator, then approved by its review webhook. */
export async function approvedTemplate(w: World, doc: Record<string, unknown>): Promise<any> {
  const created = await w.api('POST', '/api/v1/templates', doc);
  if (created.status !== 201) throw new Error(`create ${doc.name}: ${created.status} ${JSON.stringify(created.body)}`);
  const submitted = await w.api('POST', `/api/v1/templates/${created.body.id}/submit`, {});
  if (submitted.status !== 200) throw new Error(`submit ${doc.name}: ${submitted.status} ${JSON.stringify(submitted.body)}`);
  // The review's webhook can come after a first drain on a loaded machine (seen once on PostgreSQL
  // in CI): look again until the review is in, or 10 s have passed (then the caller sees PENDING).
  const deadline = Date.now() + 10_000;
  for (;;) {
    await w.sim.drainWebhooks();
    await w.settle();
    const got = await w.api('GET', `/api/v1/templates/${created.body.id}`);
    if (got.body.status !== 'PENDING' || Date.now() > deadline) return got.body;
  }
}

export const body = (text: string, example?: string[]) => ({
  type: 'BODY',
  text,
  ...(example ? { example: { body_text: [example] } } : {}),
});
