import { request } from 'undici';
import { isRecord, nonEmptyStr, str } from './json-guards.ts';

/** A template as Graph lists it (`GET /{waba}/message_templates`). */
export interface RemoteTemplate {
  id: string;
  name: string;
  language: string;
  category: string;
  status: string;
  parameterFormat: 'positional' | 'named';
  components: unknown[];
  rejectedReason?: string;
  quality?: string;
}

export type GraphCallResult<T> = { ok: true; value: T } | { ok: false; status: number; code?: number; subcode?: number; message: string };

export interface TemplateApiOptions {
  graphUrl: string;
  apiVersion: string;
  accessToken: string;
  timeoutMs?: number;
}

/**
 * Template management on a WhatsApp Business Account (reference §8): create, list (following
 * cursor paging), delete by name. Rare calls, so no pool of its own: undici's global agent.
 * Never throws for HTTP or Graph failures; network errors come back as status 0.
 */
export class WhatsAppTemplateApi {
  readonly #base: string;
  readonly #headers: Record<string, string>;
  readonly #timeoutMs: number;

  constructor(opts: TemplateApiOptions) {
    this.#base = `${opts.graphUrl.replace(/\/+$/, '')}/${opts.apiVersion}`;
    this.#headers = { authorization: `Bearer ${opts.accessToken}`, 'content-type': 'application/json' };
    this.#timeoutMs = opts.timeoutMs ?? 15_000;
  }

  async create(
    wabaId: string,
    doc: { name: string; language: string; category: string; parameter_format: string; components: unknown[] },
  ): Promise<GraphCallResult<{ id: string; status: string; category?: string }>> {
    const res = await this.#call('POST', `/${encodeURIComponent(wabaId)}/message_templates`, doc);
    if (!res.ok) return res;
    const id = isRecord(res.value) ? nonEmptyStr(res.value.id) : undefined;
    if (!id || !isRecord(res.value)) return { ok: false, status: 502, message: 'The Graph API answered without a template id.' };
    return { ok: true, value: { id, status: str(res.value.status) ?? 'PENDING', category: str(res.value.category) } };
  }

  async list(wabaId: string): Promise<GraphCallResult<RemoteTemplate[]>> {
    const out: RemoteTemplate[] = [];
    const fields = 'name,status,category,language,components,parameter_format,rejected_reason,quality_score,id';
    let path: string | undefined = `/${encodeURIComponent(wabaId)}/message_templates?limit=100&fields=${fields}`;
    for (let page = 0; path !== undefined && page < 100; page++) {
      const res = await this.#call('GET', path);
      if (!res.ok) return res;
      const body = res.value;
      const data = isRecord(body) && Array.isArray(body.data) ? body.data : [];
      for (const t of data) {
        const parsed = parseRemote(t);
        if (parsed) out.push(parsed);
      }
      const after = isRecord(body) && isRecord(body.paging) && isRecord(body.paging.cursors) ? str(body.paging.cursors.after) : undefined;
      const hasNext = isRecord(body) && isRecord(body.paging) && typeof body.paging.next === 'string';
      path =
        hasNext && after
          ? `/${encodeURIComponent(wabaId)}/message_templates?limit=100&fields=${fields}&after=${encodeURIComponent(after)}`
          : undefined;
    }
    return { ok: true, value: out };
  }

  /** Deletes every language of `name`, or only `metaId` when given (`hsm_id`). */
  async delete(wabaId: string, name: string, metaId?: string): Promise<GraphCallResult<true>> {
    const q = new URLSearchParams({ name });
    if (metaId) q.set('hsm_id', metaId);
    const res = await this.#call('DELETE', `/${encodeURIComponent(wabaId)}/message_templates?${q}`);
    return res.ok ? { ok: true, value: true } : res;
  }

  async #call(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<GraphCallResult<unknown>> {
    try {
      const res = await request(this.#base + path, {
        method,
        headers: this.#headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        headersTimeout: this.#timeoutMs,
        bodyTimeout: this.#timeoutMs,
      });
      const text = await res.body.text();
      let json: unknown = text;
      try {
        json = text ? JSON.parse(text) : null;
      } catch {
        // A proxy page: keep the text for the message.
      }
      if (res.statusCode >= 200 && res.statusCode < 300) return { ok: true, value: json };
      const e = isRecord(json) && isRecord(json.error) ? json.error : undefined;
      return {
        ok: false,
        status: res.statusCode,
        code: typeof e?.code === 'number' ? e.code : undefined,
        subcode: typeof e?.error_subcode === 'number' ? e.error_subcode : undefined,
        message: str(e?.error_user_msg) ?? str(e?.message) ?? `Graph API answered HTTP ${res.statusCode}`,
      };
    } catch (error) {
      return { ok: false, status: 0, message: `Graph API unreachable: ${error instanceof Error ? error.message : String(error)}` };
    }
  }
}

function parseRemote(t: unknown): RemoteTemplate | undefined {
  if (!isRecord(t)) return undefined;
  const id = typeof t.id === 'number' ? String(t.id) : nonEmptyStr(t.id);
  const name = nonEmptyStr(t.name);
  const language = nonEmptyStr(t.language);
  if (!id || !name || !language) return undefined;
  const out: RemoteTemplate = {
    id,
    name,
    language,
    category: (str(t.category) ?? 'UTILITY').toUpperCase(),
    status: (str(t.status) ?? 'PENDING').toUpperCase(),
    parameterFormat: str(t.parameter_format)?.toUpperCase() === 'NAMED' ? 'named' : 'positional',
    components: Array.isArray(t.components) ? t.components : [],
  };
  const reason = str(t.rejected_reason);
  if (reason && reason !== 'NONE') out.rejectedReason = reason;
  const q = isRecord(t.quality_score) ? str(t.quality_score.score) : str(t.quality_score);
  if (q) out.quality = q;
  return out;
}
