import { finiteNum, isRecord, str } from './json-guards.ts';

/** The channel-neutral error shape used by InboundMessage.errors and StatusUpdate.errors. */
export interface ProviderError {
  code: number;
  title?: string;
  message?: string;
  details?: string;
}

/**
 * Webhook `errors[]` (message-, status- or value-level) -> ProviderError[]. Items without a
 * numeric code are dropped rather than failing the whole message: the code is the only part
 * anything downstream branches on.
 */
export function parseProviderErrors(v: unknown): ProviderError[] | undefined {
  if (!Array.isArray(v) || v.length === 0) return undefined;
  let out: ProviderError[] | undefined;
  for (let i = 0; i < v.length; i++) {
    const e: unknown = v[i];
    if (!isRecord(e)) continue;
    const code = finiteNum(e.code);
    if (code === undefined) continue;
    const err: ProviderError = { code };
    const title = str(e.title);
    if (title !== undefined) err.title = title;
    const message = str(e.message);
    if (message !== undefined) err.message = message;
    const data = e.error_data;
    const details = isRecord(data) ? str(data.details) : undefined;
    if (details !== undefined) err.details = details;
    (out ??= []).push(err);
  }
  return out;
}
