import type { Executor } from '../jobs/job-queue.ts';

/**
 * The APPROVED templates a number could send instead of a refused free-form reply (outside the
 * 24-hour window): what a `window_closed` error lists in `details.templates`.
 */
export async function templatesSuggestedFor(
  db: Executor,
  channelId: string,
): Promise<Array<{ id: string; name: string; language: string; category: string }>> {
  return db
    .selectFrom('templates')
    .select(['id', 'name', 'language', 'category'])
    .where('channel_id', '=', channelId)
    .where('status', '=', 'APPROVED')
    .orderBy('category', 'desc') // UTILITY before MARKETING: the cheaper, likelier fit for a reply
    .orderBy('name')
    .limit(50)
    .execute();
}
