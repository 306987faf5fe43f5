import { sql } from 'kysely';
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import type { BusinessHours } from '../flows/flow-time.ts';
import type { Executor } from '../storage/executor.ts';
import type { Storage } from '../storage/open-database.ts';
import { compactAgentOpenCounts } from './agent-open-counts.ts';
import { businessMs } from './business-time.ts';
import { bucketOf } from './duration-histogram.ts';
import { Rollups, writeRollups } from './rollup-writes.ts';
import { senderOf } from './senders.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Any constant: the PostgreSQL advisory lock one fold at a time holds, so no event counts twice. */
const FOLD_LOCK_KEY = 7_160_411_029;
/** A customer message within this long of a template counts as that template's reply. */
export const REPLY_WINDOW_MS = DAY;

export const hourOf = (t: number) => Math.floor(t / HOUR) * HOUR;

interface StateRow {
  conversation_id: string;
  channel_id: string;
  opened_at: number;
  awaiting_since: number | null;
  responded: number;
  human: number;
  handed_off: number;
  assignee_id: string | null;
  team_id: string | null;
  template_key: string | null;
  template_at: number | null;
}

const STATE_COLUMNS = [
  'channel_id',
  'opened_at',
  'awaiting_since',
  'responded',
  'human',
  'handed_off',
  'assignee_id',
  'team_id',
  'template_key',
  'template_at',
] as const;

interface MessageRow {
  id: string;
  channel_id: string;
  direction: string;
  author: string | null;
  kind: string;
  template_name: string | null;
  content: string;
  created_at: number;
  price_estimate: number | null;
  phone_e164: string | null;
  external_id: string | null;
}

interface CostValues {
  c: string | null;
  b: number | boolean | null;
  p: number | null;
  e: number | null;
}

/**
 * Folds the pending report events into the hourly rollups, oldest first, `batch` at a time, each
 * batch in one transaction that also deletes its events: an event counts once or, if the
 * transaction fails, not yet. Returns how many events it folded. Reports call it before reading,
 * so they are exact up to the request; the fold job keeps the backlog short.
 */
export async function foldReportEvents(storage: Storage, hours: BusinessHours, batch = 5000): Promise<number> {
  let folded = 0;
  for (;;) {
    const n = await storage.db.transaction().execute(async (trx) => {
      if (storage.dialect.multiProcess) await sql`select pg_advisory_xact_lock(${FOLD_LOCK_KEY})`.execute(trx);
      const folded = await foldBatch(trx, storage, hours, batch);
      // The last batch also moves the agents' open-conversation deltas (0040) into their counts.
      if (folded < batch) await compactAgentOpenCounts(trx);
      return folded;
    });
    folded += n;
    if (n < batch) return folded;
  }
}

