import cliProgress from 'cli-progress';
import { type ApiTarget, callApi, errorLine } from './broadcast-api.ts';

/** A broadcast as GET /api/v1/broadcasts/:id gives it (the fields the CLI reads). */
export interface BroadcastState {
  id: string;
  name: string;
  state: string;
  state_reason: string | null;
  rate_per_second: number;
  scheduled_at: string | null;
  counts: Record<'pending' | 'queued' | 'sent' | 'delivered' | 'read' | 'failed' | 'unconfirmed' | 'total', number>;
  funnel: { recipients: number; sent: number; delivered: number; read: number; failed: number };
}

const ENDED = new Set(['completed', 'cancelled', 'failed']);
/** How far back the send rate is measured. */
const RATE_WINDOW_MS = 10_000;

/** The line every run ends with, progress bar or not. */
export function summaryLine(b: BroadcastState): string {
  const f = b.funnel;
  return (
    `broadcast ${b.id} ${b.state}${b.state_reason ? ` (${b.state_reason})` : ''}: ${f.recipients} recipients, ` +
    `sent ${f.sent}, delivered ${f.delivered}, read ${f.read}, failed ${f.failed}` +
    (b.counts.unconfirmed ? `, unconfirmed ${b.counts.unconfirmed}` : '') +
    (b.counts.pending ? `, not sent ${b.counts.pending}` : '')
  );
}

/** Recipients done with (handed to WhatsApp and answered, or failed): what the bar counts. */
const doneOf = (b: BroadcastState) => b.counts.total - b.counts.pending - b.counts.queued;

/**
 * Follows a broadcast until it ends (or, with `untilPaused`, pauses) with a live progress bar
 * (cli-progress): done / total, sent, delivered, read, failed, the send rate over the last 10 s
 * and the ETA. On a terminal it redraws in place; otherwise (a log, a pipe) it writes a line every
 * few seconds. Returns the broadcast as it last read it.
 */
export async function followBroadcast(
  target: ApiTarget,
  id: string,
  opts: { intervalMs: number; stream: NodeJS.WriteStream; stopWhenPaused: boolean },
): Promise<BroadcastState> {
  const bar = new cliProgress.SingleBar(
    {
      format:
        '{bar} {percentage}% | {value}/{total} | sent {sent} delivered {delivered} read {read} failed {failed} | {rate} msg/s | ETA {eta_text} | {state}',
      stream: opts.stream,
      hideCursor: true,
      noTTYOutput: true,
      notTTYSchedule: 2000,
      barsize: 24,
    },
    cliProgress.Presets.shades_classic,
  );
  const samples: Array<{ at: number; handed: number }> = [];
  let started = false;
  let b: BroadcastState | undefined;
  try {
    for (;;) {
      const got = await callApi(target, 'GET', `/api/v1/broadcasts/${id}`);
      if (got.status !== 200) throw new Error(errorLine(got));
      b = got.body as BroadcastState;
      const now = Date.now();
      // Rate: recipients handed to WhatsApp (everything not pending) per second over the window.
      const handed = b.counts.total - b.counts.pending;
      samples.push({ at: now, handed });
      while (samples.length > 2 && (samples[0]?.at ?? now) < now - RATE_WINDOW_MS) samples.shift();
      const first = samples[0];
      const seconds = first ? (now - first.at) / 1000 : 0;
      const rate = first && seconds > 0 ? (handed - first.handed) / seconds : 0;
      const left = b.counts.pending;
      const payload = {
        sent: b.funnel.sent,
        delivered: b.funnel.delivered,
        read: b.funnel.read,
        failed: b.funnel.failed,
        rate: rate.toFixed(1),
        eta_text: left === 0 ? '0s' : rate > 0 ? formatSeconds(left / rate) : '-',
        state: b.state,
      };
      if (!started && b.counts.total > 0) {
        bar.start(b.counts.total, doneOf(b), payload);
        started = true;
      } else if (started) bar.update(doneOf(b), payload);
      if (ENDED.has(b.state) || (opts.stopWhenPaused && b.state === 'paused')) return b;
      await new Promise((r) => setTimeout(r, opts.intervalMs));
    }
  } finally {
    if (started) bar.stop();
  }
}

function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '-';
  const t = Math.round(s);
  if (t < 60) return `${t}s`;
  if (t < 3600) return `${Math.floor(t / 60)}m${String(t % 60).padStart(2, '0')}s`;
  return `${Math.floor(t / 3600)}h${String(Math.floor((t % 3600) / 60)).padStart(2, '0')}m`;
}
