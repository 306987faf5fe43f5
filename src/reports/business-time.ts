import { type BusinessHours, isBusinessTime, nextBusinessTime, timeSettings } from '../flows/flow-time.ts';
import { localParts, localInstant } from './local-time.ts';

/** The business hours the flows use (BUSINESS_HOURS, BUSINESS_TIMEZONE; 08:00-19:00 UTC every day by default). */
export function configuredBusinessHours(config: {
  flows?: { businessHours?: { start: string; end: string }; businessTimezone?: string };
}): BusinessHours {
  return timeSettings({} as never, { businessHours: config.flows?.businessHours, timezone: config.flows?.businessTimezone }).hours;
}

/**
 * The milliseconds of [from, to) that fall inside business hours: each opening to its closing,
 * walked day by day in the zone's wall clock, so a 23- or 25-hour DST day counts its real length.
 */
export function businessMs(from: number, to: number, hours: BusinessHours): number {
  let sum = 0;
  let t = from;
  while (t < to) {
    t = nextBusinessTime(t, hours);
    if (t >= to || !isBusinessTime(t, hours)) break;
    const p = localParts(t, hours.timezone);
    const closing = localInstant(p.y, p.mo, p.d, hours.endMin, hours.timezone);
    const end = Math.min(closing > t ? closing : to, to);
    sum += end - t;
    t = end;
  }
  return sum;
}
