import { UsageError } from './failures.js';

/** Checks of option values that commander leaves as text. */

export function amount(flag: string) {
  return (text: string): number => {
    if (!/^\$?\d+(\.\d{1,2})?$/.test(text.trim())) throw new UsageError(`${flag} must be an amount in dollars, like 12.50 (got "${text}")`);
    return Number(text.trim().replace('$', ''));
  };
}

/** A percentage with at most two decimals, with or without its % sign. */
export function percent(flag: string) {
  return (text: string): number => {
    if (!/^\d+(\.\d{1,2})?%?$/.test(text.trim())) throw new UsageError(`${flag} must be a percentage, like 25 or 12.5 (got "${text}")`);
    return Number(text.trim().replace('%', ''));
  };
}

/** A calendar month, YYYY-MM. */
export function month(flag: string) {
  return (text: string): string => {
    if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(text.trim())) throw new UsageError(`${flag} must be a month, like 2026-03 (got "${text}")`);
    return text.trim();
  };
}

/** An instant (an ISO date-time, or a date taken as its midnight UTC), sent as ISO. */
export function instant(flag: string) {
  return (text: string): string => {
    const parsed = new Date(text.trim());
    if (text.trim() === '' || Number.isNaN(parsed.getTime())) throw new UsageError(`${flag} must be an instant such as 2027-01-31T00:00:00Z (got "${text}")`);
    return parsed.toISOString();
  };
}

export function integer(flag: string, min: number, max: number) {
  return (text: string): number => {
    const value = Number(text);
    if (!Number.isInteger(value) || value < min || value > max) throw new UsageError(`${flag} must be a whole number from ${min} to ${max} (got "${text}")`);
    return value;
  };
}

export function oneOf<T extends string>(flag: string, values: readonly T[]) {
  return (text: string): T => {
    if (!(values as readonly string[]).includes(text)) throw new UsageError(`${flag} must be one of ${values.join(', ')} (got "${text}")`);
    return text as T;
  };
}

/** Drops undefined members, so optional fields are left out of request bodies. */
export function defined<T extends Record<string, unknown>>(value: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as never;
}
