import { daysInMonth, type CalendarDate } from './calendar-date.js';
import { calendarDateOf } from './rental-period.js';

/**
 * Calendar months in the billing time zone (`YYYY-MM`), the months invoices cover: a charge at
 * 23:30 UTC on 31 March is in April in Sydney.
 */

/** The month an instant falls in, in `timeZone`. */
export function billingMonthOf(instant: Date, timeZone: string): string {
  return calendarDateOf(instant, timeZone).slice(0, 7);
}

/** The month's first and last calendar dates. */
export function monthDates(month: string): { first: CalendarDate; last: CalendarDate } {
  const [year, index] = month.split('-').map(Number) as [number, number];
  return { first: `${month}-01`, last: `${month}-${String(daysInMonth(year, index)).padStart(2, '0')}` };
}

/**
 * The instants the month begins and ends (exclusive) in `timeZone`, as ISO-8601 UTC text, the form
 * timestamps are stored in, so a range over `created_at` selects the month's rows.
 */
export function monthInstants(month: string, next: string, timeZone: string): { start: string; end: string } {
  return { start: startOfDay(`${month}-01`, timeZone).toISOString(), end: startOfDay(`${next}-01`, timeZone).toISOString() };
}

/** The instant `date` begins in `timeZone` (its midnight, or the first instant after it where a clock change skips it). */
export function startOfDay(date: CalendarDate, timeZone: string): Date {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  const wall = Date.UTC(year, month - 1, day);
  // The zone's offset at a first guess, then at the instant that guess gives: one of the two is the
  // day's first instant, the earlier one that is already on the day.
  const first = wall - offsetMs(new Date(wall), timeZone);
  const second = wall - offsetMs(new Date(first), timeZone);
  const onTheDay = [first, second].filter((instant) => calendarDateOf(new Date(instant), timeZone) >= date);
  return new Date(Math.min(...(onTheDay.length > 0 ? onTheDay : [first])));
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** How far `timeZone`'s wall clock is ahead of UTC at `instant`. */
function offsetMs(instant: Date, timeZone: string): number {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, format);
  }
  const parts = format.formatToParts(instant);
  const part = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)?.value);
  const wall = Date.UTC(part('year'), part('month') - 1, part('day'), part('hour'), part('minute'), part('second'));
  return wall - Math.floor(instant.getTime() / 1000) * 1000;
}
