import { createHash } from 'node:crypto';
import { isWaId } from '../core/whatsapp-ids.ts';
import { newId } from '../core/ids.ts';
import type { Executor } from '../jobs/job-queue.ts';
import type { Database } from '../storage/database-types.ts';
import { isPlainObject } from './expression.ts';
import type { FlowDocument } from './flow-types.ts';
import type { SessionState, SessionStatus, StepRecord, Awaiting } from './step-session.ts';

export type FlowRow = Database['flows'];
export type SessionRow = Database['flow_sessions'];

export function checksumOf(doc: unknown): string {
  return createHash('sha256').update(JSON.stringify(doc)).digest('hex');
}

export async function getFlow(db: Executor, id: string): Promise<FlowRow | undefined> {
  return db.selectFrom('flows').selectAll().where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
}

export async function listFlows(db: Executor): Promise<FlowRow[]> {
  return db.selectFrom('flows').selectAll().where('deleted_at', 'is', null).orderBy('id').execute();
}

/** Creates a flow, or revives a deleted one with the same id. */
export async function saveDraft(db: Executor, doc: FlowDocument, source: string, now: number): Promise<void> {
  await db
    .insertInto('flows')
    .values({
      id: doc.id,
      name: doc.name,
      draft: JSON.stringify(doc),
      published_version: null,
      source,
      created_at: now,
      updated_at: now,
      deleted_at: null,
    })
    .onConflict((oc) =>
      oc.column('id').doUpdateSet({ name: doc.name, draft: JSON.stringify(doc), source, updated_at: now, deleted_at: null }),
    )
    .execute();
}

