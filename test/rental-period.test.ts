import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { gstIncluded, invoiceGst } from '../server/src/domain/gst.js';
import { daysInMonth, isCalendarDate } from '../server/src/domain/calendar-date.js';
import {
  calendarDateOf,
  periodIndexAt,
  periodStart,
  periodsDue,
  rentalPeriod,
} from '../server/src/domain/rental-period.js';

const calendarDate = fc
  .record({ year: fc.integer({ min: 2000, max: 2100 }), month: fc.integer({ min: 1, max: 12 }), day: fc.integer({ min: 1, max: 31 }) })
  .map(({ year, month, day }) => `${year}-${String(month).padStart(2, '0')}-${String(Math.min(day, daysInMonth(year, month))).padStart(2, '0')}`);

describe('rental periods: a month each, charged on the purchase anniversary', () => {
  it('renews on the same day, or on the last day of a shorter month, always from the purchase day', () => {
    assert.deepEqual(
      [0, 1, 2, 3, 12, 13].map((i) => periodStart('2027-01-31', i)),
      ['2027-01-31', '2027-02-28', '2027-03-31', '2027-04-30', '2028-01-31', '2028-02-29'],
    );
    assert.deepEqual([1, 2].map((i) => periodStart('2026-12-15', i)), ['2027-01-15', '2027-02-15'], 'across a year');
    assert.deepEqual([1, 12].map((i) => periodStart('2028-02-29', i)), ['2028-03-29', '2029-02-28'], 'bought on a leap day');
    assert.deepEqual(rentalPeriod('2027-01-30', 1), { index: 1, start: '2027-02-28', end: '2027-03-30' });
  });

  it('finds the period a date falls in, and charges in advance every period begun and not paid', () => {
    assert.equal(periodIndexAt('2027-01-31', '2027-02-27'), 0);
    assert.equal(periodIndexAt('2027-01-31', '2027-02-28'), 1);
    assert.equal(periodIndexAt('2027-01-31', '2027-03-30'), 1);
    assert.equal(periodIndexAt('2027-01-31', '2027-03-31'), 2);
    assert.equal(periodIndexAt('2027-01-31', '2026-12-01'), 0, 'before the purchase: its own period');
    assert.deepEqual(periodsDue('2027-01-31', 1, '2027-02-27'), [], 'the first month was paid at purchase');
    assert.deepEqual(
      periodsDue('2027-01-31', 1, '2027-04-30').map((p) => p.start),
      ['2027-02-28', '2027-03-31', '2027-04-30'],
      'a run three months late charges each period once',
    );
    assert.deepEqual(periodsDue('2027-01-31', 4, '2027-04-30'), [], 'nothing twice');
  });

  it('has periods that follow each other without gap or overlap, one a calendar month', () => {
    fc.assert(
      fc.property(calendarDate, fc.integer({ min: 0, max: 240 }), (purchased, index) => {
        const period = rentalPeriod(purchased, index);
        assert.ok(period.start < period.end);
        assert.equal(rentalPeriod(purchased, index + 1).start, period.end);
        const day = Number(purchased.slice(8));
        const [y, m] = period.start.split('-').map(Number) as [number, number];
        assert.equal(Number(period.start.slice(8)), Math.min(day, daysInMonth(y, m)));
        assert.equal(periodIndexAt(purchased, period.start), index);
        assert.equal(periodIndexAt(purchased, previousDay(period.end)), index);
      }),
      { numRuns: 2_000 },
    );
  });

  it('charges each period exactly once however the runs fall', () => {
    fc.assert(
      fc.property(calendarDate, fc.array(fc.integer({ min: 0, max: 4_000 }), { minLength: 1, maxLength: 20 }), (purchased, offsets) => {
        const runs = offsets.map((days) => addDays(purchased, days)).sort();
        let firstUnpaid = 1;
        const charged: number[] = [];
        for (const asOf of runs) {
          for (const period of periodsDue(purchased, firstUnpaid, asOf)) charged.push(period.index);
          firstUnpaid = Math.max(firstUnpaid, periodIndexAt(purchased, asOf) + 1);
        }
        const last = periodIndexAt(purchased, runs.at(-1)!);
        assert.deepEqual(charged, Array.from({ length: Math.max(0, last) }, (_, i) => i + 1));
      }),
      { numRuns: 500 },
    );
  });

  it('reads dates in the operator time zone', () => {
    const instant = new Date('2027-01-31T14:30:00Z');
    assert.equal(calendarDateOf(instant, 'Australia/Sydney'), '2027-02-01', 'already the next day in Sydney');
    assert.equal(calendarDateOf(instant, 'UTC'), '2027-01-31');
  });

  it('refuses what is not a calendar date or a period index', () => {
    for (const bad of ['2027-02-29', '2027-13-01', '27-01-01', '2027-1-1', '']) assert.equal(isCalendarDate(bad), false, bad);
    assert.throws(() => periodStart('2027-02-30', 1), RangeError);
    assert.throws(() => periodStart('2027-01-01', -1), RangeError);
    assert.throws(() => periodStart('2027-01-01', 1.5), RangeError);
  });
});

describe('GST in GST-inclusive prices', () => {
  it('is one eleventh, to the nearest cent, half a cent up', () => {
    const cases: Array<[number, number]> = [[11_00, 1_00], [10_00, 91], [5, 0], [6, 1], [0, 0], [1_65, 15], [-11_00, -1_00], [-6, -1]];
    for (const [price, gst] of cases) assert.equal(gstIncluded(price), gst, String(price));
    assert.throws(() => gstIncluded(1.5), RangeError);
  });

  it('is within half a cent of the exact eleventh, and rounded once per invoice', () => {
    fc.assert(
      fc.property(fc.integer({ min: -10_000_000, max: 10_000_000 }), (cents) => {
        assert.ok(Math.abs(gstIncluded(cents) - cents / 11) <= 0.5);
      }),
    );
    // Three $0.06 items: 1c each rounded alone, 2c on the invoice's $0.18.
    assert.deepEqual([[6, 6, 6].map(gstIncluded), invoiceGst([6, 6, 6])], [[1, 1, 1], 2]);
  });
});

function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

function previousDay(date: string): string {
  return addDays(date, -1);
}