async function foldBatch(trx: Executor, storage: Storage, hours: BusinessHours, batch: number): Promise<number> {
  const events = await trx
    .selectFrom('report_events')
    .selectAll()
    .where(storage.dialect.settledBelowRunningTransactions(sql.ref('xid')))
    .orderBy('id')
    .limit(batch)
    .execute();
  if (events.length === 0) return 0;

  const messageIds = [...new Set(events.filter((e) => e.type.startsWith('message')).map((e) => e.ref))];
  const messages = new Map<string, MessageRow>();
  for (const ids of chunks(messageIds, 500)) {
    const rows = await trx
      .selectFrom('messages as m')
      .innerJoin('conversations as c', 'c.id', 'm.conversation_id')
      .innerJoin('contacts as ct', 'ct.id', 'c.contact_id')
      .select([
        'm.id',
        'm.channel_id',
        'm.direction',
        'm.author',
        'm.kind',
        'm.template_name',
        'm.content',
        'm.created_at',
        'm.price_estimate',
        'ct.phone_e164',
        'ct.external_id',
      ])
      .where('m.id', 'in', ids)
      .execute();
    for (const r of rows) messages.set(r.id, r as MessageRow);
  }

  const conversationIds = [...new Set(events.map((e) => e.conversation_id).filter((c): c is string => c !== null))];
  const states = new Map<string, StateRow>();
  const dirty = new Set<string>();
  for (const ids of chunks(conversationIds, 500)) {
    for (const s of await trx.selectFrom('report_conversation_state').selectAll().where('conversation_id', 'in', ids).execute())
      states.set(s.conversation_id, s);
    const missing = ids.filter((id) => !states.has(id));
    if (missing.length === 0) continue;
    // First event of a conversation (or one from before the backfill): its state starts from the row.
    for (const c of await trx
      .selectFrom('conversations')
      .select(['id', 'channel_id', 'created_at', 'assignee_id', 'team_id'])
      .where('id', 'in', missing)
      .execute())
      states.set(c.id, {
        conversation_id: c.id,
        channel_id: c.channel_id,
        opened_at: c.created_at,
        awaiting_since: null,
        responded: 0,
        human: 0,
        handed_off: 0,
        assignee_id: c.assignee_id,
        team_id: c.team_id,
        template_key: null,
        template_at: null,
      });
  }

  const r = new Rollups();
  const availability = new Map<string, { availability: string; since: number } | null>();
  const countries = new Map<string, string>();

  const recordTime = (metric: string, s: StateRow, agent: string, from: number, to: number) => {
    const hour = hourOf(to);
    const ms = Math.max(0, to - from);
    const bms = ms === 0 ? 0 : businessMs(from, to, hours);
    const key = { metric, channel_id: s.channel_id, team_id: s.team_id ?? '', agent_id: agent };
    r.time(hour, key, 0, bucketOf(ms), ms);
    r.time(hour, key, 1, bucketOf(bms), bms);
  };

  for (const e of events) {
    const s = e.conversation_id ? states.get(e.conversation_id) : undefined;
    if (e.conversation_id && s) dirty.add(s.conversation_id);
    switch (e.type) {
      case 'conversation_opened': {
        if (!s) break;
        s.opened_at = e.at;
        r.volume(hourOf(e.at), s.channel_id, 'conversations_opened', '', '', 1);
        break;
      }
      case 'message': {
        const m = messages.get(e.ref);
        if (!s || !m) break;
        const sender = senderOf(m);
        const hour = hourOf(e.at);
        r.volume(hour, m.channel_id, m.direction === 'in' ? 'messages_in' : 'messages_out', sender, m.kind, 1);
        if (m.direction === 'in') {
          s.awaiting_since ??= e.at;
          if (s.template_key !== null && s.template_at !== null && e.at - s.template_at <= REPLY_WINDOW_MS) {
            const [template, language, broadcast] = JSON.parse(s.template_key) as [string, string, string];
            r.template(hourOf(s.template_at), s.channel_id, template, language, broadcast, 'replied', 1);
          }
          s.template_key = null;
          s.template_at = null;
          break;
        }
        const country = countryOf(m, countries);
        r.cost(hourOf(m.created_at), m.channel_id, '', m.template_name ?? '', country, {
          messages: 1,
          price_estimate: m.price_estimate ?? 0,
        });
        if (m.template_name !== null) {
          const { language, broadcast } = templateOf(m);
          r.template(hour, m.channel_id, m.template_name, language, broadcast, 'sent', 1);
          s.template_key = JSON.stringify([m.template_name, language, broadcast]);
          s.template_at = e.at;
        }
        const agent = humanOf(m.author);
        if (agent === null) break;
        s.human = 1;
        r.agent(hour, agent, 'messages_sent', 1);
        if (s.awaiting_since !== null) {
          recordTime(s.responded ? 'next_response' : 'first_response', s, agent, s.awaiting_since, e.at);
          s.responded = 1;
          s.awaiting_since = null;
        }
        break;
      }
      case 'message_status': {
        const m = messages.get(e.ref);
        if (!m || m.template_name === null) break;
        const { language, broadcast } = templateOf(m);
        const hour = hourOf(m.created_at);
        const count = (metric: string) => r.template(hour, m.channel_id, m.template_name as string, language, broadcast, metric, 1);
        const seen = (st: string | null) => st === 'delivered' || st === 'read' || st === 'played';
        if (seen(e.new_value) && !seen(e.old_value)) count('delivered');
        if ((e.new_value === 'read' || e.new_value === 'played') && e.old_value !== 'read' && e.old_value !== 'played') count('read');
        if (e.new_value === 'failed' && e.old_value !== 'failed') count('failed');
        break;
      }
      case 'message_cost': {
        const m = messages.get(e.ref);
        if (m?.direction !== 'out') break; // only what is sent costs
        const country = countryOf(m, countries);
        const hour = hourOf(m.created_at);
        const was = JSON.parse(e.old_value ?? '{}') as CostValues;
        const now = JSON.parse(e.new_value ?? '{}') as CostValues;
        const flag = (b: CostValues['b']) => (b === true || b === 1 ? 1 : 0);
        const template = m.template_name ?? '';
        r.cost(hour, m.channel_id, was.c ?? '', template, country, {
          messages: -1,
          billable: -flag(was.b),
          price: -(was.p ?? 0),
          price_estimate: -(was.e ?? 0),
        });
        r.cost(hour, m.channel_id, now.c ?? '', template, country, {
          messages: 1,
          billable: flag(now.b),
          price: now.p ?? 0,
          price_estimate: now.e ?? 0,
        });
        break;
      }
      case 'conversation_status': {
        if (!s) break;
        const hour = hourOf(e.at);
        const was = e.old_value;
        const now = e.new_value ?? '';
        if (was === 'active' && (now === 'archived' || now === 'closed')) {
          r.volume(hour, s.channel_id, `conversations_${now}`, '', '', 1);
          r.volume(hour, s.channel_id, 'conversations_resolved', '', '', 1);
          recordTime('resolution', s, s.assignee_id ?? '', s.opened_at, e.at);
          if (s.assignee_id) r.agent(hour, s.assignee_id, 'resolved', 1);
          r.bot(hour, s.channel_id, s.human || s.handed_off ? 'resolved_with_human' : 'resolved_without_human', '', 1);
        } else if (was === 'archived' && now === 'closed') {
          r.volume(hour, s.channel_id, 'conversations_closed', '', '', 1);
        } else if (now === 'active') {
          r.volume(hour, s.channel_id, 'conversations_reopened', '', '', 1);
          s.opened_at = e.at; // the resolution clock starts again
        }
        break;
      }
      case 'conversation_assignee': {
        if (!s) break;
        const was = JSON.parse(e.old_value ?? '{}') as { a?: string | null; t?: string | null };
        const now = JSON.parse(e.new_value ?? '{}') as { a?: string | null; t?: string | null };
        const hour = hourOf(e.at);
        s.assignee_id = now.a ?? null;
        s.team_id = now.t ?? null;
        if (now.a && now.a !== was.a) {
          s.handed_off = 1;
          r.agent(hour, now.a, 'assigned', 1);
          if (was.a) r.agent(hour, was.a, 'handed_off', 1);
        }
        break;
      }
      case 'bot_pause': {
        if (!s) break;
        s.handed_off = 1;
        r.bot(hourOf(e.at), s.channel_id, 'handoff', e.new_value ?? '', 1);
        break;
      }
      case 'availability': {
        let st = availability.get(e.ref);
        if (st === undefined) {
          st =
            (await trx
              .selectFrom('report_availability_state')
              .select(['availability', 'since'])
              .where('user_id', '=', e.ref)
              .executeTakeFirst()) ?? null;
        }
        if (st && st.availability !== 'offline') spreadOverHours(st.since, e.at, (h, ms) => r.agent(h, e.ref, `${st.availability}_ms`, ms));
        availability.set(e.ref, { availability: e.new_value ?? 'offline', since: e.at });
        break;
      }
    }
  }

  await writeRollups(trx, r);
  const changed = [...dirty].map((id) => states.get(id)).filter((x): x is StateRow => x !== undefined);
  for (const rows of chunks(changed, 200)) {
    const set = Object.fromEntries(STATE_COLUMNS.map((c) => [c, sql.ref(`excluded.${c}`)]));
    await trx
      .insertInto('report_conversation_state')
      .values(rows)
      .onConflict((oc) => oc.column('conversation_id').doUpdateSet(set))
      .execute();
  }
  for (const [user_id, st] of availability) {
    if (!st) continue;
    const row = { user_id, availability: st.availability, since: st.since };
    await trx
      .insertInto('report_availability_state')
      .values(row)
      .onConflict((oc) => oc.column('user_id').doUpdateSet(row))
      .execute();
  }
  for (const ids of chunks(
    events.map((e) => e.id),
    1000,
  ))
    await trx.deleteFrom('report_events').where('id', 'in', ids).execute();
  return events.length;
}

