import i18n from '../i18n/index.ts';
import type { Conversation } from '../api/types.ts';

export function contactName(c: Conversation['contact']): string {
  return c.name ?? c.profile_name ?? c.phone ?? c.username ?? c.wa_id ?? c.bsuid ?? '?';
}

/** "in 1 h 12 min" style, for the window countdown. */
export function duration(ms: number): string {
  const min = Math.max(0, Math.round(ms / 60_000));
  const h = Math.floor(min / 60);
  return h > 0 ? `${h} h ${min % 60} min` : `${min} min`;
}

export function timeOf(iso: string | null): string {
  if (!iso) return '';
  const d = new Date(iso);
  const now = new Date();
  const sameDay = d.toDateString() === now.toDateString();
  return new Intl.DateTimeFormat(
    i18n.resolvedLanguage,
    sameDay ? { hour: 'numeric', minute: '2-digit' } : { day: 'numeric', month: 'short' },
  ).format(d);
}

export function dayLabel(iso: string): string {
  const d = new Date(iso);
  const today = new Date();
  const yesterday = new Date(Date.now() - 86_400_000);
  if (d.toDateString() === today.toDateString()) return i18n.t('conv.today');
  if (d.toDateString() === yesterday.toDateString()) return i18n.t('conv.yesterday');
  return new Intl.DateTimeFormat(i18n.resolvedLanguage, { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' }).format(d);
}

/** The 24-hour window: open with time left, or closed. Countdown shown only under 2 hours. */
export function windowState(c: Pick<Conversation, 'window'>, now = Date.now()): { open: boolean; leftMs: number | null } {
  if (!c.window.open || !c.window.open_until) return { open: false, leftMs: null };
  const left = new Date(c.window.open_until).getTime() - now;
  return left > 0 ? { open: true, leftMs: left } : { open: false, leftMs: null };
}

/** The message type's icon in the preview (an emoji keeps the bundle free of an icon set). */
export const KIND_ICON: Record<string, string> = {
  image: '📷',
  video: '🎥',
  audio: '🎤',
  voice: '🎤',
  document: '📄',
  sticker: '🏷️',
  location: '📍',
  contacts: '👤',
  template: '📋',
  interactive: '🔘',
  button: '🔘',
  buttons: '🔘',
  list: '📋',
  cta_url: '🔗',
  reaction: '😊',
  order: '🛒',
  unsupported: '❔',
};
