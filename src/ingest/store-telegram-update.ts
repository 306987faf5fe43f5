import type { Deps } from '../deps.ts';
import type { IngestLoop } from './ingest-loop.ts';
import { telegramProvider } from './process-telegram-event.ts';

/**
 * Stores one Telegram update (its exact text) as a pending webhook event and wakes the ingest
 * loop: once this resolves, the update is durable and will be processed even after a crash.
 * One insert per update: Telegram sends a bot's updates one request at a time.
 */
export async function storeTelegramUpdate(deps: Deps, ingest: IngestLoop, botId: string, text: string, parsed: unknown): Promise<number> {
  ingest.pending.stored(); // before the insert: the WhatsApp acknowledgements then look for it (event-writer.ts)
  const row = await deps.storage.db
    .insertInto('webhook_events')
    .values({
      provider: telegramProvider(botId),
      received_at: deps.clock.now(),
      body: text,
      status: 'pending',
      attempts: 0,
      processed_at: null,
      error: null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const id = Number(row.id);
  deps.parsedBodies.remember(id, parsed);
  ingest.wake();
  return id;
}
