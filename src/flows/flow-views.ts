import type { Database } from '../storage/database-types.ts';
import type { FlowRow, SessionRow } from './flow-store.ts';
import type { FlowDocument } from './flow-types.ts';
import { waMeLink } from './match-trigger.ts';

type Channel = { id: string; display_phone_number: string | null };
function iso(t: number): string;
function iso(t: number | null): string | null;
function iso(t: number | null): string | null {
  return t === null ? null : new Date(Number(t)).toISOString();
}

/** Triggers as the API shows them: keyword and exact ones with their shareable wa.me links. */
export function triggerViews(doc: FlowDocument, channels: readonly Channel[]) {
  return (doc.triggers ?? []).map((t) => {
    const value = 'value' in t ? t.value : null;
    const links =
      value !== null && (t.type === 'keyword' || t.type === 'exact')
        ? channels
            .filter((c) => c.display_phone_number && (t.channel === undefined || t.channel === c.id))
            .map((c) => ({ channel_id: c.id, url: waMeLink(c.display_phone_number ?? '', value) }))
        : [];
    const button = t.type === 'template_button' ? { template: t.template, payload: t.payload ?? 'continue' } : {};
    return { type: t.type, value, channel: t.channel ?? null, ...button, wa_me_links: links };
  });
}

export function flowView(row: FlowRow, channels: readonly Channel[], opts: { withDraft?: boolean } = {}) {
  const draft: FlowDocument = JSON.parse(row.draft);
  return {
    id: row.id,
    name: row.name,
    published_version: row.published_version,
    source: row.source,
    triggers: triggerViews(draft, channels),
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
    ...(opts.withDraft ? { draft } : {}),
  };
}

export function sessionView(s: SessionRow) {
  return {
    id: s.id,
    flow_id: s.flow_id,
    version: s.version,
    contact_id: s.contact_id,
    channel_id: s.channel_id,
    conversation_id: s.conversation_id,
    current_block: s.current_block,
    status: s.status,
    awaiting: s.awaiting,
    reason: s.reason,
    variables: JSON.parse(s.variables),
    wake_at: iso(s.wake_at),
    started_at: iso(s.started_at),
    updated_at: iso(s.updated_at),
    ended_at: iso(s.ended_at),
  };
}

export function resultView(r: Database['flow_results']) {
  return {
    session_id: r.session_id,
    flow_id: r.flow_id,
    version: r.version,
    contact_id: r.contact_id,
    conversation_id: r.conversation_id,
    status: r.status,
    reason: r.reason,
    result: JSON.parse(r.result),
    answers: JSON.parse(r.answers),
    variables: JSON.parse(r.variables),
    started_at: iso(r.started_at),
    ended_at: iso(r.ended_at),
    duration_ms: r.ended_at - r.started_at,
  };
}

/** One row per result; one column per question block answered in any of them. */
export function resultsCsv(results: ReadonlyArray<ReturnType<typeof resultView>>): string {
  const blocks = [...new Set(results.flatMap((r) => (r.answers as Array<{ block: string }>).map((a) => a.block)))];
  const head = [
    'session_id',
    'flow_id',
    'version',
    'contact_id',
    'status',
    'reason',
    'started_at',
    'ended_at',
    'duration_ms',
    ...blocks.map((b) => `answer.${b}`),
    'result',
    'variables',
  ];
  const lines = [head.map(csvCell).join(',')];
  for (const r of results) {
    const answers = r.answers as Array<{ block: string; answer: string | null; valid: boolean }>;
    const lastValid = (b: string) => [...answers].reverse().find((a) => a.block === b && a.valid)?.answer ?? '';
    lines.push(
      [
        r.session_id,
        r.flow_id,
        r.version,
        r.contact_id,
        r.status,
        r.reason ?? '',
        r.started_at ?? '',
        r.ended_at ?? '',
        r.duration_ms,
        ...blocks.map(lastValid),
        JSON.stringify(r.result),
        JSON.stringify(r.variables),
      ]
        .map(csvCell)
        .join(','),
    );
  }
  return `${lines.join('\r\n')}\r\n`;
}

function csvCell(v: unknown): string {
  let s = String(v ?? '');
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`; // spreadsheet formula injection
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
