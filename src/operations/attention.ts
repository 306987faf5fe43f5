import { sql } from 'kysely';
import type { Deps } from '../deps.ts';
import { emitEvent } from '../event-webhooks/emit-event.ts';
import type { Executor } from '../storage/executor.ts';
import { QUALITY_DROPS } from './number-quality.ts';

/** Something an operator should look at, with what it means in a sentence. */
export interface AttentionItem {
  /** Stable while the condition lasts: `template_paused:<template id>`, `event_webhook_failing:<subscription id>`, ... */
  key: string;
  kind:
    | 'template_paused'
    | 'template_disabled'
    | 'template_quality_low'
    | 'number_quality_dropped'
    | 'event_webhook_failing'
    | 'webhook_signature_failures'
    | 'send_breaker_open';
  /** What it is about: ids a client can look up. */
  subject: Record<string, string>;
  message: string;
  /** When the condition started, where known (ISO 8601). */
  since: string | null;
}

/** A delivery this many attempts in without success counts as its endpoint failing. */
const FAILING_ATTEMPTS = 3;
/** Deliveries given up within this window keep the endpoint on the list. */
const DEAD_WINDOW_MS = 24 * 3600_000;
/** Signature failures this recent are listed (this process's own). */
const SIGNATURE_WINDOW_MS = 3600_000;

const iso = (ms: number | null | undefined) => (ms === null || ms === undefined ? null : new Date(Number(ms)).toISOString());

/**
 * What the database says needs attention, the same on every process: templates WhatsApp paused
 * or disabled or rated RED, numbers whose quality dropped, event webhook endpoints that keep
 * failing. These are the items `system.attention` announces.
 */
export async function storedAttentionItems(db: Executor, now: number): Promise<AttentionItem[]> {
  const items: AttentionItem[] = [];
  const templates = await db
    .selectFrom('templates')
    .select(['id', 'name', 'language', 'status', 'quality', 'channel_id', 'updated_at'])
    .where((eb) => eb.or([eb('status', 'in', ['PAUSED', 'DISABLED']), eb('quality', '=', 'RED')]))
    .orderBy('id')
    .execute();
  for (const t of templates) {
    const subject = { template_id: t.id, template_name: t.name, language: t.language, channel_id: t.channel_id };
    if (t.status === 'PAUSED' || t.status === 'DISABLED') {
      const paused = t.status === 'PAUSED';
      items.push({
        key: `template_${paused ? 'paused' : 'disabled'}:${t.id}`,
        kind: paused ? 'template_paused' : 'template_disabled',
        subject,
        message: paused
          ? `WhatsApp paused template "${t.name}" (${t.language}) after poor feedback from recipients; sends of it fail until WhatsApp lifts the pause. Check the template's content and who receives it.`
          : `WhatsApp disabled template "${t.name}" (${t.language}) after repeated pauses; it cannot be sent again. Create a new template instead.`,
        since: iso(t.updated_at),
      });
    } else {
      items.push({
        key: `template_quality_low:${t.id}`,
        kind: 'template_quality_low',
        subject,
        message: `Template "${t.name}" (${t.language}) has RED quality: recipients block or report it. WhatsApp pauses it if this goes on.`,
        since: iso(t.updated_at),
      });
    }
  }
  const numbers = await db
    .selectFrom('number_quality')
    .innerJoin('channels', 'channels.id', 'number_quality.channel_id')
    .select([
      'number_quality.channel_id',
      'number_quality.event',
      'number_quality.current_limit',
      'number_quality.updated_at',
      'channels.account_id',
    ])
    .where('number_quality.event', 'in', [...QUALITY_DROPS])
    .orderBy('number_quality.channel_id')
    .execute();
  for (const n of numbers) {
    items.push({
      key: `number_quality_dropped:${n.channel_id}`,
      kind: 'number_quality_dropped',
      subject: { channel_id: n.channel_id, phone_number_id: n.account_id },
      message: `WhatsApp reported ${n.event} for number ${n.account_id}${n.current_limit ? ` (messaging limit ${n.current_limit})` : ''}: its quality dropped, so its messaging limit may fall. Reduce messages customers block or report.`,
      since: iso(n.updated_at),
    });
  }
  const failing = await db
    .selectFrom('webhook_deliveries as d')
    .innerJoin('webhook_subscriptions as s', 's.id', 'd.subscription_id')
    .select([
      'd.subscription_id',
      's.url',
      sql<number>`count(*)`.as('n'),
      sql<number>`min(d.created_at)`.as('since'),
      sql<number>`max(d.attempts)`.as('attempts'),
    ])
    .where((eb) =>
      eb.or([
        eb.and([eb('d.status', '=', 'pending'), eb('d.attempts', '>=', FAILING_ATTEMPTS)]),
        eb.and([eb('d.status', '=', 'dead'), eb('d.completed_at', '>', now - DEAD_WINDOW_MS)]),
      ]),
    )
    .groupBy(['d.subscription_id', 's.url'])
    .orderBy('d.subscription_id')
    .execute();
  for (const f of failing) {
    items.push({
      key: `event_webhook_failing:${f.subscription_id}`,
      kind: 'event_webhook_failing',
      subject: { webhook_id: f.subscription_id, url: f.url },
      message: `Event webhook ${f.url} is failing: ${Number(f.n)} deliver${Number(f.n) === 1 ? 'y' : 'ies'} failed ${FAILING_ATTEMPTS} or more times or were given up in the last 24 hours. See GET /api/v1/webhooks/${f.subscription_id}/deliveries for the errors; replay them once it answers.`,
      since: iso(f.since),
    });
  }
  return items;
}

