import { sql } from 'kysely';
import { newId } from '../core/ids.ts';
import type { Executor } from '../storage/executor.ts';

export interface UsageRecord {
  provider: string;
  model: string;
  channelId: string | null;
  mode: string;
  promptTokens: number;
  completionTokens: number;
  latencyMs: number;
  ok: boolean;
  error: string | null;
}

/** One row per provider call, failed ones included (their latency says how long the customer waited). */
export async function recordUsage(db: Executor, u: UsageRecord, now: number): Promise<void> {
  await db
    .insertInto('ai_usage')
    .values({
      id: newId('aiu', now),
      at: now,
      day: new Date(now).toISOString().slice(0, 10),
      provider: u.provider,
      model: u.model,
      channel_id: u.channelId,
      mode: u.mode,
      prompt_tokens: u.promptTokens,
      completion_tokens: u.completionTokens,
      latency_ms: Math.round(u.latencyMs),
      ok: u.ok ? 1 : 0,
      error: u.error,
    })
    .execute();
}

/** Tokens spent since the first day of `now`'s month (UTC): what the monthly budget is checked against. */
export async function tokensThisMonth(db: Executor, now: number): Promise<number> {
  const d = new Date(now);
  const start = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  const r = await db
    .selectFrom('ai_usage')
    .select(sql<number>`coalesce(sum(prompt_tokens + completion_tokens), 0)`.as('n'))
    .where('at', '>=', start)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** Provider calls recorded since `since` (all processes): the per-minute request limit. */
export async function callsSince(db: Executor, since: number): Promise<number> {
  const r = await db.selectFrom('ai_usage').select(sql<number>`count(*)`.as('n')).where('at', '>', since).executeTakeFirstOrThrow();
  return Number(r.n);
}

export interface UsageSum {
  day: string;
  channel_id: string | null;
  mode: string;
  provider: string;
  model: string;
  calls: number;
  failed: number;
  prompt_tokens: number;
  completion_tokens: number;
  latency_ms_avg: number;
}

/** Calls, tokens and average latency by day, number, mode (and provider/model) within [from, to). */
export async function usageSums(db: Executor, range: { from: string; to: string; channelId?: string }): Promise<UsageSum[]> {
  let q = db
    .selectFrom('ai_usage')
    .select([
      'day',
      'channel_id',
      'mode',
      'provider',
      'model',
      sql<number>`count(*)`.as('calls'),
      sql<number>`sum(1 - ok)`.as('failed'),
      sql<number>`sum(prompt_tokens)`.as('prompt_tokens'),
      sql<number>`sum(completion_tokens)`.as('completion_tokens'),
      sql<number>`avg(latency_ms)`.as('latency_ms_avg'),
    ])
    .where('day', '>=', range.from)
    .where('day', '<=', range.to)
    .groupBy(['day', 'channel_id', 'mode', 'provider', 'model'])
    .orderBy('day')
    .orderBy('channel_id')
    .orderBy('mode');
  if (range.channelId) q = q.where('channel_id', '=', range.channelId);
  const rows = await q.execute();
  return rows.map((r) => ({
    ...r,
    calls: Number(r.calls),
    failed: Number(r.failed),
    prompt_tokens: Number(r.prompt_tokens),
    completion_tokens: Number(r.completion_tokens),
    latency_ms_avg: Math.round(Number(r.latency_ms_avg)),
  }));
}
