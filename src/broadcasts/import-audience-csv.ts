import type { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import { isSupportedCountry, type CountryCode } from 'libphonenumber-js';
import { newId } from '../core/ids.ts';
import { normalizePhone, waIdVariants } from '../core/phone.ts';
import { isBsuid } from '../core/whatsapp-ids.ts';
import { mergeAttributes } from '../contacts/contact-fields.ts';
import { findOrCreateByBsuid } from '../contacts/whatsapp-contact-store.ts';
import type { Deps } from '../deps.ts';
import {
  contactsByBsuid,
  contactsByExternalId,
  contactsByTelegramChat,
  deleteAudience,
  finishAudience,
  getAudience,
  insertAudience,
  insertMembers,
  insertPhoneContacts,
  type AudienceRow,
  type ContactIdentityRow,
} from './audience-store.ts';

/** Why a CSV row was not imported. */
export type RejectReason = 'bad_number' | 'missing_variable' | 'duplicate' | 'opted_out' | 'blocked' | 'unknown_chat';
export interface RejectedRow {
  line: number;
  reason: RejectReason;
  message: string;
  value?: string;
}
export interface ImportReport {
  imported: number;
  rejected: number;
  /** Every reason a file of its kind can give (unknown_chat: a file of Telegram chat ids), with its count. */
  by_reason: Partial<Record<RejectReason, number>>;
  /** The first rejected rows (all of them up to REPORTED_ROWS). */
  rejected_rows: RejectedRow[];
}

export type ImportOutcome =
  | { ok: true; audience: AudienceRow; report: ImportReport }
  | {
      ok: false;
      reason: 'invalid_csv' | 'phone_column_missing' | 'invalid_country' | 'csv_too_large';
      message: string;
      details?: Record<string, unknown>;
    };

export const REPORTED_ROWS = 1000;
const BATCH = 500;

interface Row {
  line: number;
  identity: { kind: 'phone'; waId: string; e164: string } | { kind: 'bsuid'; bsuid: string } | { kind: 'telegram'; chatId: string };
  variables: Record<string, string>;
  /** `attributes.<key>` columns: set on the contact (an empty cell sets nothing). */
  attributes: Record<string, string>;
}

/** A column named `attributes.<key>` sets the contact attribute <key> instead of being a variable. */
export const ATTRIBUTE_COLUMN_PREFIX = 'attributes.';
const isAttributeColumn = (c: string) => c.startsWith(ATTRIBUTE_COLUMN_PREFIX) && c.length > ATTRIBUTE_COLUMN_PREFIX.length;
/** A Telegram audience's column: the chat id of a customer who wrote to a bot (the first of these the header has). */
export const CHAT_ID_COLUMNS = ['telegram_chat_id', 'chat_id'] as const;
/** A private chat's id is the user's (digits); a group's is negative. */
const CHAT_ID = /^-?[0-9]{1,20}$/;

/**
 * Imports a CSV audience as it streams in (csv-parse): a phone column (E.164, or national numbers
 * of `defaultCountry`), a bsuid column or a Telegram chat id column (`telegram_chat_id` or
 * `chat_id`: customers known by the chat they opened with a bot; an unknown chat is rejected, as a
 * bot cannot write first), and one column per variable. Each bad row is reported
 * with its line number and reason and left out; the good rows become members (contacts are created
 * for numbers never seen). Rows go to the database in batches, each its own short transaction, so
 * a large upload never holds the database's write lock for long; an upload that is not CSV removes
 * what it had imported.
 */
export async function importAudienceCsv(
  deps: Deps,
  input: { name: string; defaultCountry?: string; phoneColumn?: string; createdBy: string; maxBytes: number },
  source: Readable,
): Promise<ImportOutcome> {
  const db = deps.storage.db;
  const now = deps.clock.now();
  let country: CountryCode | undefined;
  if (input.defaultCountry !== undefined) {
    const c = input.defaultCountry.toUpperCase();
    if (!isSupportedCountry(c))
      return {
        ok: false,
        reason: 'invalid_country',
        message: `default_country must be an ISO 3166 country code like MX or US; got "${input.defaultCountry}".`,
      };
    country = c;
  }
  const phoneColumn = input.phoneColumn ?? 'phone';
  const id = newId('aud', now);
  const report: ImportReport = {
    imported: 0,
    rejected: 0,
    by_reason: { bad_number: 0, missing_variable: 0, duplicate: 0, opted_out: 0, blocked: 0 },
    rejected_rows: [],
  };
  const reject = (r: RejectedRow) => {
    report.rejected++;
    report.by_reason[r.reason] = (report.by_reason[r.reason] ?? 0) + 1;
    if (report.rejected_rows.length < REPORTED_ROWS) report.rejected_rows.push(r);
  };
  const seen = new Map<string, number>(); // contact id -> the line that brought it
  let columns: string[] | undefined;
  let chatColumn: string | undefined;
  let batch: Row[] = [];
  let bytes = 0;
  const parser = parse({
    columns: true,
    bom: true,
    trim: true,
    skip_empty_lines: true,
    relax_column_count: true,
    info: true,
    max_record_size: 64 * 1024,
  });
  source.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
    // Refused, but the rest is read away (not the socket closed), so the client gets its 413.
    if (bytes > input.maxBytes && !parser.destroyed) {
      source.unpipe(parser);
      parser.destroy(new TooLarge());
      source.resume();
    }
  });
  source.on('error', (err) => parser.destroy(err));
  // The loop below gets the parser's error; this keeps a second one (writes after it) from going unhandled.
  parser.on('error', () => undefined);
  source.pipe(parser);
  await insertAudience(db, {
    id,
    name: input.name,
    kind: 'csv',
    segment: null,
    columns: null,
    default_country: country ?? null,
    report: null,
    created_by: input.createdBy,
    created_at: now,
  });
  try {
    for await (const record of parser) {
      const { record: fields, info } = readRecord(record);
      if (columns === undefined) {
        columns = Object.keys(fields);
        chatColumn = CHAT_ID_COLUMNS.find((c) => columns?.includes(c));
        if (chatColumn !== undefined) report.by_reason.unknown_chat = 0;
        if (!columns.includes(phoneColumn) && !columns.includes('bsuid') && chatColumn === undefined) {
          source.unpipe(parser);
          source.resume();
          await deleteAudience(db, id);
          return {
            ok: false,
            reason: 'phone_column_missing',
            message: `The CSV has no "${phoneColumn}" (or "bsuid", or "telegram_chat_id") column; its header has: ${columns.join(', ')}.`,
            details: { columns },
          };
        }
      }
      const row = readRow(fields, info, { phone: phoneColumn, chat: chatColumn }, country, reject);
      if (row) batch.push(row);
      if (batch.length >= BATCH) {
        await importBatch(deps, id, batch, seen, report, reject, now);
        batch = [];
      }
    }
    await importBatch(deps, id, batch, seen, report, reject, now);
  } catch (err) {
    // Read the rest of the upload away, so the answer can be sent on the same connection.
    source.unpipe(parser);
    if (!source.destroyed) source.resume();
    await deleteAudience(db, id);
    if (err instanceof TooLarge) return { ok: false, reason: 'csv_too_large', message: `The CSV is larger than ${input.maxBytes} bytes.` };
    if (isCsvError(err)) return { ok: false, reason: 'invalid_csv', message: `Not a CSV file this can read: ${err.message}` };
    throw err;
  }
  const variableColumns = (columns ?? []).filter((c) => c !== phoneColumn && c !== 'bsuid' && c !== chatColumn && !isAttributeColumn(c));
  await db
    .updateTable('audiences')
    .set({ columns: JSON.stringify(variableColumns) })
    .where('id', '=', id)
    .execute();
  await finishAudience(db, id, { members: report.imported, rejected: report.rejected, report: JSON.stringify(report) });
  const audience = await getAudience(db, id);
  if (!audience) throw new Error(`audience ${id} vanished`);
  return { ok: true, audience, report };
}