/**
 * What this process sees on top of the stored items: numbers whose webhooks failed the signature
 * check in the last hour, and numbers whose send circuit breaker is open. Shown by the status
 * route; not announced (each process would see its own).
 */
export function processAttentionItems(deps: Pick<Deps, 'channels' | 'webhookHealth'>, now: number): AttentionItem[] {
  const items: AttentionItem[] = [];
  for (const c of deps.channels.all()) {
    const h = deps.webhookHealth.of(c.accountId);
    if (h.lastSignatureFailureAt !== null && h.lastSignatureFailureAt > now - SIGNATURE_WINDOW_MS) {
      items.push({
        key: `webhook_signature_failures:${c.id}`,
        kind: 'webhook_signature_failures',
        subject: { channel_id: c.id, phone_number_id: c.accountId },
        message: `${h.signatureFailures} webhook deliver${h.signatureFailures === 1 ? 'y' : 'ies'} naming number ${c.accountId} failed the signature check since this process started (the last within the hour). The app secret configured here may not be the Meta app's current one; WhatsApp retries refused deliveries only for a while.`,
        since: iso(h.lastSignatureFailureAt),
      });
    }
    const breaker = c.breaker.snapshot();
    if (breaker.state !== 'closed') {
      items.push({
        key: `send_breaker_open:${c.id}`,
        kind: 'send_breaker_open',
        subject: { channel_id: c.id, phone_number_id: c.accountId },
        message: `Sends to number ${c.accountId} are held: the Graph API failed for it repeatedly, so this process waits before trying again (README, "When WhatsApp is down").`,
        since: null,
      });
    }
  }
  return items;
}

/**
 * Announces each stored attention item once when it appears (`system.attention`) and forgets
 * the ones that cleared, so one that comes back is announced again. The `attention_items` row is
 * the "already announced" mark: the process whose insert wins emits, in the same transaction.
 * Returns the items announced by this call.
 */
export async function announceAttention(deps: Deps): Promise<AttentionItem[]> {
  const now = deps.clock.now();
  const { db } = deps.storage;
  const items = await storedAttentionItems(db, now);
  const announced: AttentionItem[] = [];
  await db.transaction().execute(async (trx) => {
    const seen = await trx.selectFrom('attention_items').select('key').execute();
    const current = new Set(items.map((i) => i.key));
    const gone = seen.map((r) => r.key).filter((k) => !current.has(k));
    if (gone.length > 0) await trx.deleteFrom('attention_items').where('key', 'in', gone).execute();
    const known = new Set(seen.map((r) => r.key));
    for (const item of items) {
      if (known.has(item.key)) continue;
      const inserted = await trx
        .insertInto('attention_items')
        .values({ key: item.key, kind: item.kind, first_seen_at: now })
        .onConflict((oc) => oc.column('key').doNothing())
        .executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) continue;
      await emitEvent(trx, deps, 'system.attention', { ...item }, { now });
      announced.push(item);
    }
  });
  if (announced.length > 0) deps.jobs.wake();
  return announced;
}
