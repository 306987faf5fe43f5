import { waitFor } from '../support/wait-for.ts';

export interface SseEvent {
  event: string;
  id?: string;
  data: any;
}

/** A server-sent-events client over fetch: collects every event until closed. */
export class SseClient {
  readonly events: SseEvent[] = [];
  readonly comments: string[] = [];
  status = 0;
  contentType = '';
  private readonly abort = new AbortController();
  private done: Promise<void> = Promise.resolve();

  static async open(url: string, headers: Record<string, string>): Promise<SseClient> {
    const c = new SseClient();
    const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: c.abort.signal });
    c.status = res.status;
    c.contentType = res.headers.get('content-type') ?? '';
    if (res.status !== 200 || !res.body) {
      c.events.push({ event: 'http_error', data: await res.text() });
      return c;
    }
    c.done = c.read(res.body);
    await c.next((e) => e.event === 'ready');
    return c;
  }

  private async read(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let buf = '';
    try {
      for await (const chunk of body) {
        buf += decoder.decode(chunk, { stream: true });
        let i: number;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          this.parse(buf.slice(0, i));
          buf = buf.slice(i + 2);
        }
      }
    } catch {
      // aborted by close(), or the server went away
    }
  }

  private parse(block: string): void {
    let event = 'message';
    let id: string | undefined;
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) this.comments.push(line.slice(1).trim());
      else if (line.startsWith('event: ')) event = line.slice(7);
      else if (line.startsWith('id: ')) id = line.slice(4);
      else if (line.startsWith('data: ')) data.push(line.slice(6));
    }
    if (data.length) this.events.push({ event, id, data: JSON.parse(data.join('\n')) });
  }

  async next(pred: (e: SseEvent) => boolean, timeoutMs = 5_000, what = 'stream event'): Promise<SseEvent> {
    await waitFor(() => this.events.some(pred), timeoutMs, what);
    return this.events.find(pred)!;
  }

  of(type: string, conversationId?: string): SseEvent[] {
    return this.events.filter((e) => e.event === type && (conversationId === undefined || e.data.conversation_id === conversationId));
  }

  async close(): Promise<void> {
    this.abort.abort();
    await this.done;
  }
}