/** `agent:<id>` is that user; `api` is an integration's reply (it stops the clock like an agent's). */
export function humanOf(author: string | null): string | null {
  if (author === null) return null;
  if (author.startsWith('agent:')) return author.slice('agent:'.length);
  if (author === 'api') return 'api';
  return null;
}

function templateOf(m: MessageRow): { language: string; broadcast: string } {
  let language = '';
  try {
    const c = JSON.parse(m.content) as { language?: unknown };
    if (typeof c.language === 'string') language = c.language;
  } catch {
    // a message without JSON content has no language
  }
  const broadcast = m.author?.startsWith('broadcast:') ? m.author.slice('broadcast:'.length) : '';
  return { language, broadcast };
}

function countryOf(m: MessageRow, cache: Map<string, string>): string {
  const key = `${m.phone_e164 ?? ''}|${m.external_id ?? ''}`;
  let c = cache.get(key);
  if (c === undefined) {
    const ext = m.external_id ?? '';
    const bsuid = /^[A-Z]{2}\./.test(ext) ? ext.slice(0, 2) : '';
    const number = m.phone_e164 ?? (/^\d{5,}$/.test(ext) ? `+${ext}` : '');
    c = (number ? parsePhoneNumberFromString(number)?.country : undefined) ?? bsuid;
    cache.set(key, c);
  }
  return c;
}

function spreadOverHours(from: number, to: number, add: (hour: number, ms: number) => void): void {
  for (let t = from; t < to; ) {
    const end = Math.min(hourOf(t) + HOUR, to);
    add(hourOf(t), end - t);
    t = end;
  }
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
