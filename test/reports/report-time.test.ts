import assert from 'node:assert/strict';
import { test } from 'node:test';
import { businessMs } from '../../src/reports/business-time.ts';
import { bucketOf, bucketValue, percentile } from '../../src/reports/duration-histogram.ts';
import { PeriodIndex } from '../../src/reports/report-periods.ts';

const HOUR = 3_600_000;
const hours = { startMin: 9 * 60, endMin: 17 * 60, timezone: 'America/New_York', days: new Set([1, 2, 3, 4, 5, 6, 7]) };

test('business time: an evening to the next morning counts only the open hours, DST days at their length', () => {
  // Fri 16:30 EST -> Mon 10:00 EDT: 0.5 + 8 + 8 + 1 hours (Sunday 2026-03-08 is the 23-hour day).
  assert.equal(businessMs(Date.parse('2026-03-06T21:30:00Z'), Date.parse('2026-03-09T14:00:00Z'), hours), 17.5 * HOUR);
  // Wholly outside: 0.
  assert.equal(businessMs(Date.parse('2026-03-10T12:00:00Z'), Date.parse('2026-03-10T12:10:00Z'), hours), 0);
  // Across the night DST ends (Sun 2026-11-01, 25 hours): 16:00 Sat EDT -> 10:00 Mon EST = 1 + 8 + 1.
  assert.equal(businessMs(Date.parse('2026-10-31T20:00:00Z'), Date.parse('2026-11-02T15:00:00Z'), hours), 10 * HOUR);
  // Weekdays only: Fri 16:00 -> Mon 10:00 = 1 + 1.
  const weekdays = { ...hours, days: new Set([1, 2, 3, 4, 5]) };
  assert.equal(businessMs(Date.parse('2026-03-06T21:00:00Z'), Date.parse('2026-03-09T14:00:00Z'), weekdays), 2 * HOUR);
});

test('periods: days and hours follow the zone across DST; weeks start on Monday', () => {
  const range = { from: Date.parse('2026-03-07T05:00:00Z'), to: Date.parse('2026-03-10T04:00:00Z'), timeZone: 'America/New_York' };
  const day = new PeriodIndex({ ...range, interval: 'day' });
  assert.equal(day.of(Date.parse('2026-03-08T04:00:00Z')), '2026-03-07T00:00:00-05:00');
  assert.equal(day.of(Date.parse('2026-03-08T05:00:00Z')), '2026-03-08T00:00:00-05:00');
  assert.equal(day.of(Date.parse('2026-03-09T03:00:00Z')), '2026-03-08T00:00:00-05:00'); // 23:00 EDT, still Sunday
  assert.equal(day.of(Date.parse('2026-03-09T04:00:00Z')), '2026-03-09T00:00:00-04:00');
  const hour = new PeriodIndex({ ...range, interval: 'hour' });
  assert.equal(hour.of(Date.parse('2026-03-08T06:00:00Z')), '2026-03-08T01:00:00-05:00');
  assert.equal(hour.of(Date.parse('2026-03-08T07:00:00Z')), '2026-03-08T03:00:00-04:00'); // 02:00 never happens
  assert.equal(hour.of(Date.parse('2026-03-09T15:00:00Z')), '2026-03-09T11:00:00-04:00');
  const week = new PeriodIndex({ ...range, interval: 'week' });
  assert.equal(week.of(Date.parse('2026-03-07T12:00:00Z')), '2026-03-02T00:00:00-05:00'); // Saturday: the week of Monday 2nd
  assert.equal(week.of(Date.parse('2026-03-09T12:00:00Z')), '2026-03-09T00:00:00-04:00');
  // A half-hour zone: each UTC hour goes to the local day it starts in.
  const india = new PeriodIndex({
    from: Date.parse('2026-03-07T00:00:00Z'),
    to: Date.parse('2026-03-09T00:00:00Z'),
    timeZone: 'Asia/Kolkata',
    interval: 'day',
  });
  assert.equal(india.of(Date.parse('2026-03-07T18:00:00Z')), '2026-03-07T00:00:00+05:30'); // 23:30 local
  assert.equal(india.of(Date.parse('2026-03-07T19:00:00Z')), '2026-03-08T00:00:00+05:30'); // 00:30 local
});

test('histogram: a percentile is within 2.5% of the exact value; nearest rank', () => {
  for (const ms of [1, 7, 999, 1000, 60_000, 361_234, 86_400_000, 30 * 86_400_000]) {
    const v = bucketValue(bucketOf(ms));
    assert.ok(Math.abs(v - ms) <= ms * 0.025 + 0.5, `${ms} -> ${v}`);
  }
  assert.equal(bucketValue(bucketOf(0)), 0);
  const counts = new Map<number, number>();
  for (const ms of [10_000, 20_000, 30_000, 40_000]) counts.set(bucketOf(ms), (counts.get(bucketOf(ms)) ?? 0) + 1);
  assert.equal(bucketOf(percentile(counts, 0.5) as number), bucketOf(20_000)); // rank 2 of 4
  assert.equal(bucketOf(percentile(counts, 0.9) as number), bucketOf(40_000)); // rank 4 of 4
  assert.equal(percentile(new Map(), 0.5), null);
});
