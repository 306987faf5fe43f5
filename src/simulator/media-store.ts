import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../core/clock.ts';
import { newNumericId } from './ids.ts';

export interface StoredMedia {
  id: string;
  bytes: Buffer;
  mimeType: string;
  /** Hex for the GET /{media-id} answer. */
  sha256Hex: string;
  /** Base64 for webhooks (Meta's inbound examples carry base64). */
  sha256Base64: string;
  phoneNumberId: string;
  origin: 'upload' | 'inbound';
  filename?: string;
  createdAt: number;
  expiresAt: number;
}

const DAY = 24 * 60 * 60 * 1000;
export const MEDIA_URL_TTL_MS = 5 * 60 * 1000;

/**
 * Media bytes by id, with Meta's lifetimes on the simulator clock: uploads live 30 days,
 * customer media 7 days; retrieval URLs live 5 minutes and carry an HMAC so they cannot be
 * forged or extended. Total bytes are capped (oldest evicted first).
 */
export class MediaStore {
  private readonly items = new Map<string, StoredMedia>();
  private totalBytes = 0;
  private readonly urlKey = randomBytes(32);
  /** Graph calls per media id (look-ups of GET /{media-id}, downloads of its URL), so tests can count them. */
  private readonly calls = new Map<string, { lookups: number; downloads: number }>();

  constructor(
    private readonly clock: Clock,
    private readonly maxTotalBytes = 512 * 1024 * 1024,
  ) {}

  put(bytes: Buffer, mimeType: string, phoneNumberId: string, origin: 'upload' | 'inbound', filename?: string): StoredMedia {
    const now = this.clock.now();
    const digest = createHash('sha256').update(bytes).digest();
    const m: StoredMedia = {
      id: newNumericId(),
      bytes,
      mimeType,
      sha256Hex: digest.toString('hex'),
      sha256Base64: digest.toString('base64'),
      phoneNumberId,
      origin,
      createdAt: now,
      expiresAt: now + (origin === 'upload' ? 30 : 7) * DAY,
    };
    if (filename) m.filename = filename;
    this.items.set(m.id, m);
    this.totalBytes += bytes.length;
    for (const [id, old] of this.items) {
      if (this.totalBytes <= this.maxTotalBytes || id === m.id) break;
      this.remove(id, old);
    }
    return m;
  }

  get(id: string): StoredMedia | undefined {
    const m = this.items.get(id);
    if (!m) return undefined;
    if (this.clock.now() >= m.expiresAt) {
      this.remove(id, m);
      return undefined;
    }
    return m;
  }

  delete(id: string): boolean {
    const m = this.items.get(id);
    if (!m) return false;
    this.remove(id, m);
    return true;
  }

  /** A download URL valid for 5 minutes of simulator time. */
  urlFor(m: StoredMedia, baseUrl: string): string {
    const ext = Math.floor((this.clock.now() + MEDIA_URL_TTL_MS) / 1000);
    return `${baseUrl}/whatsapp_business/attachments/?mid=${m.id}&ext=${ext}&hash=${this.hash(m.id, ext)}`;
  }

  /** The media a download URL points at, or why not. */
  resolveUrl(mid: unknown, ext: unknown, hash: unknown): StoredMedia | 'expired' | 'invalid' {
    if (typeof mid !== 'string' || typeof ext !== 'string' || typeof hash !== 'string' || !/^\d+$/.test(ext)) return 'invalid';
    const expected = Buffer.from(this.hash(mid, Number(ext)));
    const given = Buffer.from(hash);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return 'invalid';
    if (this.clock.now() >= Number(ext) * 1000) return 'expired';
    return this.get(mid) ?? 'expired';
  }

  noteCall(id: string, what: 'lookups' | 'downloads'): void {
    const c = this.calls.get(id) ?? { lookups: 0, downloads: 0 };
    c[what]++;
    this.calls.set(id, c);
  }

  callsFor(id: string): { lookups: number; downloads: number } {
    return { ...(this.calls.get(id) ?? { lookups: 0, downloads: 0 }) };
  }

  private hash(id: string, ext: number): string {
    return createHmac('sha256', this.urlKey).update(`${id}:${ext}`).digest('base64url').slice(0, 32);
  }

  private remove(id: string, m: StoredMedia): void {
    this.items.delete(id);
    this.totalBytes -= m.bytes.length;
  }
}
