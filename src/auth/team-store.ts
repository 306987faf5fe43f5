import type { Kysely, Selectable } from 'kysely';
import type { Database } from '../storage/database-types.ts';

export type TeamRow = Selectable<Database['teams']>;
export interface TeamMember {
  id: string;
  name: string;
  email: string;
  role: string;
  availability: string;
}
type Db = Kysely<Database>;

export async function insertTeam(db: Db, row: TeamRow): Promise<void> {
  await db.insertInto('teams').values(row).execute();
}

export function findTeam(db: Db, id: string): Promise<TeamRow | undefined> {
  return db.selectFrom('teams').selectAll().where('id', '=', id).executeTakeFirst();
}

export function listTeams(db: Db): Promise<TeamRow[]> {
  return db.selectFrom('teams').selectAll().orderBy('name').orderBy('id').execute();
}

export async function updateTeam(
  db: Db,
  id: string,
  patch: { name?: string; description?: string | null; updated_at: number },
): Promise<TeamRow | undefined> {
  await db.updateTable('teams').set(patch).where('id', '=', id).execute();
  return findTeam(db, id);
}

export async function deleteTeam(db: Db, id: string): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    await trx.deleteFrom('team_members').where('team_id', '=', id).execute();
    const res = await trx.deleteFrom('teams').where('id', '=', id).executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  });
}

/** Idempotent: adding a member twice is one membership. */
export async function addMember(db: Db, teamId: string, userId: string, now: number): Promise<void> {
  await db
    .insertInto('team_members')
    .values({ team_id: teamId, user_id: userId, created_at: now })
    .onConflict((oc) => oc.columns(['team_id', 'user_id']).doNothing())
    .execute();
}

export async function removeMember(db: Db, teamId: string, userId: string): Promise<boolean> {
  const res = await db.deleteFrom('team_members').where('team_id', '=', teamId).where('user_id', '=', userId).executeTakeFirst();
  return Number(res.numDeletedRows) > 0;
}

export function membersOf(db: Db, teamId: string): Promise<TeamMember[]> {
  return db
    .selectFrom('team_members as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .select(['u.id', 'u.name', 'u.email', 'u.role', 'u.availability'])
    .where('m.team_id', '=', teamId)
    .where('u.deleted_at', 'is', null)
    .orderBy('u.name')
    .orderBy('u.id')
    .execute();
}

/** Member ids per team, for a whole list in one query. */
export async function memberIdsByTeam(db: Db, teamIds: readonly string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>(teamIds.map((id) => [id, []]));
  if (teamIds.length === 0) return out;
  const rows = await db
    .selectFrom('team_members as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .select(['m.team_id', 'm.user_id'])
    .where('m.team_id', 'in', teamIds)
    .where('u.deleted_at', 'is', null)
    .orderBy('m.user_id')
    .execute();
  for (const r of rows) out.get(r.team_id)?.push(r.user_id);
  return out;
}