class TooLarge extends Error {}

function isCsvError(err: unknown): err is Error {
  return err instanceof Error && 'code' in err && typeof err.code === 'string' && err.code.startsWith('CSV_');
}

function readRecord(raw: unknown): { record: Record<string, string>; info: number } {
  const out: Record<string, string> = {};
  let line = 0;
  if (typeof raw === 'object' && raw !== null && 'record' in raw && 'info' in raw) {
    const { record, info } = raw;
    if (typeof record === 'object' && record !== null) for (const [k, v] of Object.entries(record)) out[k] = typeof v === 'string' ? v : '';
    if (typeof info === 'object' && info !== null && 'lines' in info && typeof info.lines === 'number') line = info.lines;
  }
  return { record: out, info: line };
}

function readRow(
  fields: Record<string, string>,
  line: number,
  identityColumns: { phone: string; chat: string | undefined },
  country: CountryCode | undefined,
  reject: (r: RejectedRow) => void,
): Row | undefined {
  const phoneColumn = identityColumns.phone;
  const variables: Record<string, string> = {};
  const attributes: Record<string, string> = {};
  const missing: string[] = [];
  for (const [k, v] of Object.entries(fields)) {
    if (k === phoneColumn || k === 'bsuid' || k === identityColumns.chat) continue;
    if (isAttributeColumn(k)) {
      if (v !== '') attributes[k.slice(ATTRIBUTE_COLUMN_PREFIX.length)] = v;
      continue;
    }
    if (v === '') missing.push(k);
    else variables[k] = v;
  }
  const bsuid = fields.bsuid ?? '';
  const phone = fields[phoneColumn] ?? '';
  const chat = identityColumns.chat ? (fields[identityColumns.chat] ?? '') : '';
  let identity: Row['identity'];
  if (identityColumns.chat !== undefined && (chat !== '' || (phone === '' && bsuid === ''))) {
    if (!CHAT_ID.test(chat))
      return void reject({
        line,
        reason: 'bad_number',
        message: `${identityColumns.chat}: ${chat === '' ? 'empty' : 'not a Telegram chat id (digits, like 7104235522)'}.`,
        value: chat,
      });
    identity = { kind: 'telegram', chatId: chat };
  } else if (bsuid !== '') {
    if (!isBsuid(bsuid))
      return void reject({
        line,
        reason: 'bad_number',
        message: 'bsuid is not a WhatsApp business-scoped user ID (like US.13491208655302741918).',
        value: bsuid,
      });
    identity = { kind: 'bsuid', bsuid };
  } else {
    const n = normalizePhone(phone, country);
    if (!n.ok)
      return void reject({
        line,
        reason: 'bad_number',
        message: `${phoneColumn}: ${n.message}${country ? '' : ' (no default_country: numbers need their +country code)'}.`,
        value: phone,
      });
    identity = { kind: 'phone', waId: n.waId, e164: n.e164 };
  }
  if (missing.length > 0)
    return void reject({ line, reason: 'missing_variable', message: `Empty value for ${missing.join(', ')}.`, value: missing.join(',') });
  return { line, identity, variables, attributes };
}

