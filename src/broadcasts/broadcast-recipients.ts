import type { Executor } from '../storage/executor.ts';
import { listRecipients, recipientStatus, type RecipientListRow, type RecipientStatus } from './broadcast-store.ts';

/** One recipient as the API shows it (JSON page or CSV row). */
export interface RecipientView {
  seq: number;
  contact_id: string;
  address: string;
  status: RecipientStatus;
  error: { code: string | null; message: string | null } | null;
  message_id: string | null;
  queued_at: string | null;
  price_estimate: number;
}

/** Which recipients to list: any of `statuses` (all when empty), and an error code (a prefix: 1310, 131026, whatsapp_131026). */
export interface RecipientFilter {
  statuses: readonly RecipientStatus[];
  errorCode?: string;
}

const SCAN = 1000;

export function recipientView(r: RecipientListRow): RecipientView {
  const status = recipientStatus(r.state, r.message_status);
  const code = r.error_code ?? (status === 'failed' || status === 'unconfirmed' ? r.message_error_code : null);
  return {
    seq: Number(r.seq),
    contact_id: r.contact_id,
    address: r.address,
    status,
    error: code !== null || r.error_message !== null ? { code, message: r.error_message } : null,
    message_id: r.message_id,
    queued_at: r.queued_at === null ? null : new Date(Number(r.queued_at)).toISOString(),
    price_estimate: Number(r.price_estimate),
  };
}

/** Meta's codes are stored as whatsapp_<code>; the filter takes either form. */
const codeMatches = (code: string | null | undefined, want: string): boolean =>
  code !== null && code !== undefined && (code.startsWith(want) || code.replace(/^whatsapp_/, '').startsWith(want));

const matches = (v: RecipientView, f: RecipientFilter): boolean =>
  (f.statuses.length === 0 || f.statuses.includes(v.status)) && (f.errorCode === undefined || codeMatches(v.error?.code, f.errorCode));

/**
 * A broadcast's recipients in send order from after `afterSeq`, filtered, read SCAN rows at a time
 * (the status comes from the message each recipient became, so it is filtered after the join). An
 * export of 100,000 rows holds at most SCAN of them in memory.
 */
export async function* recipientsAfter(
  db: Executor,
  broadcastId: string,
  afterSeq: number,
  f: RecipientFilter,
): AsyncGenerator<RecipientView> {
  let after = afterSeq;
  for (;;) {
    const rows = await listRecipients(db, broadcastId, { afterSeq: after, limit: SCAN });
    for (const r of rows) {
      const v = recipientView(r);
      if (matches(v, f)) yield v;
    }
    if (rows.length < SCAN) return;
    after = Number(rows[rows.length - 1]?.seq);
  }
}

/** One page: at most `limit` matching recipients and the cursor of the next page (null on the last). */
export async function recipientPage(
  db: Executor,
  broadcastId: string,
  afterSeq: number,
  limit: number,
  f: RecipientFilter,
): Promise<{ data: RecipientView[]; next_cursor: string | null }> {
  const data: RecipientView[] = [];
  for await (const v of recipientsAfter(db, broadcastId, afterSeq, f)) {
    data.push(v);
    if (data.length === limit) break;
  }
  const last = data[data.length - 1];
  return { data, next_cursor: data.length === limit && last ? String(last.seq) : null };
}

/** The CSV export's columns, in order. */
export const RECIPIENT_CSV_COLUMNS = [
  'seq',
  'address',
  'contact_id',
  'status',
  'error_code',
  'error_message',
  'message_id',
  'queued_at',
  'price_estimate',
] as const;

export function recipientCsvRow(v: RecipientView): Array<string | number> {
  return [
    v.seq,
    v.address,
    v.contact_id,
    v.status,
    v.error?.code ?? '',
    v.error?.message ?? '',
    v.message_id ?? '',
    v.queued_at ?? '',
    v.price_estimate,
  ];
}
