/** Calendar months in UTC as `YYYY-MM`, the unit the operator's reports are given in. */

const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;

export function isMonth(text: string): boolean {
  return MONTH.test(text);
}

/** The month a timestamp falls in. */
export function monthOf(date: Date): string {
  return date.toISOString().slice(0, 7);
}

/** The month `count` months after `month` (before, for a negative count). */
export function addMonths(month: string, count: number): string {
  const [year, index] = parts(month);
  const total = year * 12 + index + count;
  return `${String(Math.floor(total / 12)).padStart(4, '0')}-${String((total % 12) + 1).padStart(2, '0')}`;
}

/** How many months from `from` to `to`, both counted: 1 for the same month. */
export function monthsSpanned(from: string, to: string): number {
  const [fromYear, fromIndex] = parts(from);
  const [toYear, toIndex] = parts(to);
  return toYear * 12 + toIndex - (fromYear * 12 + fromIndex) + 1;
}

/** The month's first instant as ISO-8601 UTC, as timestamps are stored: `2026-03` → `2026-03-01T00:00:00.000Z`. */
export function monthStart(month: string): string {
  return `${month}-01T00:00:00.000Z`;
}

function parts(month: string): [year: number, index: number] {
  const match = MONTH.exec(month);
  if (!match) throw new RangeError(`not a month: ${month}`);
  return [Number(match[1]), Number(match[2]) - 1];
}
