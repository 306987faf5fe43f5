import { sql, type RawBuilder, type SqlBool } from 'kysely';
import type { ConversationVisibility } from '../auth/visible-conversation-filter.ts';

/**
 * The visibility setting as SQL over a conversations alias, or null when nothing is hidden.
 * A restricted agent sees conversations assigned to them or to one of their teams.
 */
export function visibilitySql(v: ConversationVisibility, alias: string): RawBuilder<SqlBool> | null {
  if (v.all) return null;
  const assignee = sql.ref(`${alias}.assignee_id`);
  if (v.teamIds.length === 0) return sql<SqlBool>`${assignee} = ${v.userId}`;
  return sql<SqlBool>`(${assignee} = ${v.userId} or ${sql.ref(`${alias}.team_id`)} in (${sql.join([...v.teamIds])}))`;
}

/** The same rule for one loaded row. */
export function canSee(v: ConversationVisibility, row: { assignee_id: string | null; team_id: string | null }): boolean {
  if (v.all) return true;
  return row.assignee_id === v.userId || (row.team_id !== null && v.teamIds.includes(row.team_id));
}
