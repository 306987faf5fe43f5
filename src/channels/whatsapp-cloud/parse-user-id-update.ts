import { isRecord, nonEmptyStr } from './json-guards.ts';

export interface UserIdUpdate {
  previous: string;
  current: string;
  waId?: string;
}

/**
 * The `value` of a `user_id_update` webhook change (docs/whatsapp-identity.md, shape as BSPs
 * report it): `user_id_update[]` items with `user_id: { previous, current }` and an optional
 * `wa_id`. Items without both BSUIDs are skipped; nothing throws.
 */
export function parseUserIdUpdates(value: unknown): UserIdUpdate[] {
  if (!isRecord(value) || !Array.isArray(value.user_id_update)) return [];
  const out: UserIdUpdate[] = [];
  for (const item of value.user_id_update) {
    if (!isRecord(item) || !isRecord(item.user_id)) continue;
    const previous = nonEmptyStr(item.user_id.previous);
    const current = nonEmptyStr(item.user_id.current);
    if (previous === undefined || current === undefined) continue;
    const waId = nonEmptyStr(item.wa_id);
    out.push(waId !== undefined ? { previous, current, waId } : { previous, current });
  }
  return out;
}
