import { daysInMonth, isCalendarDate, type CalendarDate } from './calendar-date.js';

/**
 * A number's rental periods (issue 19): a month each, charged in advance on the purchase's
 * anniversary. Dates are calendar dates (`YYYY-MM-DD`) in the operator's time zone, so "the 31st"
 * is the 31st where the reseller's customers live, whatever the server's clock says.
 */

export interface RentalPeriod {
  /** 0 for the month bought with the number, 1 for the first renewal, … */
  index: number;
  /** The first day of the period. */
  start: CalendarDate;
  /** The first day of the next period (exclusive). */
  end: CalendarDate;
}

/** One formatter per zone: making one costs many times what formatting a date with it does. */
const dateFormats = new Map<string, Intl.DateTimeFormat>();

/** The calendar date an instant falls on in `timeZone` (an IANA name such as Australia/Sydney). */
export function calendarDateOf(instant: Date, timeZone: string): CalendarDate {
  let format = dateFormats.get(timeZone);
  if (!format) {
    // en-CA formats as YYYY-MM-DD.
    format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    dateFormats.set(timeZone, format);
  }
  return format.format(instant);
}

/**
 * The start of period `index` of a number bought on `purchased`: the same day of the month, or the
 * month's last day where the month is shorter. Always from the purchase's own day, so a number
 * bought on 31 January renews on 28 (or 29) February and then on 31 March, not on the 28th.
 */
export function periodStart(purchased: CalendarDate, index: number): CalendarDate {
  if (!Number.isInteger(index) || index < 0) throw new RangeError(`not a period index: ${index}`);
  const [year, month, day] = parts(purchased);
  const total = year * 12 + (month - 1) + index;
  const y = Math.floor(total / 12);
  const m = (total % 12) + 1;
  return format(y, m, Math.min(day, daysInMonth(y, m)));
}

export function rentalPeriod(purchased: CalendarDate, index: number): RentalPeriod {
  return { index, start: periodStart(purchased, index), end: periodStart(purchased, index + 1) };
}

/** The period `date` falls in (the purchase day's period for any date before it). */
export function periodIndexAt(purchased: CalendarDate, date: CalendarDate): number {
  const [py, pm] = parts(purchased);
  const [y, m] = parts(date);
  let index = Math.max(0, (y - py) * 12 + (m - pm));
  // The month difference is right or one too many (the day of the month is not reached yet).
  while (index > 0 && periodStart(purchased, index) > date) index--;
  return index;
}

/**
 * The periods to charge as of `asOf`: from the first one not yet paid to the one `asOf` falls in,
 * each charged in advance on its first day. Empty when every period begun is paid.
 */
export function periodsDue(purchased: CalendarDate, firstUnpaid: number, asOf: CalendarDate): RentalPeriod[] {
  if (asOf < purchased) return [];
  const last = periodIndexAt(purchased, asOf);
  const due: RentalPeriod[] = [];
  for (let index = Math.max(0, firstUnpaid); index <= last; index++) due.push(rentalPeriod(purchased, index));
  return due;
}

function parts(date: CalendarDate): [year: number, month: number, day: number] {
  if (!isCalendarDate(date)) throw new RangeError(`not a calendar date: ${date}`);
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  return [year, month, day];
}

function format(year: number, month: number, day: number): CalendarDate {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}
