import { mkdtempSync, rmSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { changesOf, type EchoBotSpec, graphSender, startWebhookServer } from './echo-bot-parts.ts';

export interface DurableReferenceSpec extends EchoBotSpec {
  /** How long acknowledgements wait to share a commit (Switchboard's WEBHOOK_COMMIT_WINDOW_MS default: 2). */
  commitWindowMs: number;
}

const RANK: Record<string, number> = { queued: 0, accepted: 1, sent: 2, delivered: 3, read: 4, failed: 5 };

/**
 * Issue #16's floor: the reference (reference-server.ts) plus the least storage that keeps the
 * guarantees the aims are set against, written as directly as SQLite allows. One table, two indexes
 * (the row id and the wamid), prepared statements run synchronously by better-sqlite3 in WAL mode
 * with synchronous=NORMAL (Switchboard's settings), and group commit:
 * - a webhook is acknowledged only after its rows commit (an acknowledged event is never lost);
 *   webhooks arriving within `commitWindowMs` share the commit;
 * - a customer message is stored once per wamid (a unique index; a redelivery is dropped) and its
 *   echo's intent is recorded in the same transaction, before the Graph API call;
 * - the Graph API's answer records the reply's wamid (in the next commit window);
 * - a status moves a message forward only (a rank compare in the update); one for a wamid not yet
 *   recorded is kept for later.
 * No conversations, contacts, inbox, jobs, events, search, flows or metrics: what Switchboard costs
 * beyond this target is the price of being a product rather than of being durable.
 */
export async function startDurableReferenceServer(
  spec: DurableReferenceSpec,
): Promise<{ url: string; inFlight(): number; close(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'sb-durable-ref-'));
  const db = new Database(join(dir, 'floor.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('temp_store = MEMORY');
  db.exec(`create table messages (
    id integer primary key,
    wamid text unique,
    direction text not null,
    peer text not null,
    body text,
    status text not null,
    rank integer not null,
    created_at integer not null,
    status_at integer);
  create table early_statuses (wamid text not null, status text not null, rank integer not null, at integer not null)`);
  const insertInbound = db.prepare(
    `insert into messages (wamid, direction, peer, body, status, rank, created_at) values (?, 'in', ?, ?, 'received', 0, ?) on conflict (wamid) do nothing`,
  );
  const insertReply = db.prepare(
    `insert into messages (direction, peer, body, status, rank, created_at) values ('out', ?, ?, 'queued', 0, ?) returning id`,
  );
  const accept = db.prepare(`update messages set wamid = ?, status = 'accepted', rank = 1, status_at = ? where id = ? and rank < 1`);
  const moveStatus = db.prepare(`update messages set status = ?, rank = ?, status_at = ? where wamid = ? and rank < ?`);
  const keepEarly = db.prepare(`insert into early_statuses (wamid, status, rank, at) values (?, ?, ?, ?)`);

  const graph = graphSender(spec);

  // One group commit: the window's webhooks and accepts, then the acknowledgements and the sends.
  let pendingWrites: (() => void)[] = [];
  let pendingAcks: ServerResponse[] = [];
  let pendingSends: { id: number; to: string; body: string }[] = [];
  let timer: NodeJS.Timeout | undefined;
  const flush = db.transaction((writes: (() => void)[]) => {
    for (const w of writes) w();
  });
  const commit = () => {
    timer = undefined;
    const writes = pendingWrites;
    const acks = pendingAcks;
    pendingWrites = [];
    pendingAcks = [];
    flush(writes);
    const sends = pendingSends;
    pendingSends = [];
    for (const res of acks) res.writeHead(200).end();
    for (const s of sends)
      graph.send(s.to, s.body, (wamid) => {
        // No wamid in the answer: the reply stays queued (a real bot would retry or reconcile).
        if (wamid) later(() => accept.run(wamid, Date.now(), s.id));
      });
  };
  const later = (write: () => void, res?: ServerResponse) => {
    pendingWrites.push(write);
    if (res) pendingAcks.push(res);
    timer ??= setTimeout(commit, spec.commitWindowMs);
  };

  const server = await startWebhookServer(spec, (payload, res) => {
    const { messages, statuses } = changesOf(payload);
    later(() => {
      const now = Date.now();
      for (const m of messages) {
        if (insertInbound.run(m.id, m.from, m.text, now).changes === 0) continue; // a redelivery
        const body = `You said: ${m.text}`;
        const { id } = insertReply.get(m.from, body, now) as { id: number };
        pendingSends.push({ id, to: m.from, body });
      }
      for (const s of statuses) {
        const rank = RANK[s.status] ?? 0;
        if (moveStatus.run(s.status, rank, now, s.id, rank).changes === 0) keepEarly.run(s.id, s.status, rank, now);
      }
    }, res);
  });
  return {
    url: server.url,
    inFlight: () => graph.inFlight() + pendingWrites.length,
    close: async () => {
      if (timer) clearTimeout(timer);
      graph.close();
      await server.close();
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
