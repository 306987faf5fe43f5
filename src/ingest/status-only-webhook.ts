/**
 * Whether a parsed WhatsApp webhook carries status callbacks and nothing else (no customer
 * message, no error, no other field): the webhooks Meta sends three of for every message we send.
 * Only chooses which commit window the webhook waits in (event-writer.ts); a wrong answer costs
 * latency, never correctness, since both windows store and process alike.
 */
export function isStatusOnlyWebhook(body: unknown): boolean {
  if (!isRecord(body) || !Array.isArray(body.entry) || body.entry.length === 0) return false;
  for (const entry of body.entry) {
    if (!isRecord(entry) || !Array.isArray(entry.changes) || entry.changes.length === 0) return false;
    for (const change of entry.changes) {
      if (!isRecord(change) || change.field !== 'messages' || !isRecord(change.value)) return false;
      const value = change.value;
      if (!Array.isArray(value.statuses) || value.statuses.length === 0) return false;
      if (value.messages !== undefined || value.errors !== undefined) return false;
    }
  }
  return true;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
