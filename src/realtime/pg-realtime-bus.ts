import type { FastifyBaseLogger } from 'fastify';
import pg from 'pg';
import { decodeInboxEvent, type InboxEvent } from './inbox-event.ts';
import { INBOX_CHANNEL, type RealtimeBus } from './realtime-bus.ts';

const RECONNECT_MS = 1_000;

/**
 * LISTENs on a dedicated connection (a pooled one would be handed to other queries), opened
 * when the first subscriber arrives, so processes nobody streams from hold no extra connection.
 * A lost connection is reopened; events published meanwhile are missed (see RealtimeBus).
 */
export class PgRealtimeBus implements RealtimeBus {
  private readonly listeners = new Set<(e: InboxEvent) => void>();
  private client: pg.Client | undefined;
  private connecting: Promise<void> | undefined;
  private closed = false;
  private retry: NodeJS.Timeout | undefined;

  constructor(
    private readonly databaseUrl: string,
    private readonly logger: FastifyBaseLogger,
  ) {}

  async subscribe(fn: (e: InboxEvent) => void): Promise<() => void> {
    this.listeners.add(fn);
    await this.listen();
    return () => this.listeners.delete(fn);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    await this.connecting?.catch(() => {});
    const c = this.client;
    this.client = undefined;
    await c?.end().catch(() => {});
  }

  private listen(): Promise<void> {
    if (this.client || this.closed) return Promise.resolve();
    this.connecting ??= this.connect().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.databaseUrl });
    const lost = (err?: Error) => {
      if (this.client !== client) return;
      this.client = undefined;
      if (err) this.logger.warn({ err: err.message }, 'realtime LISTEN connection lost; reconnecting');
      if (!this.closed) this.retry = setTimeout(() => void this.listen().catch(() => {}), RECONNECT_MS);
    };
    client.on('error', lost);
    client.on('end', () => lost());
    client.on('notification', (msg) => {
      if (msg.channel !== INBOX_CHANNEL || !msg.payload) return;
      const e = decodeInboxEvent(msg.payload);
      if (e) for (const fn of this.listeners) fn(e);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${INBOX_CHANNEL}`);
    } catch (err) {
      await client.end().catch(() => {});
      if (!this.closed) this.retry = setTimeout(() => void this.listen().catch(() => {}), RECONNECT_MS);
      throw err;
    }
    if (this.closed) {
      await client.end().catch(() => {});
      return;
    }
    this.client = client;
  }
}