async function importBatch(
  deps: Deps,
  audienceId: string,
  rows: Row[],
  seen: Map<string, number>,
  report: ImportReport,
  reject: (r: RejectedRow) => void,
  now: number,
): Promise<void> {
  if (rows.length === 0) return;
  const db = deps.storage.db;
  const contactOf = await db.transaction().execute(async (trx) => {
    // A known customer may be known by a variant of the number (Mexico's 521, Brazil's ninth digit).
    const phones = rows.flatMap((r) => (r.identity.kind === 'phone' ? [r.identity] : []));
    const byId = new Map<string, ContactIdentityRow>();
    for (const c of await contactsByExternalId(trx, [...new Set(phones.flatMap((p) => waIdVariants(p.waId)))])) byId.set(c.external_id, c);
    const fresh = new Map<string, { id: string; waId: string; e164: string }>();
    for (const p of phones)
      if (!waIdVariants(p.waId).some((v) => byId.has(v)) && !fresh.has(p.waId))
        fresh.set(p.waId, { id: newId('ct', now), waId: p.waId, e164: p.e164 });
    for (const c of await insertPhoneContacts(trx, [...fresh.values()], now)) byId.set(c.external_id, c);
    // Created meanwhile by another writer (PostgreSQL): not returned by the insert, read here.
    const raced = [...fresh.keys()].filter((k) => !byId.has(k));
    for (const c of await contactsByExternalId(trx, raced)) byId.set(c.external_id, c);
    const bsuids = rows.flatMap((r) => (r.identity.kind === 'bsuid' ? [r.identity.bsuid] : []));
    const byBsuid = new Map<string, ContactIdentityRow>();
    for (const c of await contactsByBsuid(trx, bsuids)) if (c.bsuid) byBsuid.set(c.bsuid, c);
    for (const b of bsuids) {
      if (byBsuid.has(b)) continue;
      const c = await findOrCreateByBsuid(trx, b, now);
      byBsuid.set(b, { id: c.id, external_id: c.external_id, bsuid: b, opted_in: null, blocked: 0 });
    }
    // Telegram chats are looked up, never created: a bot can only write to a chat that wrote first.
    const chats = rows.flatMap((r) => (r.identity.kind === 'telegram' ? [r.identity.chatId] : []));
    const byChat = new Map<string, ContactIdentityRow>();
    for (const c of await contactsByTelegramChat(trx, [...new Set(chats)])) if (c.telegram_chat_id) byChat.set(c.telegram_chat_id, c);
    return (r: Row): ContactIdentityRow | undefined => {
      if (r.identity.kind === 'telegram') return byChat.get(r.identity.chatId);
      if (r.identity.kind === 'bsuid') return byBsuid.get(r.identity.bsuid);
      for (const v of waIdVariants(r.identity.waId)) {
        const c = byId.get(v);
        if (c) return c;
      }
      return undefined;
    };
  });
  const members: Array<{ audience_id: string; contact_id: string; line: number; variables: string }> = [];
  const attributeUpdates = new Map<string, Record<string, string>>();
  for (const r of rows) {
    const c = contactOf(r);
    const value = r.identity.kind === 'phone' ? r.identity.e164 : r.identity.kind === 'bsuid' ? r.identity.bsuid : r.identity.chatId;
    if (!c && r.identity.kind === 'telegram') {
      reject({
        line: r.line,
        reason: 'unknown_chat',
        message: 'No customer has written to a bot from this chat: a bot can only write to a chat that wrote to it first.',
        value,
      });
      continue;
    }
    if (!c) throw new Error(`no contact for line ${r.line}`);
    const first = seen.get(c.id);
    if (first !== undefined) {
      reject({ line: r.line, reason: 'duplicate', message: `The same customer as line ${first}.`, value });
      continue;
    }
    seen.set(c.id, r.line);
    if (c.opted_in === 0) {
      reject({ line: r.line, reason: 'opted_out', message: 'This customer opted out of messages from the business.', value });
      continue;
    }
    if (Number(c.blocked) === 1) {
      reject({ line: r.line, reason: 'blocked', message: 'This contact is blocked.', value });
      continue;
    }
    if (c.blocked_by_user_at !== null && c.blocked_by_user_at !== undefined) {
      reject({ line: r.line, reason: 'blocked', message: 'This customer blocked the bot.', value });
      continue;
    }
    members.push({ audience_id: audienceId, contact_id: c.id, line: r.line, variables: JSON.stringify(r.variables) });
    if (Object.keys(r.attributes).length > 0) attributeUpdates.set(c.id, r.attributes);
  }
  await insertMembers(db, members);
  if (attributeUpdates.size > 0) await setAttributes(db, attributeUpdates, now);
  report.imported += members.length;
}

/**
 * Merges each contact's `attributes.<key>` cells into its stored attributes (as PATCH
 * /api/v1/contacts/:id does), one short transaction per batch. A merge that would pass the
 * attributes' size limit leaves that contact's attributes as they were.
 */
async function setAttributes(db: Deps['storage']['db'], updates: Map<string, Record<string, string>>, now: number): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const stored = await trx
      .selectFrom('contacts')
      .select(['id', 'attributes'])
      .where('id', 'in', [...updates.keys()])
      .execute();
    for (const c of stored) {
      const merged = mergeAttributes(c.attributes, updates.get(c.id) ?? {});
      if (!merged.ok) continue;
      await trx.updateTable('contacts').set({ attributes: merged.value, updated_at: now }).where('id', '=', c.id).execute();
    }
  });
}
