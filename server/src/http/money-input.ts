import { invalidRequest } from '../domain/errors.js';
import { dollarsToCents } from '../domain/money.js';

/**
 * A dollar amount from a request body as cents; finer than a cent is a 400 naming the field, and so
 * is less than `minimumCents` (a credit or debit moves at least a cent).
 */
export function centsOf(field: string, dollars: number, minimumCents = 0): number {
  const cents = dollarsToCents(dollars);
  if (cents === null) throw invalidRequest(field, 'must be whole cents: at most two decimals');
  if (cents < minimumCents) throw invalidRequest(field, `must be at least ${(minimumCents / 100).toFixed(2)}`);
  return cents;
}

/** A percentage from a request body as basis points (hundredths of a percent); finer is a 400 naming the field. */
export function basisPointsOf(field: string, percent: number): number {
  // The same arithmetic as dollars to cents: both are hundredths.
  const basisPoints = dollarsToCents(percent);
  if (basisPoints === null) throw invalidRequest(field, 'must have at most two decimals');
  return basisPoints;
}
