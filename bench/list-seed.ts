/**
 * Seeds an inbox for the list-query benchmark with multi-row inserts in transactions: contacts,
 * conversations spread over 90 days (20 % active, 30 % archived, 50 % closed; 60 % assigned to
 * 20 agents, half in one of 4 teams; 10 % unread; 10 % labelled; 5 % linked to a record) and
 * messages. Deterministic (seeded random), so runs compare.
 */
import { sql, type Insertable, type Kysely } from 'kysely';
import type { Database } from '../src/storage/database-types.ts';

export interface SeedShape {
  conversations: number;
  messagesPerConversation: number;
}

export interface SeedFacts {
  userIds: string[];
  teamIds: string[];
  labelNames: string[];
  channelIds: string[];
  sampleRecord: { type: string; id: string };
  sampleName: string;
}

const BATCH = 500;
const DAY = 86_400_000;

export async function seedInbox(
  db: Kysely<Database>,
  shape: SeedShape,
  now: number,
  onProgress?: (done: number) => void,
): Promise<SeedFacts> {
  let state = 42;
  const rand = () => (state = (state * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const channelIds = ['wa_bench_1', 'wa_bench_2'];
  for (const id of channelIds) {
    await db
      .insertInto('channels')
      .values({ id, kind: 'whatsapp', account_id: id, business_account_id: null, display_phone_number: null, name: id, created_at: now })
      .execute();
  }
  const userIds = Array.from({ length: 20 }, (_, i) => `usr_bench_${i}`);
  await db
    .insertInto('users')
    .values(
      userIds.map((id, i) => ({
        id,
        email: `agent${i}@bench.example`,
        name: `Agent ${i}`,
        role: 'agent',
        password_hash: 'x',
        visibility: 'all',
        capacity: null,
        availability: 'online',
        created_at: now,
        updated_at: now,
        deleted_at: null,
      })),
    )
    .execute();
  const teamIds = Array.from({ length: 4 }, (_, i) => `team_bench_${i}`);
  await db
    .insertInto('teams')
    .values(teamIds.map((id) => ({ id, name: id, description: null, created_at: now, updated_at: now })))
    .execute();
  const labelNames = Array.from({ length: 10 }, (_, i) => `label-${i}`);
  await db
    .insertInto('labels')
    .values(labelNames.map((name, i) => ({ id: `lbl_bench_${i}`, name, color: null, created_at: now })))
    .execute();
  const names = ['Ana', 'Bruno', 'Carla', 'Dario', 'Elena', 'Fabio', 'Gina', 'Hugo', 'Iris', 'Jonas'];

  for (let start = 0; start < shape.conversations; start += BATCH) {
    const n = Math.min(BATCH, shape.conversations - start);
    const contacts: Array<Insertable<Database['contacts']>> = [];
    const conversations: Array<Insertable<Database['conversations']>> = [];
    const labels: Array<Insertable<Database['conversation_labels']>> = [];
    const messages: Array<Insertable<Database['messages']>> = [];
    for (let k = 0; k < n; k++) {
      const i = start + k;
      const waId = String(10_000_000_000 + i);
      const at = now - Math.floor(rand() * 90 * DAY);
      const r = rand();
      const status = r < 0.2 ? 'active' : r < 0.5 ? 'archived' : 'closed';
      const assigned = rand() < 0.6;
      const id = `conv_bench_${String(i).padStart(9, '0')}`;
      contacts.push({
        id: `ct_bench_${i}`,
        channel_kind: 'whatsapp',
        external_id: waId,
        phone_e164: `+${waId}`,
        profile_name: `${pick(names)} ${i}`,
        created_at: at,
        updated_at: at,
      });
      conversations.push({
        id,
        channel_id: pick(channelIds),
        contact_id: `ct_bench_${i}`,
        status,
        last_customer_message_at: at,
        last_message_at: at,
        last_message_preview: `message ${i}`,
        unread_count: rand() < 0.1 ? 1 + Math.floor(rand() * 3) : 0,
        created_at: at - DAY,
        updated_at: at,
        assignee_id: assigned ? pick(userIds) : null,
        team_id: rand() < 0.5 ? pick(teamIds) : null,
        snoozed_until: null,
        linked_record_type: i % 20 === 0 ? 'service_request' : null,
        linked_record_id: i % 20 === 0 ? `SR-${i}` : null,
        linked_record: null,
        first_response_at: null,
        last_read_at: null,
        awaiting_reply_since: null,
      });
      if (rand() < 0.1) labels.push({ conversation_id: id, label_id: `lbl_bench_${Math.floor(rand() * 10)}`, created_at: at });
      for (let m = 0; m < shape.messagesPerConversation; m++) {
        const mAt = at - (shape.messagesPerConversation - m) * 60_000;
        messages.push({
          id: `msg_bench_${i}_${m}`,
          conversation_id: id,
          channel_id: 'wa_bench_1',
          direction: m % 2 === 0 ? 'in' : 'out',
          external_id: `wamid.bench.${i}.${m}`,
          kind: 'text',
          text: `message ${m} of ${i}`,
          content: '{}',
          raw: null,
          status: m % 2 === 0 ? 'processed' : 'read',
          status_at: mAt,
          error_code: null,
          error_message: null,
          reply_to_external_id: null,
          sent_at: mAt,
          created_at: mAt,
          attempts: 0,
          author: m % 2 === 0 ? 'customer' : 'api',
        });
      }
    }
    await db.transaction().execute(async (trx) => {
      await trx.insertInto('contacts').values(contacts).execute();
      await trx.insertInto('conversations').values(conversations).execute();
      if (labels.length > 0) await trx.insertInto('conversation_labels').values(labels).execute();
      // Messages have 18 columns: keep each statement under SQLite's and PostgreSQL's parameter limits.
      for (let j = 0; j < messages.length; j += 1000)
        await trx
          .insertInto('messages')
          .values(messages.slice(j, j + 1000))
          .execute();
    });
    onProgress?.(start + n);
  }
  return {
    userIds,
    teamIds,
    labelNames,
    channelIds,
    sampleRecord: { type: 'service_request', id: `SR-${20 * Math.floor(shape.conversations / 40)}` },
    sampleName: 'Gina 12',
  };
}

/**
 * The same inbox generated by PostgreSQL itself (generate_series), for the 1,000,000-conversation /
 * 10,000,000-message run: row-by-row inserts from Node would take most of an hour. Spread by
 * multiplicative hashing of the row number instead of a random generator: deterministic, and
 * close to the JS seeding's shares (20/30/50 % status, 60 % assigned, 50 % in a team, 10 %
 * unread, 10 % labelled, 5 % linked).
 */
const SQL_NAMES = ['Ana', 'Bruno', 'Carla', 'Dario', 'Elena', 'Fabio', 'Gina', 'Hugo', 'Iris', 'Jonas'];

export async function seedInboxInPostgres(
  db: Kysely<Database>,
  shape: SeedShape,
  now: number,
  say: (line: string) => void,
): Promise<SeedFacts> {
  const facts = await seedInbox(db, { conversations: 0, messagesPerConversation: 0 }, now);
  const n = shape.conversations;
  const m = shape.messagesPerConversation;
  const span = 90 * DAY;
  const t0 = Date.now();
  const step = async (what: string, query: ReturnType<typeof sql>) => {
    await query.execute(db);
    say(`    ${what} (${Math.round((Date.now() - t0) / 1000)} s)`);
  };
  await step(
    `${n.toLocaleString('en')} contacts`,
    sql`insert into contacts (id, channel_kind, external_id, phone_e164, profile_name, created_at, updated_at)
        select 'ct_bench_' || i, 'whatsapp', (10000000000 + i)::text, '+' || (10000000000 + i)::text,
               (array['Ana','Bruno','Carla','Dario','Elena','Fabio','Gina','Hugo','Iris','Jonas'])[1 + (i * 7) % 10] || ' ' || i,
               ${now} - (i * 2654435761) % ${span}, ${now} - (i * 2654435761) % ${span}
        from generate_series(0, ${n - 1}::bigint) as g(i)`,
  );
  await step(
    `${n.toLocaleString('en')} conversations`,
    sql`insert into conversations (id, channel_id, contact_id, status, last_customer_message_at, last_message_at, last_message_preview,
          unread_count, created_at, updated_at, assignee_id, team_id, linked_record_type, linked_record_id)
        select 'conv_bench_' || lpad(i::text, 9, '0'), 'wa_bench_' || (1 + i % 2), 'ct_bench_' || i,
               case when abs(hashint8(i)) % 10 < 2 then 'active' when abs(hashint8(i)) % 10 < 5 then 'archived' else 'closed' end,
               ${now} - (i * 2654435761) % ${span}, ${now} - (i * 2654435761) % ${span}, 'message ' || i,
               case when abs(hashint8(i + 1000000007)) % 10 = 0 then 1 + i % 3 else 0 end,
               ${now} - (i * 2654435761) % ${span} - ${DAY}, ${now} - (i * 2654435761) % ${span},
               case when abs(hashint8(i + 2000000011)) % 10 < 6 then 'usr_bench_' || abs(hashint8(i + 3000000019)) % 20 end,
               case when abs(hashint8(i + 4000000007)) % 2 = 0 then 'team_bench_' || abs(hashint8(i + 5000000003)) % 4 end,
               case when i % 20 = 0 then 'service_request' end, case when i % 20 = 0 then 'SR-' || i end
        from generate_series(0, ${n - 1}::bigint) as g(i)`,
  );
  await step(
    'labels',
    sql`insert into conversation_labels (conversation_id, label_id, created_at)
        select 'conv_bench_' || lpad(i::text, 9, '0'), 'lbl_bench_' || abs(hashint8(i + 6000000011)) % 10, ${now}
        from generate_series(0, ${n - 1}::bigint) as g(i) where abs(hashint8(i + 7000000001)) % 10 = 0`,
  );
  // Messages in slices so each statement stays a few seconds and progress shows.
  const slice = 100_000;
  for (let from = 0; from < n; from += slice) {
    const to = Math.min(n, from + slice) - 1;
    await sql`insert into messages (id, conversation_id, channel_id, direction, external_id, kind, text, content, status, status_at, sent_at, created_at, attempts, author)
        select 'msg_bench_' || i || '_' || k, 'conv_bench_' || lpad(i::text, 9, '0'), 'wa_bench_1',
               case when k % 2 = 0 then 'in' else 'out' end, 'wamid.bench.' || i || '.' || k, 'text', 'message ' || k || ' of ' || i, '{}',
               case when k % 2 = 0 then 'processed' else 'read' end,
               ${now} - (i * 2654435761) % ${span} - (${m} - k) * 60000, ${now} - (i * 2654435761) % ${span} - (${m} - k) * 60000,
               ${now} - (i * 2654435761) % ${span} - (${m} - k) * 60000, 0, case when k % 2 = 0 then 'customer' else 'api' end
        from generate_series(${from}::bigint, ${to}::bigint) as g(i), generate_series(0, ${m - 1}) as h(k)`.execute(db);
    if ((to + 1) % 200_000 === 0 || to + 1 === n)
      say(`    messages for ${(to + 1).toLocaleString('en')} conversations (${Math.round((Date.now() - t0) / 1000)} s)`);
  }
  return {
    ...facts,
    sampleRecord: { type: 'service_request', id: `SR-${20 * Math.floor(n / 40)}` },
    sampleName: `${SQL_NAMES[((n - 3) * 7) % 10]} ${n - 3}`,
  };
}
