import { sql } from 'kysely';
import { CUSTOMER_WINDOW_MS } from '../conversations/customer-window.ts';
import type { Executor } from '../storage/executor.ts';
import { rawQuery, runRaw } from '../storage/raw-query.ts';

/**
 * Meta's messaging limits: how many unique customers a business may reach outside their customer
 * service window in a moving 24-hour period: 250 for a new business portfolio, then 2,000, 10,000,
 * 100,000 and unlimited
 * (https://developers.facebook.com/documentation/business-messaging/whatsapp/messaging-limits).
 * Meta sets the limit per business portfolio (shared by its numbers, since October 2025); here it
 * is configured per number (PUT /api/v1/channels/:id/messaging-tier: a tier, or a number's share
 * of its portfolio's), unlimited until set: Meta enforces its own, and a guessed default would
 * hold back every broadcast of a business with a higher one.
 */
export const META_TIERS = [250, 2000, 10_000, 100_000] as const;
export const TIER_WINDOW_MS = 24 * 60 * 60_000;

export async function getTier(db: Executor, channelId: string): Promise<number | null> {
  const row = await db.selectFrom('messaging_tiers').select('tier').where('channel_id', '=', channelId).executeTakeFirst();
  return row?.tier === undefined || row.tier === null ? null : Number(row.tier);
}

export async function setTier(db: Executor, channelId: string, tier: number | null, now: number): Promise<void> {
  await db
    .insertInto('messaging_tiers')
    .values({ channel_id: channelId, tier, updated_at: now })
    .onConflict((oc) => oc.column('channel_id').doUpdateSet({ tier, updated_at: now }))
    .execute();
}

/** Unique customers this number reached in the window ending now, and when the oldest of them frees a place. */
export async function reachInWindow(db: Executor, channelId: string, now: number): Promise<{ count: number; nextFreeAt: number | null }> {
  const row = await db
    .selectFrom('tier_reach')
    .select([sql<number>`count(*)`.as('n'), sql<number | null>`min(reached_at)`.as('oldest')])
    .where('channel_id', '=', channelId)
    .where('reached_at', '>', now - TIER_WINDOW_MS)
    .executeTakeFirst();
  const oldest = row?.oldest;
  return { count: Number(row?.n ?? 0), nextFreeAt: oldest === null || oldest === undefined ? null : Number(oldest) + TIER_WINDOW_MS };
}

/** Of these contacts, those already reached in the window: sending to them again takes no new place. */
export async function reachedAlready(db: Executor, channelId: string, contactIds: readonly string[], now: number): Promise<Set<string>> {
  if (contactIds.length === 0) return new Set();
  const rows = await db
    .selectFrom('tier_reach')
    .select('contact_id')
    .where('channel_id', '=', channelId)
    .where('contact_id', 'in', [...contactIds])
    .where('reached_at', '>', now - TIER_WINDOW_MS)
    .execute();
  return new Set(rows.map((r) => r.contact_id));
}

/** Of these contacts, those whose customer service window is open on this number: a message to them is not counted. */
export async function windowOpen(db: Executor, channelId: string, contactIds: readonly string[], now: number): Promise<Set<string>> {
  if (contactIds.length === 0) return new Set();
  const rows = await db
    .selectFrom('conversations')
    .select('contact_id')
    .where('channel_id', '=', channelId)
    .where('contact_id', 'in', [...contactIds])
    .where('last_customer_message_at', '>', now - CUSTOMER_WINDOW_MS)
    .execute();
  return new Set(rows.map((r) => r.contact_id));
}

/** A business-initiated message to a customer outside their service window: they count for 24 h from now (unless already counted). */
export async function recordReach(db: Executor, channelId: string, contactId: string, now: number): Promise<void> {
  await runRaw(db, RECORD_REACH, [channelId, contactId, now, now - TIER_WINDOW_MS]);
}

// Every hand-out to a customer outside their window runs it: prebuilt SQL (raw-query.ts).
const RECORD_REACH = rawQuery(
  `insert into "tier_reach" ("channel_id", "contact_id", "reached_at") values (?, ?, ?)
   on conflict ("channel_id", "contact_id") do update
   set "reached_at" = case when "tier_reach"."reached_at" <= ? then excluded."reached_at" else "tier_reach"."reached_at" end`,
);
