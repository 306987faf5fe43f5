import type { Kysely } from 'kysely';
import type { DialectName } from '../dialect-name.ts';

/**
 * `stream_events.detail` (issue 13, part "sends"): what an inbox stream event says beyond its ids,
 * as JSON — for `conversation.assigned` the same `reason`, `by`, `assignee_id`, `team_id` and
 * `previous` the `conversation.assigned` webhook carries, so live and replayed events agree with it.
 */
export function sendsStreamEventDetailMigration(_dialect: DialectName) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('stream_events').addColumn('detail', 'text').execute();
    },
  };
}