export async function deleteFlow(db: Executor, id: string, now: number): Promise<boolean> {
  const r = await db
    .updateTable('flows')
    .set({ deleted_at: now, updated_at: now })
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export async function latestVersion(db: Executor, flowId: string): Promise<Database['flow_versions'] | undefined> {
  return db.selectFrom('flow_versions').selectAll().where('flow_id', '=', flowId).orderBy('version', 'desc').limit(1).executeTakeFirst();
}

export async function listVersions(db: Executor, flowId: string): Promise<Array<Omit<Database['flow_versions'], 'document'>>> {
  return db
    .selectFrom('flow_versions')
    .select(['flow_id', 'version', 'checksum', 'published_at', 'published_by', 'rollback_of'])
    .where('flow_id', '=', flowId)
    .orderBy('version', 'desc')
    .execute();
}

/** Appends an immutable version and points the flow at it. */
export async function insertVersion(
  db: Executor,
  input: { flowId: string; doc: FlowDocument; by: string; rollbackOf?: number; now: number },
): Promise<number> {
  const last = await latestVersion(db, input.flowId);
  const version = (last?.version ?? 0) + 1;
  await db
    .insertInto('flow_versions')
    .values({
      flow_id: input.flowId,
      version,
      document: JSON.stringify(input.doc),
      checksum: checksumOf(input.doc),
      published_at: input.now,
      published_by: input.by,
      rollback_of: input.rollbackOf ?? null,
    })
    .execute();
  await db.updateTable('flows').set({ published_version: version, updated_at: input.now }).where('id', '=', input.flowId).execute();
  forgetPublished(db);
  return version;
}

// Published versions never change: their parsed documents are kept by checksum (not by
// flow@version, which another database, or a reset one, may reuse for a different document).
const docCache = new Map<string, FlowDocument>();

function remember(checksum: string, document: () => string): FlowDocument {
  const hit = docCache.get(checksum);
  if (hit) return hit;
  const doc: FlowDocument = JSON.parse(document());
  if (docCache.size > 1000) docCache.clear();
  docCache.set(checksum, doc);
  return doc;
}

export async function getVersionDoc(db: Executor, flowId: string, version: number): Promise<FlowDocument | undefined> {
  const row = await db
    .selectFrom('flow_versions')
    .select('checksum')
    .where('flow_id', '=', flowId)
    .where('version', '=', version)
    .executeTakeFirst();
  if (!row) return undefined;
  if (docCache.has(row.checksum)) return docCache.get(row.checksum);
  const full = await db
    .selectFrom('flow_versions')
    .select('document')
    .where('flow_id', '=', flowId)
    .where('version', '=', version)
    .executeTakeFirstOrThrow();
  return remember(row.checksum, () => full.document);
}

export interface PublishedFlow {
  id: string;
  version: number;
  doc: FlowDocument;
}

// Every inbound message asks "which flows are live?": kept briefly per database; a publish
// clears it here, and another process's publish is seen within the TTL.
const PUBLISHED_TTL_MS = 2_000;
const publishedCache = new WeakMap<object, { at: number; flows: PublishedFlow[] }>();

export async function publishedFlows(db: Executor): Promise<PublishedFlow[]> {
  const key = cacheKey(db);
  const hit = publishedCache.get(key);
  if (hit && Date.now() - hit.at < PUBLISHED_TTL_MS) return hit.flows;
  const rows = await db
    .selectFrom('flows as f')
    .innerJoin('flow_versions as v', (j) => j.onRef('v.flow_id', '=', 'f.id').onRef('v.version', '=', 'f.published_version'))
    .select(['f.id', 'v.version', 'v.checksum'])
    .where('f.deleted_at', 'is', null)
    .orderBy('f.id')
    .execute();
  const flows: PublishedFlow[] = [];
  for (const r of rows) {
    const cached = docCache.get(r.checksum);
    const doc = cached ?? (await getVersionDoc(db, r.id, r.version));
    if (doc) flows.push({ id: r.id, version: r.version, doc });
  }
  publishedCache.set(key, { at: Date.now(), flows });
  return flows;
}

/** The connection pool behind a Kysely instance or transaction: one cache per database. */
function cacheKey(db: Executor): object {
  return db.getExecutor().adapter;
}

export function forgetPublished(db: Executor): void {
  publishedCache.delete(cacheKey(db));
}

// ---- sessions ----

export async function findLiveSession(db: Executor, contactId: string, channelId: string): Promise<SessionRow | undefined> {
  return db
    .selectFrom('flow_sessions')
    .selectAll()
    .where('contact_id', '=', contactId)
    .where('channel_id', '=', channelId)
    .where('status', 'in', ['active', 'waiting'])
    .orderBy('started_at', 'desc')
    .limit(1)
    .executeTakeFirst();
}

export async function getSession(db: Executor, id: string): Promise<SessionRow | undefined> {
  return db.selectFrom('flow_sessions').selectAll().where('id', '=', id).executeTakeFirst();
}

export function stateOf(row: SessionRow): SessionState {
  const vars: unknown = JSON.parse(row.variables);
  const v = isPlainObject(vars) ? vars : {};
  return {
    flowId: row.flow_id,
    version: row.version,
    block: row.current_block,
    status: asStatus(row.status),
    awaiting: asAwaiting(row.awaiting),
    reason: row.reason,
    vars: { session: isPlainObject(v.session) ? v.session : {}, result: isPlainObject(v.result) ? v.result : {} },
    reengage: isPlainObject(v.engine) && (v.engine.reengage === 'sent' || v.engine.reengage === 'done') ? v.engine.reengage : null,
    retries: row.retries,
    blockEnteredAt: row.block_entered_at,
    wakeAt: row.wake_at,
  };
}

export async function insertSession(
  db: Executor,
  input: { state: SessionState; contactId: string; channelId: string; conversationId: string; now: number; id?: string },
): Promise<SessionRow> {
  const s = input.state;
  const row: SessionRow = {
    id: input.id ?? newId('fls', input.now),
    contact_id: input.contactId,
    channel_id: input.channelId,
    conversation_id: input.conversationId,
    ...stateColumns(s, input.now),
    step: 0,
    started_at: input.now,
  };
  await db.insertInto('flow_sessions').values(row).execute();
  return row;
}

/** The channel's account id (WhatsApp phone_number_id): which configured number a session is on. */
export async function channelAccountId(db: Executor, channelId: string): Promise<string | null> {
  const r = await db.selectFrom('channels').select('account_id').where('id', '=', channelId).executeTakeFirst();
  return r?.account_id ?? null;
}

/** Writes the new state if nobody moved the session since `step`; returns the new step or null. */
export async function updateSession(db: Executor, id: string, step: number, s: SessionState, now: number): Promise<number | null> {
  const r = await db
    .updateTable('flow_sessions')
    .set({ ...stateColumns(s, now), step: step + 1 })
    .where('id', '=', id)
    .where('step', '=', step)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0 ? step + 1 : null;
}

/** The columns a session's state owns, as written at its start and at every step. */
function stateColumns(s: SessionState, now: number) {
  const ended = s.status === 'succeeded' || s.status === 'failed' || s.status === 'expired';
  return {
    flow_id: s.flowId,
    version: s.version,
    current_block: s.block,
    status: s.status,
    awaiting: s.awaiting,
    reason: s.reason,
    variables: varsJson(s),
    retries: s.retries,
    block_entered_at: s.blockEnteredAt,
    wake_at: s.wakeAt,
    updated_at: now,
    ended_at: ended ? now : null,
  };
}

/** Session variables plus the engine's own bookkeeping (kept apart so no flow can read or set it). */
function varsJson(s: SessionState): string {
  return JSON.stringify(s.reengage ? { ...s.vars, engine: { reengage: s.reengage } } : s.vars);
}

export async function insertSteps(
  db: Executor,
  session: { id: string; flowId: string; version: number },
  steps: StepRecord[],
  now: number,
): Promise<void> {
  if (steps.length === 0) return;
  await db
    .insertInto('flow_session_steps')
    .values(
      steps.map((s) => ({
        id: newId('flst', now),
        session_id: session.id,
        flow_id: session.flowId,
        version: session.version,
        block: s.block,
        block_type: s.blockType,
        entered_at: s.enteredAt,
        left_at: s.leftAt,
        exit: s.exit,
        answer: s.answer,
        valid: s.valid === null ? null : s.valid ? 1 : 0,
      })),
    )
    .execute();
}

export async function sessionSteps(db: Executor, sessionId: string): Promise<Array<Database['flow_session_steps']>> {
  return db.selectFrom('flow_session_steps').selectAll().where('session_id', '=', sessionId).orderBy('id').execute();
}

export async function listSessions(db: Executor, flowId: string, opts: { status?: string; limit: number }): Promise<SessionRow[]> {
  let q = db.selectFrom('flow_sessions').selectAll().where('flow_id', '=', flowId);
  if (opts.status) q = q.where('status', '=', opts.status);
  return q.orderBy('started_at', 'desc').orderBy('id', 'desc').limit(opts.limit).execute();
}

/**
 * Sessions whose wait is over (the sweeper: clocks that jump, engines that poll late). A session
 * in a conversation whose bot is paused stays frozen: it is due again once the pause lifts.
 */
export async function dueSessions(
  db: Executor,
  now: number,
  limit: number,
): Promise<Array<Pick<SessionRow, 'id' | 'conversation_id' | 'step'>>> {
  return db
    .selectFrom('flow_sessions as s')
    .select(['s.id', 's.conversation_id', 's.step'])
    .where('s.status', '=', 'waiting')
    .where('s.wake_at', '<=', now)
    .where(({ not, exists, selectFrom }) =>
      not(exists(selectFrom('bot_pauses as bp').select('bp.conversation_id').whereRef('bp.conversation_id', '=', 's.conversation_id'))),
    )
    .limit(limit)
    .execute();
}

// ---- results ----

export async function insertResult(db: Executor, row: Database['flow_results']): Promise<void> {
  await db
    .insertInto('flow_results')
    .values(row)
    .onConflict((oc) => oc.column('session_id').doNothing())
    .execute();
}

export async function listResults(
  db: Executor,
  flowId: string,
  opts: { limit: number; version?: number },
): Promise<Array<Database['flow_results']>> {
  let q = db.selectFrom('flow_results').selectAll().where('flow_id', '=', flowId);
  if (opts.version !== undefined) q = q.where('version', '=', opts.version);
  return q.orderBy('ended_at', 'desc').orderBy('session_id', 'desc').limit(opts.limit).execute();
}

// ---- the conversation around a message ----

export interface InboundContext {
  contactId: string;
  contactName: string | null;
  /** whatsapp | telegram: read as {{contact.channel}}, so a flow can branch on the channel. */
  channel?: string;
  /** The WhatsApp number (digits) when known; never a BSUID (docs/whatsapp-identity.md). */
  waId: string | null;
  bsuid: string | null;
  username: string | null;
  phone: string | null;
  attributes: Record<string, unknown>;
  replyId: string | null;
  conversationStatus: string;
  /** The message's shared location / media / the business message it replies to (ask location, image, document; template buttons). */
  location?: { latitude: number; longitude: number; name?: string; address?: string } | null;
  media?: { id: string; mime_type?: string; filename?: string; caption?: string } | null;
  contextMessageId?: string | null;
}

export async function inboundContext(db: Executor, messageId: string): Promise<InboundContext | undefined> {
  const row = await db
    .selectFrom('messages as m')
    .innerJoin('conversations as c', 'c.id', 'm.conversation_id')
    .innerJoin('contacts as ct', 'ct.id', 'c.contact_id')
    // The channel the message came on: a contact merged across channels has one kind of its own.
    .leftJoin('channels as ch', 'ch.id', 'c.channel_id')
    .select([
      'ch.kind as conversation_channel',
      'm.content',
      'c.status',
      'ct.id as contact_id',
      'ct.name',
      'ct.profile_name',
      'ct.external_id',
      'ct.channel_kind',
      'ct.phone_e164',
      'ct.attributes',
      'ct.bsuid',
      'ct.username',
    ])
    .where('m.id', '=', messageId)
    .executeTakeFirst();
  if (!row) return undefined;
  const content = safeJson(row.content);
  const reply = isPlainObject(content) && isPlainObject(content.reply) ? content.reply : undefined;
  const attrs = safeJson(row.attributes);
  return {
    contactId: row.contact_id,
    contactName: row.name ?? row.profile_name,
    channel: row.conversation_channel ?? row.channel_kind,
    waId: row.channel_kind === 'whatsapp' && isWaId(row.external_id) ? row.external_id : null,
    bsuid: row.bsuid,
    username: row.username,
    phone: row.phone_e164,
    attributes: isPlainObject(attrs) ? attrs : {},
    replyId: reply && typeof reply.id === 'string' ? reply.id : null,
    conversationStatus: row.status,
    ...contentExtras(content),
  };
}

/** Location, media and reply context of a stored inbound message (the channel's normalised shape). */
function contentExtras(content: unknown): Pick<InboundContext, 'location' | 'media' | 'contextMessageId'> {
  if (!isPlainObject(content)) return { location: null, media: null, contextMessageId: null };
  const l = content.location;
  const m = content.media;
  const c = content.context;
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  return {
    location:
      isPlainObject(l) && typeof l.latitude === 'number' && typeof l.longitude === 'number'
        ? {
            latitude: l.latitude,
            longitude: l.longitude,
            ...(str(l.name) ? { name: str(l.name) } : {}),
            ...(str(l.address) ? { address: str(l.address) } : {}),
          }
        : null,
    media:
      isPlainObject(m) && typeof m.id === 'string'
        ? {
            id: m.id,
            ...(str(m.mimeType) ? { mime_type: str(m.mimeType) } : {}),
            ...(str(m.filename) ? { filename: str(m.filename) } : {}),
            ...(str(m.caption) ? { caption: str(m.caption) } : {}),
          }
        : null,
    contextMessageId: isPlainObject(c) ? (str(c.messageId) ?? null) : null,
  };
}

/** The template an outbound message was (template buttons name their template by the message they reply to). */
export async function templateOfMessage(db: Executor, channelId: string, externalId: string): Promise<string | null> {
  const row = await db
    .selectFrom('messages')
    .select('template_name')
    .where('channel_id', '=', channelId)
    .where('external_id', '=', externalId)
    .where('direction', '=', 'out')
    .executeTakeFirst();
  return row?.template_name ?? null;
}

/** Removes a session that never ran (an API template start whose template could not be sent). */
export async function deleteSession(db: Executor, id: string): Promise<void> {
  await db.deleteFrom('flow_sessions').where('id', '=', id).execute();
}

export async function contactContext(db: Executor, contactId: string): Promise<InboundContext | undefined> {
  const ct = await db
    .selectFrom('contacts')
    .select(['id', 'name', 'profile_name', 'external_id', 'channel_kind', 'phone_e164', 'attributes', 'bsuid', 'username'])
    .where('id', '=', contactId)
    .executeTakeFirst();
  if (!ct) return undefined;
  const attrs = safeJson(ct.attributes);
  return {
    contactId: ct.id,
    contactName: ct.name ?? ct.profile_name,
    channel: ct.channel_kind,
    waId: ct.channel_kind === 'whatsapp' && isWaId(ct.external_id) ? ct.external_id : null,
    bsuid: ct.bsuid,
    username: ct.username,
    phone: ct.phone_e164,
    attributes: isPlainObject(attrs) ? attrs : {},
    replyId: null,
    conversationStatus: 'active',
  };
}

export async function mergeContactAttributes(db: Executor, contactId: string, values: Record<string, unknown>, now: number): Promise<void> {
  const ct = await db.selectFrom('contacts').select('attributes').where('id', '=', contactId).executeTakeFirst();
  const current = safeJson(ct?.attributes ?? '{}');
  const merged = { ...(isPlainObject(current) ? current : {}), ...values };
  await db
    .updateTable('contacts')
    .set({ attributes: JSON.stringify(merged), updated_at: now })
    .where('id', '=', contactId)
    .execute();
}

/** Marks an inbound message handled; false when another run did it first. */
export async function claimMessage(db: Executor, messageId: string, now: number): Promise<boolean> {
  const r = await db
    .updateTable('messages')
    .set({ status: 'processed', status_at: now })
    .where('id', '=', messageId)
    .where('status', '=', 'received')
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** Fills the conversation's linked-record columns (0004-inbox). */
export async function linkRecord(
  db: Executor,
  conversationId: string,
  record: { type: string; id: string; url: string | null; title: string | null; attributes: Record<string, unknown> },
  now: number,
): Promise<void> {
  await db
    .updateTable('conversations')
    .set({
      linked_record_type: record.type,
      linked_record_id: record.id,
      linked_record: JSON.stringify({ url: record.url, title: record.title, attributes: record.attributes }),
      updated_at: now,
    })
    .where('id', '=', conversationId)
    .execute();
}

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return null;
  }
}

function asStatus(s: string): SessionStatus {
  return s === 'active' || s === 'waiting' || s === 'succeeded' || s === 'failed' || s === 'expired' ? s : 'failed';
}

function asAwaiting(s: string | null): Awaiting {
  return s === 'answer' || s === 'wake' || s === 'http' || s === 'button' || s === 'template' || s === 'ai' ? s : null;
}
