import { serverNow } from '../api/server-clock.ts';
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

/**
 * Intl.DateTimeFormat is slow to build (the first one about 100 ms in Chromium) and timeOf runs for
 * every row and message: one formatter per language and style, kept.
 */
const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(style: 'time' | 'date' | 'day'): Intl.DateTimeFormat {
  const lng = i18n.resolvedLanguage ?? 'en';
  const key = `${lng} ${style}`;
  let f = formatters.get(key);
  if (!f) {
    const options: Intl.DateTimeFormatOptions =
      style === 'time'
        ? { hour: 'numeric', minute: '2-digit' }
        : style === 'date'
          ? { day: 'numeric', month: 'short' }
          : { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' };
    f = new Intl.DateTimeFormat(lng, options);
    formatters.set(key, f);
  }
  return f;
}

/**
 * Builds the formatters while the page is idle (the sign-in form, or waiting for the first list
 * page): the first one costs ~100 ms in Chromium (ICU's locale and time-zone data), which would
 * otherwise land on the first paint of the list.
 */
export function warmFormatters(): void {
  const warm = () => {
    for (const style of ['time', 'date', 'day'] as const) formatter(style).format(0);
  };
  if ('requestIdleCallback' in window) requestIdleCallback(warm);
  else setTimeout(warm, 0);
}

/** The local day (year, month, day) of a time, to compare days without building strings. */
function dayOf(ms: number): number {
  const d = new Date(ms);
  return d.getFullYear() * 10_000 + d.getMonth() * 100 + d.getDate();
}

export function timeOf(iso: string | null): string {
  if (!iso) return '';
  const at = Date.parse(iso);
  return formatter(dayOf(at) === dayOf(serverNow()) ? 'time' : 'date').format(at);
}

/** The time of day only: inside the conversation a day separator above already names the day. */
export function clockTimeOf(iso: string | null): string {
  return iso ? formatter('time').format(Date.parse(iso)) : '';
}

export function dayLabel(iso: string): string {
  const day = dayOf(Date.parse(iso));
  const now = serverNow();
  if (day === dayOf(now)) return i18n.t('conv.today');
  if (day === dayOf(now - 86_400_000)) return i18n.t('conv.yesterday');
  return formatter('day').format(Date.parse(iso));
}

/**
 * The 24-hour window: open with time left, or closed (by the server's clock). Countdown shown only
 * under 2 hours. On a channel without one (the API's `capabilities.service_window` false:
 * Telegram) it never applies: always open, no countdown, never the template picker.
 */
export function windowState(
  c: Pick<Conversation, 'window' | 'capabilities'>,
  now = serverNow(),
): { applies: boolean; open: boolean; leftMs: number | null } {
  if (!c.capabilities.service_window) return { applies: false, open: true, leftMs: null };
  if (!c.window.open || !c.window.open_until) return { applies: true, open: false, leftMs: null };
  const left = new Date(c.window.open_until).getTime() - now;
  return left > 0 ? { applies: true, open: true, leftMs: left } : { applies: true, open: false, leftMs: null };
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
